// Package server wires Jaring's HTTP endpoints: /graphql, GraphiQL at /,
// /healthz (the process is up), /readyz (the database answers), with request
// limits, logging and a graceful shutdown in which in-flight requests finish.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
)

// Pinger is what /readyz asks whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Authenticator turns an Authorization header into a principal.
type Authenticator interface {
	Authenticate(ctx context.Context, authorization string) (*authz.Principal, error)
}

// Config configures a Server.
type Config struct {
	Log *slog.Logger
	// MaxBodyBytes bounds a request body (0: 1 MiB): a batch of 1,000
	// benefits fits several times over.
	MaxBodyBytes int64
	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// once shutdown starts (0: 30 s).
	ShutdownTimeout time.Duration
	// Auth authenticates every /graphql request. Required.
	Auth Authenticator
}

// Server serves Jaring over HTTP.
type Server struct {
	cfg  Config
	http *http.Server
}

// New returns a Server that answers GraphQL with gql and checks readiness
// with db.
func New(cfg Config, db Pinger, gql http.Handler) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.Auth == nil {
		panic("server: Config.Auth is required")
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", limitBody(cfg.MaxBodyBytes, authenticate(cfg.Auth, cfg.Log, gql)))
	mux.Handle("GET /{$}", playground.Handler("Jaring", "/graphql"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			cfg.Log.Warn("not ready: database does not answer", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "the database does not answer"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return &Server{
		cfg: cfg,
		http: &http.Server{
			Handler:           logRequests(cfg.Log, mux),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
		},
	}
}

// Handler returns the server's routes, for tests that serve them otherwise.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Serve answers requests on ln until ctx is done, then stops taking new
// requests, lets in-flight ones finish (up to ShutdownTimeout) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.cfg.Log.Info("shutting down: finishing requests in flight", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.http.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// authenticate lets a request through with its principal and purpose in
// its context, or answers 401 with the reason and no data.
func authenticate(auth Authenticator, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		p, err := auth.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			code := jaring.ErrorCode(err)
			status := http.StatusUnauthorized
			if code == jaring.EINTERNAL {
				log.ErrorContext(r.Context(), "authenticate", "err", err)
				status = http.StatusInternalServerError
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="jaring"`)
			writeJSON(w, status, map[string]any{"errors": []map[string]any{{
				"message": jaring.ErrorMessage(err), "extensions": map[string]any{"code": code}}}})
			return
		}
		purpose := strings.TrimSpace(r.Header.Get("X-Purpose"))
		next.ServeHTTP(w, r.WithContext(authz.NewContext(r.Context(), p, purpose)))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// limitBody refuses bodies over n bytes with 413 and a GraphQL-shaped error.
func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"errors": []map[string]any{{
				"message":    fmt.Sprintf("The request body has %d bytes, at most %d are taken; split the batch.", r.ContentLength, n),
				"extensions": map[string]any{"code": "LIMIT_EXCEEDED"},
			}}})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request's method, path, status and duration.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = slog.LevelDebug
		}
		log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start).Round(time.Microsecond))
	})
}
