// Package server wires Jaring's HTTP endpoints: /graphql, GraphiQL at /,
// /healthz (the process is up), /readyz (the database answers), /metrics,
// with CORS, authentication, request limits, request IDs, logging and a
// graceful shutdown in which in-flight requests finish; and, on an admin
// address of its own, the Go profiler (docs/operations.md).
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
	// Metrics, when set, is served at /metrics, here and on the admin
	// address, and counts the GraphQL requests.
	Metrics *Metrics
	// CORSOrigins are the exact origins whose web pages may call /graphql
	// (CheckOrigins); none: CORS is off and browsers call from the same
	// origin only.
	CORSOrigins []string
}

// Server serves Jaring over HTTP.
type Server struct {
	cfg   Config
	http  *http.Server
	admin *http.Server
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
	// Every line logged, the middleware's too, carries its request's ID.
	cfg.Log = slog.New(LogHandler(cfg.Log.Handler()))
	mux := http.NewServeMux()
	// CORS first, so that a preflight is answered before anything else
	// runs; then the metrics, so that every request that is not a
	// preflight is counted, refused or not.
	mux.Handle("/graphql", withCORS(cfg.CORSOrigins, observe(cfg.Metrics, methods(limitBody(cfg.MaxBodyBytes, cfg.MaxUploadBytes,
		authenticate(cfg.Auth, cfg.Log, limitConcurrency(cfg.MaxConcurrent, cfg.QueueTimeout, gql)))))))
	if cfg.Metrics != nil {
		// No personal data and no secrets are in the metrics, as none are
		// in /healthz: they are served beside the API, for the scraper that
		// reaches the API, and on the admin address.
		mux.Handle("GET /metrics", cfg.Metrics.Handler())
	}
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
			cfg.Log.WarnContext(ctx, "not ready: database does not answer", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "the database does not answer"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return &Server{
		cfg: cfg,
		http: &http.Server{
			Handler:           track(cfg.Log, mux),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
		},
		// No ReadTimeout: a CPU profile or a trace takes as long as asked.
		admin: &http.Server{
			Handler:           track(cfg.Log, adminHandler(cfg.Metrics)),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
		},
	}
}

// Handler returns the server's routes, for tests that serve them otherwise.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// AdminHandler returns the admin address's routes: /debug/pprof/, /metrics
// and /healthz.
func (s *Server) AdminHandler() http.Handler { return s.admin.Handler }

// Serve answers requests on ln until ctx is done, then stops taking new
// requests, lets in-flight ones finish (up to ShutdownTimeout) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, s.http, ln)
}

// ServeAdmin answers the admin routes (AdminHandler) on ln until ctx is
// done, as Serve does. Give it a listener only operators reach: the
// profiler shows the program's memory and may slow it down while it runs.
func (s *Server) ServeAdmin(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, s.admin, ln)
}

func (s *Server) serve(ctx context.Context, hs *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	if hs == s.http {
		s.cfg.Log.Info("shutting down: finishing requests in flight", "timeout", s.cfg.ShutdownTimeout)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
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
// one writer of every error the server answers itself, and tells the
// request's metrics and log line the code.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	e := jaring.ErrorCode(err)
	if o := graph.ObserverFrom(r.Context()); o != nil {
		o.Error(e)
	}
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
// upgrades (subscriptions are not served). OPTIONS is answered here, with
// the methods served: a preflight the CORS layer did not take is one from
// an origin it does not allow (or CORS is off), and it must reach neither
// authentication nor GraphQL.
func methods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Upgrade") != "":
			Error(w, r, jaring.Invalid("Upgrade", "Jaring serves GraphQL over plain HTTP, without subscriptions"))
		case r.Method == http.MethodOptions:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			w.WriteHeader(http.StatusNoContent)
		case r.Method != http.MethodGet && r.Method != http.MethodPost:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			Error(w, r, jaring.Invalid("method", "%s is not served; send queries by GET or POST, mutations by POST", r.Method))
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
		p, err := auth.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			if jaring.ErrorCode(err) == jaring.EINTERNAL {
				log.ErrorContext(r.Context(), "authenticate", "err", err)
			}
			Error(w, r, err)
			return
		}
		purpose, err := authz.CheckPurpose(r.Header.Get(authz.PurposeHeader))
		if err != nil {
			Error(w, r, err)
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
				Error(w, r, &jaring.Error{Code: jaring.ELIMIT, Limit: "concurrency", RetryAfter: time.Second, Message: fmt.Sprintf(
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
			Error(w, r, jaring.Limited("body", "The request body has %d bytes, at most %d are taken; split the batch.", r.ContentLength, n))
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

func runtimeCPUs() int { return runtime.GOMAXPROCS(0) }
