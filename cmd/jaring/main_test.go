package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// The test binary doubles as jaring: run with JARING_TEST_MAIN=1 it is the
// real program, signals and all.
func TestMain(m *testing.M) {
	if os.Getenv("JARING_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	pgtest.Main(m)
}

// dataDir returns a folder the unprivileged PostgreSQL user can enter.
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "jaring-cmd-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDev runs `jaring dev` in process until the returned stop is called.
func startDev(t *testing.T, dir string) (addr string, out *syncBuffer, stop func()) {
	t.Helper()
	out = &syncBuffer{}
	listening := make(chan string, 1)
	m := &Main{Stdout: out, Stderr: out, Getenv: env(nil), OnListen: func(a string) { listening <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, []string{"dev", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo-households", "40", "--demo-as-of", "2026-06-30"})
	}()
	select {
	case addr = <-listening:
	case err := <-done:
		cancel()
		t.Fatalf("dev stopped before listening: %v\n%s", err, out)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatalf("dev did not start listening:\n%s", out)
	}
	return addr, out, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dev: %v\n%s", err, out)
		}
	}
}

// approverToken mints a DINSOS approver's token with the secret dev keeps in dir.
func approverToken(t *testing.T, dir string) string {
	t.Helper()
	secret, err := authz.LoadSecret(env(nil), dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := authz.Mint(secret, authz.Claims{Subject: "t", Org: "DINSOS", OrgKind: jaring.OrgAgency, Roles: []authz.Role{authz.RoleApprover}, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// post sends a GraphQL query to the server at addr with token and returns
// the response body.
func post(t *testing.T, addr, token, query string) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Purpose", "test")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// graphql sends a query and returns its data; an error fails the test.
func graphql(t *testing.T, addr, token, query string) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(post(t, addr, token, query), &out); err != nil || out["errors"] != nil {
		t.Fatalf("%s: %v %v", query, err, out)
	}
	return out["data"].(map[string]any)
}

// `jaring dev` started twice on one folder keeps its data: the second run
// finds the cluster, does not seed again, and still has what was recorded.
func TestDevKeepsData(t *testing.T) {
	dir := dataDir(t)

	addr, out, stop := startDev(t, dir)
	if !strings.Contains(out.String(), "seeded 40 households") {
		t.Errorf("first run did not seed:\n%s", out)
	}
	for _, path := range []string{"/healthz", "/readyz", "/"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}
	tok := approverToken(t, dir)
	if !strings.Contains(out.String(), "DINSOS approver") || !strings.Contains(out.String(), "Authorization: Bearer") {
		t.Errorf("dev printed no demo tokens:\n%s", out)
	}
	data := graphql(t, addr, tok, `{ households(first: 1) { totalCount edges { node { kk } } } }`)
	kk := data["households"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)["kk"].(string)
	graphql(t, addr, tok, `mutation { recordBenefits(input: [{kk: "`+kk+`", program: "PKH", amount: 1000,
		period: {start: "2026-07-01", end: "2026-07-31"}, externalRef: "KEEP-ME"}]) { status } }`)
	stop()
	pid := postmasterPID(t, dir)
	if pid != 0 {
		t.Fatalf("postmaster.pid still names pid %d after dev stopped", pid)
	}

	addr, out, stop = startDev(t, dir)
	defer stop()
	if strings.Contains(out.String(), "seeded ") || strings.Contains(out.String(), "initialising") || !strings.Contains(out.String(), "not seeding") {
		t.Errorf("second run initialised or seeded again:\n%s", out)
	}
	data = graphql(t, addr, approverToken(t, dir), `{ household(kk: "`+kk+`") { benefits { externalRef } } households { totalCount } }`)
	if n := data["households"].(map[string]any)["totalCount"].(float64); n != 40 {
		t.Errorf("second run has %v households, want the 40 of the first", n)
	}
	if !strings.Contains(mustJSON(data), "KEEP-ME") {
		t.Errorf("the benefit recorded in the first run is gone: %s", mustJSON(data))
	}
}

// serve refuses to run as a login that could edit the audit log — here the
// cluster's superuser — and says what to do; as the application's login it
// serves; --allow-owner lets an owner through.
func TestServeRefusesTheOwner(t *testing.T) {
	owner := pgtest.URL(t)
	vars := env(map[string]string{"JARING_JWT_SECRET": strings.Repeat("s", 32)})
	var out syncBuffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: vars}
	err := m.Run(context.Background(), []string{"serve", "--database-url", owner, "--addr", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "superuser") || !strings.Contains(err.Error(), "--allow-owner") || !strings.Contains(err.Error(), "jaring_app") {
		t.Fatalf("serve as the superuser: %v", err)
	}
	for _, args := range [][]string{
		{"serve", "--database-url", pgtest.AppURL(t, owner), "--addr", "127.0.0.1:0"},
		{"serve", "--database-url", owner, "--allow-owner", "--addr", "127.0.0.1:0"},
	} {
		listening := make(chan string, 1)
		m := &Main{Stdout: &out, Stderr: &out, Getenv: vars, OnListen: func(a string) { listening <- a }}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx, args) }()
		select {
		case <-listening:
			cancel()
			if err := <-done; err != nil {
				t.Errorf("%v: %v", args[3:], err)
			}
		case err := <-done:
			cancel()
			t.Errorf("%v did not serve: %v", args[3:], err)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// postmasterPID returns the pid in the cluster's lock file, 0 if none.
func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "postgres", "pgdata", "postmaster.pid"))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	return pid
}

// A real jaring process stopped with Ctrl-C (SIGINT) or SIGTERM finishes,
// stops its PostgreSQL and leaves no server process behind.
func TestDevStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := dataDir(t)
			cmd := exec.Command(os.Args[0], "dev", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo-households", "10")
			cmd.Env = append(os.Environ(), "JARING_TEST_MAIN=1")
			stdout, _ := cmd.StdoutPipe()
			cmd.Stderr = io.Discard
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(stdout)
			var pid int
			for lines.Scan() {
				if _, after, ok := strings.Cut(lines.Text(), "(pid "); ok && pid == 0 {
					pid, _ = strconv.Atoi(strings.FieldsFunc(after, func(r rune) bool { return r < '0' || r > '9' })[0])
				}
				if strings.Contains(lines.Text(), "Jaring is listening") {
					break
				}
			}
			if pid == 0 {
				cmd.Process.Kill()
				t.Fatal("jaring dev did not say which pid its PostgreSQL has")
			}
			go io.Copy(io.Discard, stdout)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() { errc <- cmd.Wait() }()
			select {
			case err := <-errc:
				if err != nil {
					t.Errorf("jaring dev exited with %v after %s", err, sig)
				}
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("jaring dev did not stop within a minute of %s", sig)
			}
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("PostgreSQL (pid %d) still runs after jaring stopped: %v", pid, err)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	known, err := postgres.KnownVersion()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // "" for success
		out     string // a part of stdout
	}{
		// --help lists every command, every flag and its variable.
		{"help", []string{"--help"}, nil, "", "DATABASE_URL"},
		{"help lists addr", []string{"--help"}, nil, "", "JARING_ADDR"},
		{"no command", nil, nil, "no command given", "Usage"},
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`, ""},
		{"bad flag", []string{"serve", "--port", "1"}, nil, "flag provided but not defined: --port; see jaring serve --help", ""},
		{"bad variable", []string{"serve"}, map[string]string{"JARING_SHUTDOWN_TIMEOUT": "soon"}, `JARING_SHUTDOWN_TIMEOUT="soon" is not a duration`, ""},
		{"stray argument", []string{"migrate", "now"}, nil, "migrate takes no arguments", ""},
		// Commands that need a database say how to give one.
		{"no database", []string{"migrate"}, nil, "set DATABASE_URL", ""},
		{"seed without demo", []string{"seed", "--database-url", "postgres://x@127.0.0.1:1/x"}, nil, "seed needs --demo", ""},
		{"bad log level", []string{"migrate", "--log-level", "loud"}, nil, `--log-level "loud"`, ""},
		{"bad log format", []string{"serve", "--log-format", "xml"}, nil, `--log-format "xml": want json or text`, ""},
		// A wildcard origin would let any web site call Jaring with its visitors' tokens.
		{"cors wildcard", []string{"serve", "--cors-origins", "*"}, nil, "--cors-origins: origin \"*\": a wildcard", ""},
		{"cors wildcard subdomain", []string{"serve", "--cors-origins", "https://a.example, https://*.example"}, nil, "a wildcard", ""},
		{"cors origin with a path", []string{"serve", "--cors-origins", "https://a.example/app"}, nil, "is not an origin", ""},
		{"version", []string{"version"}, nil, "", fmt.Sprintf("schema version %d", known)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: env(tt.env)}
			err := m.Run(context.Background(), tt.args)
			switch {
			case tt.wantErr == "" && err != nil && !errors.Is(err, flag.ErrHelp):
				t.Fatalf("err = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.out) {
				t.Errorf("output does not contain %q:\n%s", tt.out, out.String())
			}
		})
	}
}

// A variable sets a flag's default; the flag on the command line wins.
func TestFlagsFromEnvironment(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: env(map[string]string{"JARING_ADDR": "127.0.0.1:9", "DATABASE_URL": "postgres://env"})}
	cfg := &config{}
	fs := m.flagsFor("serve", cfg)
	if err := fs.parse([]string{"--addr", "127.0.0.1:7"}); err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:7" || cfg.databaseURL != "postgres://env" {
		t.Errorf("addr = %q, database URL = %q; want the flag's and the variable's", cfg.addr, cfg.databaseURL)
	}
}
