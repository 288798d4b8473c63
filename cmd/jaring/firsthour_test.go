package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgdev"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// The tests of what a new user meets in the first hour (issue 12): help,
// the version, tokens the server would refuse, unmigrated databases, errors
// said once, progress.

// run runs jaring in process and returns its error and outputs.
func run(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: env(vars)}
	err = m.Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

// Every command and subcommand answers --help and -h with exit status 0, a
// summary, its usage and every one of its flags as --name with its
// variable; so does jaring --help, for all of them.
func TestHelp(t *testing.T) {
	// A variable set in the environment must not show as a default in
	// help: DATABASE_URL holds a password.
	vars := map[string]string{"DATABASE_URL": "postgres://owner:s3cret@db/jaring", "JARING_ADDR": "0.0.0.0:1"}
	type helpCase struct {
		args []string
		cmd  command
	}
	var cases []helpCase
	for _, c := range commands {
		for _, h := range []string{"--help", "-h"} {
			cases = append(cases, helpCase{[]string{c.name, h}, c})
			for _, sub := range c.subcommands {
				cases = append(cases, helpCase{[]string{c.name, sub, h}, c})
			}
		}
		cases = append(cases, helpCase{[]string{"help", c.name}, c})
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, err := run(t, vars, tc.args...)
			if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 {
				t.Fatalf("err = %v (exit %d), want flag.ErrHelp (exit 0)", err, exitCode(err))
			}
			if errOut != "" {
				t.Errorf("help wrote to standard error: %q", errOut)
			}
			checkHelp(t, out, tc.cmd, vars)
		})
	}
	t.Run("jaring --help", func(t *testing.T) {
		out, _, err := run(t, vars, "--help")
		if exitCode(err) != 0 {
			t.Fatalf("err = %v", err)
		}
		for _, c := range commands {
			checkHelp(t, out, c, vars)
		}
	})
	// The defaults a user reads are the flags' own.
	out, _, _ := run(t, nil, "serve", "--help")
	for _, want := range []string{`--addr TEXT`, `env JARING_ADDR; default "127.0.0.1:8080"`, `env JARING_SHUTDOWN_TIMEOUT; default 30s`, `env JARING_ALLOW_OWNER; default false`} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, out)
		}
	}
}

// checkHelp checks that out holds c's help: its summary, its usage and
// each flag as --name with its variable, never as -name, and no value from
// vars.
func checkHelp(t *testing.T, out string, c command, vars map[string]string) {
	t.Helper()
	if !strings.Contains(out, "jaring "+c.name+": "+c.summary+"\n") {
		t.Errorf("help of %s lacks its summary line:\n%s", c.name, out)
	}
	for _, u := range c.usage {
		if !strings.Contains(out, "jaring "+strings.TrimPrefix(u, "jaring ")+"\n") {
			t.Errorf("help of %s lacks its usage %q:\n%s", c.name, u, out)
		}
	}
	fs := (&Main{Getenv: env(nil)}).flagsFor(c.name, &config{})
	fs.VisitAll(func(f *flag.Flag) {
		if !regexp.MustCompile(`(?m)^  --` + regexp.QuoteMeta(f.Name) + `( [A-Z]+)?\n.*\n      env ` + regexp.QuoteMeta(fs.envs[f.Name]) + `\b`).MatchString(out) {
			t.Errorf("help of %s does not list --%s with its variable %s:\n%s", c.name, f.Name, fs.envs[f.Name], out)
		}
	})
	if regexp.MustCompile(`(?m)^\s+-[a-z]`).MatchString(out) {
		t.Errorf("help of %s writes a flag as -flag:\n%s", c.name, out)
	}
	for _, v := range vars {
		if strings.Contains(out, v) {
			t.Errorf("help of %s shows the environment's %q", c.name, v)
		}
	}
}

// jaring --version and jaring version say the build's version and the
// schema version.
func TestVersion(t *testing.T) {
	known, err := postgres.KnownVersion()
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(fmt.Sprintf(`^jaring \S.*, schema version %d\n$`, known))
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, _, err := run(t, nil, args...)
		if err != nil || !want.MatchString(out) {
			t.Errorf("%v: err %v, output %q; want one line matching %s", args, err, out, want)
		}
	}
}

