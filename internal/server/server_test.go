package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/graphiql"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/server"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// bearerOK lets "Bearer ok" in as a DINSOS approver: these tests are of the
// server's wiring; token rules are authz's and tested there.
type bearerOK struct{}

func (bearerOK) Authenticate(_ context.Context, h string) (*authz.Principal, error) {
	if h != "Bearer ok" {
		return nil, jaring.Errorf(jaring.EUNAUTHENTICATED, "No valid token.")
	}
	return &authz.Principal{Subject: "s", Org: "DINSOS"}, nil
}

func post(t *testing.T, addr, auth, purpose string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(`{"query":"{x}"}`))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if purpose != "" {
		req.Header.Set("X-Purpose", purpose)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Every /graphql request is authenticated: without a token, 401 and no
// data; with one, the handler sees the principal and the declared purpose.
func TestAuthentication(t *testing.T) {
	db := pgtest.Open(t, pgtest.URL(t))
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, purpose := authz.FromContext(r.Context())
		io.WriteString(w, p.Org+"|"+purpose)
	})
	addr, cancel, done := serve(t, server.New(server.Config{Log: quiet, Auth: bearerOK{}}, db, echo))
	defer func() { cancel(); <-done }()

	resp, body := post(t, addr, "", "")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "UNAUTHENTICATED") || strings.Contains(body, `"data"`) ||
		resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d %s", resp.StatusCode, body)
	}
	if resp, body := post(t, addr, "Bearer nope", ""); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "No valid token.") {
		t.Errorf("bad token: %d %s", resp.StatusCode, body)
	}
	if resp, body := post(t, addr, "Bearer ok", "  verifikasi SLK-1 "); resp.StatusCode != http.StatusOK || body != "DINSOS|verifikasi SLK-1" {
		t.Errorf("good token: %d %q", resp.StatusCode, body)
	}
}

func serve(t *testing.T, s *server.Server) (addr string, cancel func(), done chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	return ln.Addr().String(), cancel, done
}

// Shutdown lets a request in flight finish, then refuses new connections.
func TestGracefulShutdown(t *testing.T) {
	db := pgtest.Open(t, pgtest.URL(t))
	started, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, `{"data":{}}`)
	})
	addr, cancel, done := serve(t, server.New(server.Config{Log: quiet, Auth: bearerOK{}}, db, slow))

	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(`{"query":"{x}"}`))
		req.Header.Set("Authorization", "Bearer ok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		res <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-started
	cancel() // shutdown begins while the request is in flight

	// The listener closes at once: a new connection is refused.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still takes connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) before the request in flight finished", err)
	default:
	}
	close(release)
	if r := <-res; r.err != nil || r.status != http.StatusOK || r.body != `{"data":{}}` {
		t.Errorf("request in flight = %+v, want it answered", r)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	db := pgtest.Open(t, pgtest.URL(t))
	addr, cancel, done := serve(t, server.New(server.Config{Log: quiet, MaxBodyBytes: 64, Auth: bearerOK{}, GraphiQL: &graphiql.Config{Title: "Jaring", Endpoint: "/graphql"}}, db, http.NotFoundHandler()))
	defer func() { cancel(); <-done }()

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz = %d %s", code, body)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz with the database up = %d %s", code, body)
	}
	if code, body := get("/"); code != http.StatusOK || !strings.Contains(body, "graphiql") {
		t.Errorf("/ = %d, want GraphiQL", code)
	}
	// A body over the limit is refused before it reaches GraphQL.
	big, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(strings.Repeat("x", 65)))
	big.Header.Set("Authorization", "Bearer ok")
	resp, err := http.DefaultClient.Do(big)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "LIMIT_EXCEEDED") {
		t.Errorf("large body = %d %s, want 413 LIMIT_EXCEEDED", resp.StatusCode, b)
	}

	// With the database gone, the process is alive but not ready.
	db.Close()
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with the database gone = %d, want 200", code)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "database") {
		t.Errorf("/readyz with the database gone = %d %s, want 503 naming the database", code, body)
	}
}
