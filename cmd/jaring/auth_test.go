package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/pgdev"
)

// jaring token mints a token that verifies, with the secret dev keeps.
func TestTokenCommand(t *testing.T) {
	dir := dataDir(t)
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: env(nil)}
	if err := m.Run(context.Background(), []string{"token", "--org", "DESA", "--role", "operator", "--region", "19.04.01", "--data-dir", dir}); err != nil {
		t.Fatal(err)
	}
	secret, err := authz.LoadSecret(env(nil), dir)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := authz.NewVerifier(authz.VerifierConfig{Secret: secret})
	p, err := v.VerifyToken(strings.TrimSpace(out.String()))
	if err != nil || p.Org != "DESA" || p.Region != "19.04.01" || p.Roles[0] != authz.RoleOperator {
		t.Errorf("minted token = %+v, %v", p, err)
	}
	// JARING_JWT_SECRET wins over the data directory's secret.
	out.Reset()
	m.Getenv = env(map[string]string{"JARING_JWT_SECRET": strings.Repeat("e", 32)})
	if err := m.Run(context.Background(), []string{"token", "--org", "DINSOS", "--role", "approver", "--data-dir", dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyToken(strings.TrimSpace(out.String())); err == nil {
		t.Error("a token minted with JARING_JWT_SECRET verified with the data directory's secret")
	}
	for _, bad := range [][]string{
		{"token", "--org", "DINSOS"},
		{"token", "--org", "PT-X", "--role", "donor"},
		{"token", "--org", "DINSOS", "--role", "overlord"},
	} {
		if err := m.Run(context.Background(), append(bad, "--data-dir", dir)); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// The committed docs/permissions.md is what the policy grants.
func TestPermissionsMatrixCommitted(t *testing.T) {
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: env(nil)}
	if err := m.Run(context.Background(), []string{"policy", "matrix", "--out", "-"}); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "docs", "permissions.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), committed) {
		t.Error("docs/permissions.md disagrees with the policy: run make generate and commit it")
	}
}

// jaring audit verify finds an intact log intact, and names the event a
// superuser tampered with.
func TestAuditVerifyCommand(t *testing.T) {
	dir := dataDir(t)
	addr, _, stop := startDev(t, dir)
	tok := approverToken(t, dir)
	graphql(t, addr, tok, `{ households(first: 3) { edges { node { kk members { nik } } } } }`)
	graphql(t, addr, tok, `{ households(first: 2) { edges { node { kk } } } }`)
	stop()

	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: env(nil)}
	if err := m.Run(context.Background(), []string{"audit", "verify", "--data-dir", dir}); err != nil || !strings.Contains(out.String(), "intact: 2 events") {
		t.Fatalf("audit verify = %v: %s", err, out.String())
	}
	// The heads to keep outside the database: a digest, and each shard's
	// newest event (the two reads were of different households, so one or
	// two shards).
	if !regexp.MustCompile(`heads digest: [0-9a-f]{64} \([12] chains;`).MatchString(out.String()) ||
		!regexp.MustCompile(`(?m)^  shard \d+: [12] events?, newest seq [12] id [12] hash [0-9a-f]{64}$`).MatchString(out.String()) {
		t.Errorf("audit verify printed no heads:\n%s", out.String())
	}

	// A superuser switches the trigger off and edits event 2.
	ctx := context.Background()
	c, err := pgdev.Open(ctx, pgdev.Options{Dir: filepath.Join(dir, "postgres")})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.URL("jaring"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ALTER TABLE audit_event DISABLE TRIGGER USER;
		UPDATE audit_event SET purpose = 'nothing to see' WHERE id = 2;
		ALTER TABLE audit_event ENABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	err = m.Run(ctx, []string{"audit", "verify", "--data-dir", dir})
	if err == nil || !regexp.MustCompile(`broken at event 2 \(shard \d+, seq [12]\): its hash does not match`).MatchString(err.Error()) {
		t.Errorf("audit verify after tampering = %v, want it broken at event 2, naming its shard and seq", err)
	}
}

// SIGHUP reloads the policy from --policy-dir without a restart; a broken
// policy is refused, logged, and the one in force stays.
func TestPolicyReloadOnSIGHUP(t *testing.T) {
	dir := dataDir(t)
	policyDir := filepath.Join(dir, "policy")
	os.MkdirAll(policyDir, 0o755)
	copyFile := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "policy", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(policyDir, name), b, 0o644)
		return b
	}
	copyFile("model.conf")
	policy := copyFile("policy.csv")

	cmd := exec.Command(os.Args[0], "dev", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo-households", "10", "--policy-dir", policyDir)
	cmd.Env = append(os.Environ(), "JARING_TEST_MAIN=1")
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	var addr string
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if _, after, ok := strings.Cut(lines.Text(), "Jaring is listening on http://"); ok {
			addr = strings.TrimSuffix(strings.Fields(after)[0], "/")
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	if addr == "" {
		t.Fatalf("dev did not start: %s", stderr.String())
	}
	secret, _ := authz.LoadSecret(env(nil), dir)
	viewer, _ := authz.Mint(secret, authz.Claims{Subject: "v", Org: "DINKES", OrgKind: authz.DemoOrgKinds["DINKES"], Roles: []authz.Role{authz.RoleViewer}, TTL: time.Hour}, time.Now())
	kkOf := func() string {
		return string(post(t, addr, viewer, `{ households(first: 1) { edges { node { kk } } } }`))
	}
	if got := kkOf(); !strings.Contains(got, "********") {
		t.Fatalf("a viewer sees %s, want the KK masked", got)
	}
	waitFor := func(what string) {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(stderr.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("the log never said %q:\n%s", what, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	os.WriteFile(filepath.Join(policyDir, "policy.csv"), append(policy, []byte("\np, viewer, agency, field:Household.kk, clear, allow\n")...), 0o644)
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor("policy reloaded")
	if got := kkOf(); strings.Contains(got, "********") || !strings.Contains(got, `"kk":"19`) {
		t.Errorf("after the reload a viewer sees %s, want the KK in clear", got)
	}

	os.WriteFile(filepath.Join(policyDir, "policy.csv"), []byte("p, viewer\n"), 0o644)
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor("the one in force stays")
	if got := kkOf(); !strings.Contains(got, `"kk":"19`) {
		t.Errorf("after a broken policy a viewer sees %s, want the last good policy's answer", got)
	}
}

// Every caller the README and the docs run an example as (graph's
// TestDocumentedExamples runs them) gets a token from jaring dev: a reader
// can follow every example with what make run printed.
func TestDemoTokensCoverTheDocs(t *testing.T) {
	printed := map[string]bool{}
	for _, d := range demoTokens {
		who := d.org + " " + string(d.role)
		if d.region != "" {
			who += " " + d.region
		}
		printed[who] = true
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	files = append(files, filepath.Join("..", "..", "README.md"))
	as := regexp.MustCompile(`<!-- example as="([^"]+)"`)
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range as.FindAllStringSubmatch(string(b), -1) {
			found++
			if !printed[m[1]] {
				t.Errorf("%s runs an example as %q, for whom jaring dev prints no token", filepath.Base(f), m[1])
			}
		}
	}
	if found < 20 {
		t.Errorf("only %d examples found", found)
	}
}

// GraphiQL opens with the README's first query, as written there.
func TestGraphiQLOpensWithTheREADMEsFirstQuery(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```graphql\n")
	readme, _, _ := strings.Cut(rest, "```")
	var page []string
	for _, line := range strings.Split(firstQuery, "\n") {
		if !strings.HasPrefix(line, "#") {
			page = append(page, line)
		}
	}
	if got := strings.Join(page, "\n"); !ok || got != readme {
		t.Errorf("GraphiQL's first query:\n%s\nthe README's:\n%s", got, readme)
	}
}
