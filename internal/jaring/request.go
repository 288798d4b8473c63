package jaring

import "context"

// MaxRequestIDLen is the longest request ID taken from a caller.
const MaxRequestIDLen = 64

// ValidRequestID reports whether s may serve as a request ID: 1 to
// MaxRequestIDLen letters, digits, dots, underscores and hyphens. The rule
// keeps an ID safe to echo in a header, to write in a log line and to store
// in the audit log, whoever made it up.
func ValidRequestID(s string) bool {
	if len(s) == 0 || len(s) > MaxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

type requestIDKey struct{}

// WithRequestID returns a context carrying the ID of the HTTP request it
// serves, so that its log lines and its audit events name it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID that ctx carries, "" outside a request
// (the command line, background work).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