// jaring token refuses the token the server would refuse, in the server's
// words, both for the demo organisations it knows and for the organisation
// it reads from --database-url.
func TestTokenRefusesWhatTheServerRefuses(t *testing.T) {
	url := pgtest.DemoURL(t)
	secret := strings.Repeat("k", 32)
	vars := map[string]string{"JARING_JWT_SECRET": secret}
	verifier, err := authz.NewVerifier(authz.VerifierConfig{Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	auth := &authz.Authenticator{Verifier: verifier, Orgs: postgres.NewOrganisationStore(pgtest.Open(t, url))}
	// server is what the server says of a token with these claims,
	// signed without any of jaring token's checks.
	server := func(org, kind, role, region string) string {
		claims := jwt.MapClaims{"sub": "t", "org": org, "org_kind": kind, "roles": []string{role},
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
		if region != "" {
			claims["region"] = region
		}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		_, err = auth.Authenticate(context.Background(), "Bearer "+tok)
		if err == nil {
			t.Fatalf("the server accepts %s %s %s %s", org, kind, role, region)
		}
		return jaring.ErrorMessage(err)
	}
	tests := []struct {
		name                    string
		org, kind, role, region string // kind "" : jaring token is not told it
		serverKind              string // the kind the server is sent
		demoOnly                bool   // the CLI cannot know without the database
	}{
		// The first-hour mistake: a village token without its region.
		{"village without region", "DESA", "", "operator", "", "village", false},
		// A village operator of another regency: 19.05 is not Bangka Tengah.
		{"region outside the organisation's", "DESA", "", "operator", "19.05.01", "village", false},
		// Every demo organisation serves 19.04 only.
		{"agency region outside", "DINSOS", "", "approver", "19.71", "agency", false},
		{"unknown role", "DINSOS", "", "boss", "", "agency", false},
		{"unknown org kind", "DINSOS", "foo", "approver", "", "foo", false},
		{"wrong org kind", "DINSOS", "donor", "donor", "", "donor", false},
		// Only the database knows that NOPE is no organisation.
		{"unknown organisation", "NOPE", "agency", "approver", "", "agency", true},
		// …also when the kind is not given: the organisation is what is wrong.
		{"unknown organisation, no kind", "NOPE", "", "approver", "", "agency", true},
	}
	for _, tt := range tests {
		want := server(tt.org, tt.serverKind, tt.role, tt.region)
		for _, withDB := range []bool{false, true} {
			if tt.demoOnly && !withDB {
				continue
			}
			t.Run(fmt.Sprintf("%s/database=%v", tt.name, withDB), func(t *testing.T) {
				args := []string{"token", "--org", tt.org, "--role", tt.role}
				if tt.kind != "" {
					args = append(args, "--org-kind", tt.kind)
				}
				if tt.region != "" {
					args = append(args, "--region", tt.region)
				}
				if withDB {
					args = append(args, "--database-url", url)
				}
				out, _, err := run(t, vars, args...)
				if err == nil || exitCode(err) != 2 {
					t.Fatalf("token %v: err %v, printed %q; want a refusal with exit 2", args[1:], err, out)
				}
				if err.Error() != want {
					t.Errorf("token says\n\t%s\nthe server says\n\t%s", err, want)
				}
			})
		}
	}
	// What jaring token mints, the server takes.
	for _, withDB := range []bool{false, true} {
		args := []string{"token", "--org", "DESA", "--role", "operator", "--region", "19.04.01"}
		if withDB {
			args = append(args, "--database-url", url)
		}
		out, _, err := run(t, vars, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if _, err := auth.Authenticate(context.Background(), "Bearer "+strings.TrimSpace(out)); err != nil {
			t.Errorf("the server refuses what %v minted: %v", args, err)
		}
	}
	// An organisation that is neither a demo one nor in a database: say
	// what only the server can check.
	_, errOut, err := run(t, vars, "token", "--org", "DINSOS-KOTA", "--org-kind", "agency", "--role", "approver")
	if err != nil || !strings.Contains(errOut, "the server checks") {
		t.Errorf("token for an organisation it cannot know: %v, %q", err, errOut)
	}
	_, _, err = run(t, vars, "token", "--org", "DINSOS-KOTA", "--role", "approver")
	if err == nil || !strings.Contains(err.Error(), "--org-kind is needed") {
		t.Errorf("token for an unknown organisation without --org-kind: %v", err)
	}
}

// serve, import, export and audit on an unmigrated database say which
// command to run, with exit status 1; on a database of a newer Jaring, that
// the binary is too old.
func TestUnmigratedDatabase(t *testing.T) {
	vars := map[string]string{"JARING_JWT_SECRET": strings.Repeat("s", 32)}
	known, err := postgres.KnownVersion()
	if err != nil {
		t.Fatal(err)
	}
	empty := pgtest.EmptyURL(t)
	older := pgtest.EmptyURL(t)
	if err := postgres.MigrateTo(context.Background(), older, known-1); err != nil {
		t.Fatal(err)
	}
	newer := pgtest.URL(t)
	if _, err := pgtest.Open(t, newer).Pool.Exec(context.Background(), `UPDATE public.schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "benefits.csv")
	if err := os.WriteFile(file, []byte("kk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	commands := [][]string{ // --database-url goes after the first two
		{"serve", "--allow-owner", "--addr", "127.0.0.1:0"},
		{"import", "benefits", "--org", "DINSOS", file},
		{"export", "register-changes", "--from", "2026-06-01", "--to", "2026-06-30", "-"},
		{"audit", "verify"},
		{"seed", "--demo"},
	}
	for _, db := range []struct {
		name, url string
		want      string
	}{
		{"unmigrated", empty, "no Jaring schema yet (this jaring needs version " + fmt.Sprint(known) + "): run `jaring migrate` first, with DATABASE_URL"},
		{"older", older, fmt.Sprintf("at version %d, older than the %d this jaring needs: run `jaring migrate` first", known-1, known)},
		{"newer", newer, "this binary is too old"},
	} {
		for _, args := range commands {
			t.Run(db.name+"/"+args[0], func(t *testing.T) {
				args := append(append(args[:2:2], "--database-url", db.url), args[2:]...)
				_, _, err := run(t, vars, args...)
				if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), db.want) {
					t.Errorf("%s on the %s database: %v (exit %d); want exit 1 and %q", args[0], db.name, err, exitCode(err), db.want)
				}
			})
		}
	}

	// The first hour's case: serve on a new --data-dir. The cluster is
	// started here, so that the application's login can be tried on it
	// too, before any migration made it.
	t.Run("new data dir", func(t *testing.T) {
		dir := dataDir(t)
		c, err := pgdev.Open(context.Background(), pgdev.Options{Dir: filepath.Join(dir, "postgres")})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Stop(context.Background())
		_, _, err = run(t, vars, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0")
		if want := "run `jaring migrate --data-dir " + dir + "` first"; err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), want) {
			t.Errorf("serve --data-dir on a new cluster: %v; want %q", err, want)
		}
		app, err := postgres.AppURL(c.URL("jaring"), strings.Repeat("p", 16))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = run(t, vars, "serve", "--database-url", app, "--addr", "127.0.0.1:0")
		if want := "If the database was never migrated, it has no login jaring_app yet: run `jaring migrate` first"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("serve as the application's login before migrating: %v; want %q", err, want)
		}
	})
}

// A mistake is said once: a database that cannot be reached (pgx tries it
// with TLS and without), a flag that does not exist.
func TestErrorsSaidOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String() // nothing listens here once closed
	ln.Close()
	tests := []struct {
		args []string
		once string // said exactly once on standard error
		exit int
	}{
		{[]string{"migrate", "--database-url", "postgres://x@" + closed + "/x"}, "connection refused", 1},
		{[]string{"serve", "--database-url", "postgres://x@" + closed + "/x"}, "connection refused", 1},
		{[]string{"audit", "verify", "--database-url", "postgres://x@" + closed + "/x"}, "connection refused", 1},
		{[]string{"migrate", "--database-url", "postgres://x@nowhere.invalid/x"}, "lookup nowhere.invalid", 1},
		{[]string{"migrate", "--database-url", "postgres://x@127.0.0.1:notaport/x"}, "invalid port", 1},
		{[]string{"serve", "--bogus"}, "--bogus", 2},
		{[]string{"export", "register-changes", "--bogus", "-"}, "--bogus", 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tt.args...)
			cmd.Env = append(os.Environ(), "JARING_TEST_MAIN=1", "JARING_JWT_SECRET="+strings.Repeat("s", 32))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tt.exit {
				t.Fatalf("exit %v, want %d; stderr:\n%s", err, tt.exit, &stderr)
			}
			if n := strings.Count(stderr.String(), tt.once); n != 1 {
				t.Errorf("%q said %d times, want once:\n%s", tt.once, n, &stderr)
			}
			if n := strings.Count(stderr.String(), "jaring: "); n != 1 {
				t.Errorf("%d error lines, want one:\n%s", n, &stderr)
			}
		})
	}
}

// migrate and seed --demo close with a plain line of counts and time when
// their output is no terminal, with lines of progress on standard error
// before it; with --quiet they print that line and nothing else.
func TestProgress(t *testing.T) {
	known, err := postgres.KnownVersion()
	if err != nil {
		t.Fatal(err)
	}
	migrated := regexp.MustCompile(fmt.Sprintf(`^migrated the schema from version 0 to %d: %d migrations applied, \d+ region codes added or renamed, in \S+\n$`, known, known))
	seeded := regexp.MustCompile(`^seeded 30 households, [1-9]\d* persons, [1-9]\d* benefits, \d+ applications, \d+ referrals in \S+\n$`)
	for _, quiet := range []bool{false, true} {
		t.Run(fmt.Sprintf("quiet=%v", quiet), func(t *testing.T) {
			url := pgtest.EmptyURL(t)
			flags := []string{"--database-url", url}
			if quiet {
				flags = append(flags, "--quiet")
			}
			out, errOut, err := run(t, nil, append([]string{"migrate"}, flags...)...)
			if err != nil {
				t.Fatal(err)
			}
			// Without an app password, migrate warns on standard error.
			warning := "jaring migrate: the application's login jaring_app has no password from this run"
			if last := lastLine(out); !migrated.MatchString(last) {
				t.Errorf("migrate's closing line is %q, want one matching %s", last, migrated)
			}
			if quiet && out != lastLine(out) {
				t.Errorf("migrate --quiet printed more than its closing line:\n%s", out)
			}
			progress := strings.Contains(errOut, "migrating: 001_")
			if progress == quiet || !strings.Contains(errOut, warning) {
				t.Errorf("migrate (quiet %v) wrote to standard error:\n%s", quiet, errOut)
			}

			out, errOut, err = run(t, nil, append([]string{"seed", "--demo", "--demo-households", "30"}, flags...)...)
			if err != nil {
				t.Fatal(err)
			}
			if last := lastLine(out); !seeded.MatchString(last) {
				t.Errorf("seed's closing line is %q, want one matching %s", last, seeded)
			}
			if quiet && (out != lastLine(out) || errOut != "") {
				t.Errorf("seed --quiet printed more than its closing line:\n%s\nstandard error:\n%s", out, errOut)
			}
			if !quiet && (!strings.Contains(errOut, "seeding: writing") || !strings.Contains(errOut, "seeding: checking keys and indexes")) {
				t.Errorf("seed showed no progress:\n%s", errOut)
			}
		})
	}
}

// lastLine is the last line of s, with its newline.
func lastLine(s string) string {
	lines := strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
	return strings.TrimSuffix(lines[len(lines)-1], "\n") + "\n"
}

// A server collects garbage at GOGC=400 unless the environment says
// otherwise: then the environment's setting (which the runtime has
// applied) stays.
func TestServerGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	serverGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != serverGOGC {
		t.Errorf("with no GOGC, the server runs at GOGC=%d, want %d", got, serverGOGC)
	}
	serverGC(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC=100 in the environment, the server changed it to %d", got)
	}
}
