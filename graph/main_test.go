package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/hub"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// quietLog drops what the handler logs: the tests check what it answers.
var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestMain(m *testing.M) { pgtest.Main(m) }

// statementCounter counts the SQL statements a pool sends for requests.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if os.Getenv("PRINT_SQL") != "" {
		println("SQL:", strings.Join(strings.Fields(d.SQL), " ")[:min(150, len(strings.Join(strings.Fields(d.SQL), " ")))])
	}
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// env is a GraphQL handler over a test database holding the demo regency,
// built as the server builds it (hub.New) and working as the application's
// login.
type env struct {
	db      *postgres.DB // as the application's login
	owner   *postgres.DB // as the database's owner, to arrange data the API cannot
	handler http.Handler // expects a principal in the request's context
	stmts   *statementCounter
	audit   *postgres.AuditLog
	policy  *authz.Holder
	hub     *hub.Hub
}

// newEnv serves the demo regency. The loaders wait longer than in
// production so that a slow, loaded test machine does not split a batch.
func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, func(*hub.Config) {})
}

// newEnvWith serves the demo regency with the hub's configuration changed
// by change.
func newEnvWith(t testing.TB, change func(*hub.Config)) *env {
	t.Helper()
	return newEnvOn(t, pgtest.DemoURL(t), change)
}

// newEnvOn serves the test database at url (its owner's URL), with the
// hub's configuration changed by change.
func newEnvOn(t testing.TB, url string, change func(*hub.Config)) *env {
	t.Helper()
	c := &statementCounter{}
	app := pgtest.AppURL(t, url)
	db := pgtest.Open(t, app, postgres.WithTracer(c))
	policy, err := authz.NewHolder("", graph.CheckPolicy)
	if err != nil {
		t.Fatal(err)
	}
	// The audit log writes through a pool of its own, so that the statement
	// counts are of loading data alone.
	cfg := hub.Config{DB: db, AuditDB: pgtest.Open(t, app), Policy: policy, LoaderWait: 20 * time.Millisecond, Log: quietLog,
		Now: fixedNow, Introspection: true}
	change(&cfg)
	h := hub.New(cfg)
	t.Cleanup(h.Close)
	return &env{db: db, owner: pgtest.Open(t, url), handler: h.GraphQL, stmts: c, audit: h.Audit, policy: policy, hub: h}
}

// fixedNow is the day the tests run on, as far as the handler knows: the
// demo data's day, so that who is a child does not change with the calendar.
func fixedNow() time.Time { return pgtest.DemoOptions.AsOf }

// as returns a principal of the demo organisation org with roles, as the
// server's authentication would make it.
func (e *env) as(t testing.TB, org, region string, roles ...authz.Role) *authz.Principal {
	t.Helper()
	o, err := postgres.NewOrganisationStore(e.db).FindOrganisationByCode(context.Background(), org)
	if err != nil {
		t.Fatalf("organisation %s: %v", org, err)
	}
	return &authz.Principal{Subject: strings.ToLower(org) + "-test", Org: o.Code, OrgKind: o.Kind, Roles: roles,
		Region: region, OrgID: o.ID, OrgRegion: o.RegionCode}
}

// auditor is who the golden tests ask as: it sees every row and field.
func (e *env) auditor(t testing.TB) *authz.Principal {
	return e.as(t, "INSPEKTORAT", "", authz.RoleAuditor)
}

// post sends a GraphQL request as the auditor, with a purpose.
func (e *env) post(t testing.TB, query string, vars map[string]any) (int, []byte) {
	t.Helper()
	return e.postAs(t, e.auditor(t), "test", query, vars)
}

// postAs sends a GraphQL request in process as p, declaring purpose.
func (e *env) postAs(t testing.TB, p *authz.Principal, purpose, query string, vars map[string]any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(authz.NewContext(req.Context(), p, purpose))
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// upload sends a GraphQL multipart request as p: the operation, with the
// variable fileVar set to null, and file under the name name.
func (e *env) upload(t testing.TB, p *authz.Principal, purpose, query string, vars map[string]any, fileVar, name, file string) (int, []byte) {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars[fileVar] = nil
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.`+fileVar+`"]}`)
	fw, _ := mw.CreateFormFile("0", name)
	_, _ = io.WriteString(fw, file)
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req = req.WithContext(authz.NewContext(req.Context(), p, purpose))
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// raw sends body as it is, with the Content-Type given, as p.
func (e *env) raw(t testing.TB, p *authz.Principal, contentType, body string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req = req.WithContext(authz.NewContext(req.Context(), p, "test"))
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// client is a gqlgen test client acting as p.
func (e *env) client(p *authz.Principal, purpose string) *client.Client {
	return client.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.handler.ServeHTTP(w, r.WithContext(authz.NewContext(r.Context(), p, purpose)))
	}))
}

// scalar runs a SQL query that returns one value.
func (e *env) scalar(t testing.TB, sql string) string {
	t.Helper()
	var s string
	if err := e.owner.Pool.QueryRow(context.Background(), sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// golden compares got, indented, with testdata/name.json, or rewrites it
// with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	pretty, _ := json.MarshalIndent(v, "", "  ")
	pretty = append(pretty, '\n')
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, pretty, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./graph -update to write it)", err)
	}
	if !bytes.Equal(pretty, want) {
		t.Errorf("response differs from %s (run go test ./graph -update if the change is intended):\n%s", path, pretty)
	}
}
