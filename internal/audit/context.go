package audit

import (
	"context"
	"sync"
)

// Pending is the record of a change an operation is making: who, what,
// why. The store that makes the change adds what it touched and appends the
// event in the same transaction, so that the change and its record commit
// together or not at all.
type Pending struct {
	mu      sync.Mutex
	event   Event
	written bool
}

// NewPending returns a pending record of an operation.
func NewPending(ev Event) *Pending { return &Pending{event: ev} }

type pendingKey struct{}

// WithPending returns a context carrying p.
func WithPending(ctx context.Context, p *Pending) context.Context {
	return context.WithValue(ctx, pendingKey{}, p)
}

// PendingFrom returns the pending record of the operation, nil if none.
func PendingFrom(ctx context.Context) *Pending {
	p, _ := ctx.Value(pendingKey{}).(*Pending)
	return p
}

// Event returns the event with the households (KKs) and persons (NIKs)
// touched added: every member of a household changed is a person touched,
// so that each one's trail shows the change. The caller appends it and then
// calls Written.
func (p *Pending) Event(households, persons []string) *Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev := p.event
	ev.Households = append(append([]string(nil), p.event.Households...), households...)
	ev.Persons = append(append([]string(nil), p.event.Persons...), persons...)
	return &ev
}

// Written marks the record as appended.
func (p *Pending) Written() {
	p.mu.Lock()
	p.written = true
	p.mu.Unlock()
}

// IsWritten reports whether the record was appended.
func (p *Pending) IsWritten() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.written
}
