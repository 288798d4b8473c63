package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/server"
)

// countingAuth is bearerOK that counts the requests it was asked about.
type countingAuth struct{ n atomic.Int64 }

func (a *countingAuth) Authenticate(ctx context.Context, h string) (*authz.Principal, error) {
	a.n.Add(1)
	return bearerOK{}.Authenticate(ctx, h)
}

// noDB is a database that must not be asked anything.
type noDB struct{ n atomic.Int64 }

func (d *noDB) Ping(context.Context) error { d.n.Add(1); return nil }

// A preflight is answered by the CORS layer: from an allowed origin with
// the CORS headers, from any other without them, and neither reaches
// authentication, GraphQL or the database. A request from an allowed
// origin may read X-Request-ID.
func TestCORS(t *testing.T) {
	auth := &countingAuth{}
	db := &noDB{}
	var reached atomic.Int64
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		io.WriteString(w, `{"data":{}}`)
	})
	const allowed = "https://silakso.bangkatengah.go.id"
	ts := httptest.NewServer(server.New(server.Config{Log: quiet, Auth: auth, CORSOrigins: []string{allowed, "http://localhost:5173"}}, db, gql).Handler())
	defer ts.Close()

	preflight := func(origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, x-purpose, x-request-id")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := preflight(allowed)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != allowed {
		t.Errorf("preflight from %s: Access-Control-Allow-Origin = %q, want the origin", allowed, got)
	}
	allowHeaders := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"authorization", "content-type", "x-purpose", "x-request-id"} {
		if !strings.Contains(allowHeaders, h) {
			t.Errorf("preflight: Access-Control-Allow-Headers = %q, want %s in it", allowHeaders, h)
		}
	}
	if resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("preflight allows credentials: the token travels in Authorization, cookies are never needed")
	}
	// The one Apollo Client sends to get past CSRF prevention is allowed too.
	req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/graphql", nil)
	req.Header.Set("Origin", allowed)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "apollo-require-preflight")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.Header.Get("Access-Control-Allow-Origin") != allowed {
		t.Errorf("preflight asking for apollo-require-preflight: %v %v", err, resp.Header)
	}

	for _, origin := range []string{"https://evil.example", "https://silakso.bangkatengah.go.id.evil.example", "null"} {
		resp := preflight(origin)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin = %q, want none", origin, got)
		}
		if resp.StatusCode >= 300 {
			t.Errorf("preflight from %s: %d", origin, resp.StatusCode)
		}
	}
	if n, r, p := auth.n.Load(), reached.Load(), db.n.Load(); n != 0 || r != 0 || p != 0 {
		t.Errorf("preflights reached authentication %d times, GraphQL %d, the database %d; want none", n, r, p)
	}

	// The request itself: the origin may read the answer and its request ID.
	post, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"{x}"}`))
	post.Header.Set("Origin", allowed)
	post.Header.Set("Authorization", "Bearer ok")
	resp, err := http.DefaultClient.Do(post)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != allowed || !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Expose-Headers")), "x-request-id") {
		t.Errorf("POST from %s: headers %v, want the origin allowed and X-Request-ID exposed", allowed, resp.Header)
	}
	if auth.n.Load() != 1 || reached.Load() != 1 {
		t.Errorf("the POST reached authentication %d times and GraphQL %d, want once each", auth.n.Load(), reached.Load())
	}

	// Without origins CORS is off: no headers for anyone, and a preflight
	// still reaches nothing behind the server.
	off := httptest.NewServer(server.New(server.Config{Log: quiet, Auth: auth}, db, gql).Handler())
	defer off.Close()
	req, _ = http.NewRequest(http.MethodOptions, off.URL+"/graphql", nil)
	req.Header.Set("Origin", allowed)
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" || auth.n.Load() != 1 || reached.Load() != 1 {
		t.Errorf("CORS off: preflight got %v; authentication %d, GraphQL %d", resp.Header, auth.n.Load(), reached.Load())
	}
}

func TestCheckOrigins(t *testing.T) {
	tests := []struct {
		origin string
		ok     bool
	}{
		{"https://silakso.bangkatengah.go.id", true},
		{"http://localhost:5173", true},
		// A wildcard opens Jaring to every web site its users visit.
		{"*", false},
		{"https://*.go.id", false},
		// An origin is scheme, host and port; a browser never sends more.
		{"https://silakso.bangkatengah.go.id/", false},
		{"https://silakso.bangkatengah.go.id/app", false},
		{"silakso.bangkatengah.go.id", false},
		{"ftp://files.example", false},
		{"https://user@silakso.example", false},
	}
	for _, tt := range tests {
		if err := server.CheckOrigins([]string{tt.origin}); (err == nil) != tt.ok {
			t.Errorf("CheckOrigins(%q) = %v, want ok %v", tt.origin, err, tt.ok)
		}
	}
}

// lines is a JSON log, one object a line, safe to write from the server's
// goroutines.
type lines struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lines) records(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.b.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, rec)
	}
	return out
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Each request has an ID: the caller's when it is well formed, a new one
// otherwise. It is echoed in X-Request-ID and is in every line logged with
// the request's context, the request's own line included.
func TestRequestID(t *testing.T) {
	var log lines
	raw := slog.NewJSONHandler(&log, nil)
	// The GraphQL handler logs through LogHandler, as the hub sets it up;
	// the server wraps the logger it is given itself.
	inner := slog.New(server.LogHandler(raw))
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.InfoContext(r.Context(), "inside")
		io.WriteString(w, `{"data":{}}`)
	})
	ts := httptest.NewServer(server.New(server.Config{Log: slog.New(raw), Auth: bearerOK{}}, &noDB{}, gql).Handler())
	defer ts.Close()

	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"a gateway's ID", "gw-01J9Z.abc_DEF-7", true},
		{"none", "", false},
		// Anything else is replaced: it would go into log lines and the audit log.
		{"a space", "two words", false},
		{"a quote", `a"b`, false},
		{"too long", strings.Repeat("a", 65), false},
		{"64 is the most", strings.Repeat("a", 64), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log.mu.Lock()
			log.b.Reset()
			log.mu.Unlock()
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"{x}"}`))
			req.Header.Set("Authorization", "Bearer ok")
			if tt.sent != "" {
				req.Header.Set(server.RequestIDHeader, tt.sent)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			id := resp.Header.Get(server.RequestIDHeader)
			switch {
			case tt.kept && id != tt.sent:
				t.Fatalf("X-Request-ID = %q, want the caller's %q", id, tt.sent)
			case !tt.kept && !hexID.MatchString(id):
				t.Fatalf("X-Request-ID = %q, want a new one of 32 hex digits", id)
			}
			recs := log.records(t)
			msgs := map[string]bool{}
			for _, rec := range recs {
				msgs[rec["msg"].(string)] = true
				if rec["request_id"] != id {
					t.Errorf("log line %v: request_id is not %q", rec, id)
				}
			}
			if !msgs["inside"] || !msgs["request"] {
				t.Errorf("log lines %v: want the handler's and the request's", recs)
			}
		})
	}
	// Two requests without an ID get two IDs.
	a, _ := http.Get(ts.URL + "/healthz")
	b, _ := http.Get(ts.URL + "/healthz")
	a.Body.Close()
	b.Body.Close()
	if a.Header.Get(server.RequestIDHeader) == b.Header.Get(server.RequestIDHeader) {
		t.Error("two requests got one request ID")
	}
}

// The profiler is served on the admin address only; the metrics on both.
func TestAdminAddress(t *testing.T) {
	s := server.New(server.Config{Log: quiet, Auth: bearerOK{}, Metrics: server.NewMetrics()}, &noDB{}, http.NotFoundHandler())
	main := httptest.NewServer(s.Handler())
	defer main.Close()
	admin := httptest.NewServer(s.AdminHandler())
	defer admin.Close()
	get := func(base, path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline", "/debug/pprof/goroutine?debug=1"} {
		if code, _ := get(main.URL, path); code != http.StatusNotFound {
			t.Errorf("main address: GET %s = %d, want 404", path, code)
		}
		if code, _ := get(admin.URL, path); code != http.StatusOK {
			t.Errorf("admin address: GET %s = %d, want 200", path, code)
		}
	}
	if _, body := get(admin.URL, "/debug/pprof/"); !strings.Contains(body, "goroutine") {
		t.Errorf("admin /debug/pprof/ does not list the profiles:\n%s", body)
	}
	for _, base := range []string{main.URL, admin.URL} {
		if code, body := get(base, "/metrics"); code != http.StatusOK || !strings.Contains(body, "jaring_graphql_errors_total") {
			t.Errorf("GET %s/metrics = %d", base, code)
		}
	}
	// Without metrics there is no /metrics.
	bare := httptest.NewServer(server.New(server.Config{Log: quiet, Auth: bearerOK{}}, &noDB{}, http.NotFoundHandler()).Handler())
	defer bare.Close()
	if code, _ := get(bare.URL, "/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics without Metrics = %d, want 404", code)
	}
}

// Requests refused before GraphQL runs count under their code.
func TestMetricsCountRefusals(t *testing.T) {
	m := server.NewMetrics()
	ts := httptest.NewServer(server.New(server.Config{Log: quiet, Auth: bearerOK{}, Metrics: m, MaxBodyBytes: 64}, &noDB{}, http.NotFoundHandler()).Handler())
	defer ts.Close()
	for range 2 {
		resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{x}"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, _ := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(strings.Repeat("x", 65)))
	resp.Body.Close()
	resp, _ = http.Get(ts.URL + "/metrics")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`jaring_graphql_errors_total{code="` + string(jaring.EUNAUTHENTICATED) + `"} 2`,
		`jaring_graphql_errors_total{code="` + string(jaring.ELIMIT) + `"} 1`,
		`jaring_graphql_errors_total{code="` + string(jaring.EDOUBLEAID) + `"} 0`,
		`jaring_graphql_requests_total{operation=""} 3`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}
