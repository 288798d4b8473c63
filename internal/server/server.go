// Package server wires Jaring's HTTP endpoints: /graphql, GraphiQL at /,
// /healthz (the process is up), /readyz (the database answers), with
// authentication, request limits, logging and a graceful shutdown in which
// in-flight requests finish.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/graphiql"
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
	// MaxUploadBytes bounds the body of a file upload, a multipart request
	// (0: 8 MiB): a benefits file of some 80,000 rows; larger files go
	// through the command line.
	MaxUploadBytes int64
	// MaxConcurrent bounds the GraphQL requests executing at once (0: 8
	// per CPU); a request that finds no room within QueueTimeout answers
	// LIMIT_EXCEEDED (503) with Retry-After.
	MaxConcurrent int
	// QueueTimeout is how long a request waits for room (0: 2 s).
	QueueTimeout time.Duration
	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// once shutdown starts (0: 30 s).
	ShutdownTimeout time.Duration
	// GraphiQL serves the GraphiQL page at / when set: the query it opens
	// with and the headers it offers.
	GraphiQL *graphiql.Config
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
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = 8 << 20
	}
	if cfg.MaxConcurrent == 0 {
		cfg.MaxConcurrent = 8 * runtimeCPUs()
	}
	if cfg.QueueTimeout == 0 {
		cfg.QueueTimeout = 2 * time.Second
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.Auth == nil {
		panic("server: Config.Auth is required")
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", methods(limitBody(cfg.MaxBodyBytes, cfg.MaxUploadBytes,
		authenticate(cfg.Auth, cfg.Log, limitConcurrency(cfg.MaxConcurrent, cfg.QueueTimeout, gql)))))
	if cfg.GraphiQL != nil {
		ui := graphiql.Handler(*cfg.GraphiQL)
		mux.Handle("GET /{$}", ui)
		mux.Handle("GET "+graphiql.AssetPath, ui)
	}
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

// Error writes err as the response: the status its code calls for, and a
// GraphQL-shaped body, {"errors": [{"message", "extensions": {"code", …}}]},
// made by the same presenter as the errors of a GraphQL response. It is the
// one writer of every error the server answers itself.
func Error(w http.ResponseWriter, err error) {
	e := jaring.ErrorCode(err)
	if e == jaring.EUNAUTHENTICATED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="jaring"`)
	}
	var je *jaring.Error
	if errors.As(err, &je) && je.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((je.RetryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, Status(err), errorBody{Errors: gqlerror.List{graph.Present(err)}})
}

// errorBody is a response of errors and no data: nothing ran.
type errorBody struct {
	Errors gqlerror.List `json:"errors"`
}

// Status is the HTTP status of a request refused with err.
func Status(err error) int {
	var je *jaring.Error
	if errors.As(err, &je) && je.Code == jaring.ELIMIT {
		switch je.Limit {
		case "body":
			return http.StatusRequestEntityTooLarge
		case "concurrency":
			return http.StatusServiceUnavailable
		}
		return http.StatusTooManyRequests
	}
	switch jaring.ErrorCode(err) {
	case jaring.EINVALID:
		return http.StatusBadRequest
	case jaring.EUNAUTHENTICATED:
		return http.StatusUnauthorized
	case jaring.EFORBIDDEN:
		return http.StatusForbidden
	case jaring.ENOTFOUND:
		return http.StatusNotFound
	case jaring.ECONFLICT, jaring.EDOUBLEAID:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// methods refuses, for /graphql, anything but GET, POST and OPTIONS, and
// upgrades (subscriptions are not served).
func methods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Upgrade") != "":
			Error(w, jaring.Invalid("Upgrade", "Jaring serves GraphQL over plain HTTP, without subscriptions"))
		case r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodOptions:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			Error(w, jaring.Invalid("method", "%s is not served; send queries by GET or POST, mutations by POST", r.Method))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// authenticate lets a request through with its principal and checked
// purpose in its context, or answers 401 with the reason and no data; a
// purpose that breaks its rules is INVALID_INPUT naming the header, before
// anything is run or stored.
func authenticate(auth Authenticator, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		p, err := auth.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			if jaring.ErrorCode(err) == jaring.EINTERNAL {
				log.ErrorContext(r.Context(), "authenticate", "err", err)
			}
			Error(w, err)
			return
		}
		purpose, err := authz.CheckPurpose(r.Header.Get(authz.PurposeHeader))
		if err != nil {
			Error(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(authz.NewContext(r.Context(), p, purpose)))
	})
}

// limitConcurrency lets at most n requests execute at once. One that finds
// no room within wait is refused with LIMIT_EXCEEDED and Retry-After, so a
// burst of heavy queries delays the others by at most wait, and never
// piles up without bound.
func limitConcurrency(n int, wait time.Duration, next http.Handler) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
		default:
			t := time.NewTimer(wait)
			select {
			case slots <- struct{}{}:
				t.Stop()
			case <-t.C:
				Error(w, &jaring.Error{Code: jaring.ELIMIT, Limit: "concurrency", RetryAfter: time.Second, Message: fmt.Sprintf(
					"The server is answering %d requests at once, as many as it takes; try again in a moment.", n)})
				return
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// limitBody refuses bodies over n bytes (upload bytes for a file upload, a
// multipart request) with 413 and a GraphQL-shaped error: at once when the
// request says its length, and when it reads past the limit otherwise (the
// GraphQL transport answers the same error then).
func limitBody(n, upload int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := n
		if media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && media == "multipart/form-data" {
			n = upload
		}
		if r.ContentLength > n {
			Error(w, jaring.Limited("body", "The request body has %d bytes, at most %d are taken; split the batch.", r.ContentLength, n))
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

func runtimeCPUs() int { return runtime.GOMAXPROCS(0) }
