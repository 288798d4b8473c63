package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
)

// writeFile writes content to name in a folder of the test's.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// serve and dev check --persisted-manifest before they open a database (the
// URL of these cases answers nothing): a manifest that does not load
// refuses to start, naming the operation at fault.
func TestServeChecksTheManifest(t *testing.T) {
	const nowhere = "postgres://x@127.0.0.1:1/x"
	broken := `query Broken { household(kk: "1904011509090001") { kks } }`
	bad := writeFile(t, "bad.json", mustJSON(map[string]string{md5hex(broken): broken}))
	wrongID := writeFile(t, "wrong-id.json", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[
		{"id":"0000000000000000000000000000000000000000000000000000000000000000","name":"Dashboard","type":"query","body":"{ __typename }"}]}`)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		// Persisted-only mode without operations would serve nothing.
		{"only without manifest", []string{"serve", "--database-url", nowhere, "--persisted-only"}, nil, []string{"--persisted-only needs --persisted-manifest"}},
		{"only without manifest, by variable", []string{"dev", "--database-url", nowhere}, map[string]string{"JARING_PERSISTED_ONLY": "true"}, []string{"--persisted-only needs --persisted-manifest"}},
		{"missing file", []string{"serve", "--database-url", nowhere, "--persisted-manifest", "/nonexistent/manifest.json"}, nil, []string{"--persisted-manifest", "no such file"}},
		// An operation the schema does not take, named by its id.
		{"invalid operation", []string{"serve", "--database-url", nowhere, "--persisted-only", "--persisted-manifest", bad}, nil, []string{bad, md5hex(broken), "does not validate", `"kks"`}},
		{"invalid operation, by variable", []string{"dev", "--database-url", nowhere}, map[string]string{"JARING_PERSISTED_MANIFEST": bad}, []string{md5hex(broken), "does not validate"}},
		// An Apollo id that is not its body's SHA-256.
		{"wrong id", []string{"serve", "--database-url", nowhere, "--persisted-manifest", wrongID}, nil, []string{"0000000000000000000000000000000000000000000000000000000000000000", "(Dashboard)", "not the SHA-256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: env(tt.env)}
			err := m.Run(context.Background(), tt.args)
			if err == nil {
				t.Fatal("started")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// jaring serve in persisted-only mode, set by its variables, serves the
// manifest's operation by Relay's doc_id and refuses any other query with
// PERSISTED_QUERY_NOT_FOUND.
func TestServePersistedOnly(t *testing.T) {
	query := `query Dashboard { household(kk: "1904011509090001") { kk } }`
	manifest := writeFile(t, "queryMap.json", mustJSON(map[string]string{md5hex(query): query}))
	vars := env(map[string]string{"JARING_JWT_SECRET": strings.Repeat("s", 32),
		"JARING_PERSISTED_ONLY": "true", "JARING_PERSISTED_MANIFEST": manifest})
	var out syncBuffer
	listening := make(chan string, 1)
	m := &Main{Stdout: &out, Stderr: &out, Getenv: vars, OnListen: func(a string) { listening <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, []string{"serve", "--database-url", pgtest.AppURL(t, pgtest.DemoURL(t)), "--addr", "127.0.0.1:0"})
	}()
	var addr string
	select {
	case addr = <-listening:
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
	secret, err := authz.LoadSecret(vars, "")
	if err != nil {
		t.Fatal(err)
	}
	token, err := authz.Mint(secret, authz.Claims{Subject: "t", Org: "DINSOS", OrgKind: jaring.OrgAgency, Roles: []authz.Role{authz.RoleApprover}, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ask := func(body map[string]any) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", bytes.NewReader([]byte(mustJSON(body))))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Purpose", "test")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := ask(map[string]any{"doc_id": md5hex(query)}); r["errors"] != nil || !strings.Contains(mustJSON(r["data"]), "1904011509090001") {
		t.Errorf("the persisted operation by doc_id answers %s", mustJSON(r))
	}
	r := ask(map[string]any{"query": `{ household(kk: "1904011509090001") { kk desil } }`})
	if s := mustJSON(r); !strings.Contains(s, `"code":"PERSISTED_QUERY_NOT_FOUND"`) || r["data"] != nil {
		t.Errorf("a query not persisted answers %s", s)
	}
}
