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

	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/server"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

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
	addr, cancel, done := serve(t, server.New(server.Config{Log: quiet}, db, slow))

	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(`{"query":"{x}"}`))
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
	addr, cancel, done := serve(t, server.New(server.Config{Log: quiet, MaxBodyBytes: 64}, db, http.NotFoundHandler()))
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
	resp, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(strings.Repeat("x", 65)))
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
