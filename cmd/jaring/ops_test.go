package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jaring-id/jaring/internal/pgtest"
)

// jaring serve as an operator runs it: tokens from the identity provider's
// JWKS URL (no HS256 secret), /metrics beside the API, the profiler on the
// admin address only, JSON log lines that name each request.
func TestServeOperations(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int64
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/jwk-set+json")
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]any{{
			"kty": "OKP", "crv": "Ed25519", "kid": "sso-2026", "alg": "EdDSA", "use": "sig", "x": base64.RawURLEncoding.EncodeToString(pub)}}})
	}))
	defer jwks.Close()
	mint := func(kid string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"sub": "petugas-1", "org": "DINSOS", "org_kind": "agency",
			"roles": []string{"approver"}, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	var out syncBuffer
	listening, admin := make(chan string, 1), make(chan string, 1)
	m := &Main{Stdout: &out, Stderr: &out, Getenv: env(nil),
		OnListen: func(a string) { listening <- a }, OnAdminListen: func(a string) { admin <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, []string{"serve", "--database-url", pgtest.AppURL(t, pgtest.DemoURL(t)), "--addr", "127.0.0.1:0",
			"--admin-addr", "127.0.0.1:0", "--jwks-url", jwks.URL + "/certs", "--cors-origins", "https://silakso.example.go.id"})
	}()
	var addr, adminAddr string
	select {
	case adminAddr = <-admin:
		addr = <-listening
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped: %v\n%s", err, &out)
	case <-time.After(time.Minute):
		cancel()
		t.Fatalf("serve did not listen:\n%s", &out)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	query := func(token, requestID string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(`{"query":"query Kinds { kinds { code } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Request-ID", requestID)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	// The provider's key verifies; a kid it does not publish does not.
	if resp, body := query(mint("sso-2026"), "ops-1"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"kinds"`) || resp.Header.Get("X-Request-ID") != "ops-1" {
		t.Errorf("token of the JWKS URL: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	if resp, body := query(mint("unknown"), "ops-2"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token of an unknown kid: %d %s", resp.StatusCode, body)
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("the JWKS URL was fetched %d times, want once (the unknown kid came within the minute)", n)
	}

	get := func(a, path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + a + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(addr, "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("main address /debug/pprof/ = %d, want 404", code)
	}
	if code, body := get(adminAddr, "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "heap") {
		t.Errorf("admin address /debug/pprof/ = %d", code)
	}
	for _, a := range []string{addr, adminAddr} {
		if code, body := get(a, "/metrics"); code != http.StatusOK || !strings.Contains(body, `jaring_graphql_requests_total{operation="Kinds"} 1`) ||
			!strings.Contains(body, `jaring_graphql_errors_total{code="UNAUTHENTICATED"} 1`) {
			// The refused token's request never reached GraphQL, so it has no operation name.
			t.Errorf("%s/metrics = %d, want the Kinds request and the refused one counted", a, code)
		}
	}

	// serve logs JSON by default, and the request's line names it.
	var found bool
	for line := range strings.Lines(out.String()) {
		if !strings.HasPrefix(line, "{") {
			continue // the banner on standard output
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "request" && rec["request_id"] == "ops-1" && rec["operation"] == "Kinds" {
			found = true
		}
	}
	if !found {
		t.Errorf("no JSON request line names ops-1:\n%s", &out)
	}
}
