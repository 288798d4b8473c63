package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/jaring"
)

// RequestIDHeader names the request ID a caller may send, and that every
// response carries.
const RequestIDHeader = "X-Request-ID"

// requestID is the ID of request r: the caller's X-Request-ID if
// jaring.ValidRequestID takes it, so that a gateway's or a partner
// frontend's ID follows the request through Jaring's logs and audit log;
// a new random one otherwise.
func requestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); jaring.ValidRequestID(id) {
		return id
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// exchange is what the server learns of one request as it is answered: its
// status, and for a GraphQL request the operation the request named and the
// codes of the errors answered. It is the request's graph.Observer.
type exchange struct {
	mu        sync.Mutex
	operation string
	named     bool // the request reached an operation
	codes     []jaring.Code
}

var _ graph.Observer = (*exchange)(nil)

func (e *exchange) Operation(name string) {
	e.mu.Lock()
	e.operation, e.named = name, true
	e.mu.Unlock()
}

func (e *exchange) Error(code jaring.Code) {
	e.mu.Lock()
	e.codes = append(e.codes, code)
	e.mu.Unlock()
}

func (e *exchange) outcome() (operation string, named bool, codes []jaring.Code) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.operation, e.named, append([]jaring.Code(nil), e.codes...)
}

type exchangeKey struct{}

// exchangeFrom returns the exchange of the request ctx belongs to, nil if
// none.
func exchangeFrom(ctx context.Context) *exchange {
	e, _ := ctx.Value(exchangeKey{}).(*exchange)
	return e
}

// track gives each request its ID (in the context, for every log line and
// audit event of the request, and in the X-Request-ID response header) and
// an exchange, then logs it: method, path, status, duration and, for
// GraphQL, the operation and the error codes answered.
func track(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r)
		w.Header().Set(RequestIDHeader, id)
		ex := &exchange{}
		ctx := jaring.WithRequestID(r.Context(), id)
		ctx = context.WithValue(ctx, exchangeKey{}, ex)
		ctx = graph.WithObserver(ctx, ex)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start).Round(time.Microsecond))}
		if op, named, codes := ex.outcome(); named || len(codes) > 0 {
			if named {
				attrs = append(attrs, slog.String("operation", op))
			}
			if len(codes) > 0 {
				attrs = append(attrs, slog.Any("codes", codes))
			}
		}
		log.LogAttrs(ctx, level, "request", attrs...)
	})
}

// observe counts each GraphQL request in m: the operation the request
// named, how long it took and the codes of the errors it answered, those
// the server answered itself (Error) included.
func observe(m *Metrics, next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		if ex := exchangeFrom(r.Context()); ex != nil {
			op, _, codes := ex.outcome()
			m.observeRequest(op, time.Since(start), codes)
		}
	})
}

// LogHandler returns a slog.Handler that writes what h writes, adding to
// each record logged with a request's context (InfoContext, ErrorContext,
// …) the request's ID as request_id: every line of one request can be
// found by it, and so can the request's audit events.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := jaring.RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
