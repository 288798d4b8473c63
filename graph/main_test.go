package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestMain(m *testing.M) { pgtest.Main(m) }

// statementCounter counts the SQL statements a pool sends.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// env is a GraphQL handler over a test database.
type env struct {
	db      *postgres.DB
	handler http.Handler
	stmts   *statementCounter
}

// newEnv serves the demo regency. The loaders wait longer than in
// production so that a slow, loaded test machine does not split a batch.
func newEnv(t *testing.T) *env {
	t.Helper()
	c := &statementCounter{}
	db := pgtest.Open(t, pgtest.DemoURL(t), postgres.WithTracer(c))
	benefits := postgres.NewBenefitStore(db)
	r := &graph.Resolver{
		Registry:      &registry.Service{Store: postgres.NewRegistryStore(db)},
		Benefits:      benefits,
		Recorder:      &benefit.Service{Store: benefits},
		Referrals:     postgres.NewReferralStore(db),
		Organisations: postgres.NewOrganisationStore(db),
	}
	return &env{db: db, handler: graph.NewHandler(r, graph.HandlerConfig{LoaderWait: 20 * time.Millisecond}), stmts: c}
}

// post sends a GraphQL request in process and returns the status and body.
func (e *env) post(t *testing.T, query string, vars map[string]any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// scalar runs a SQL query that returns one value.
func (e *env) scalar(t *testing.T, sql string) string {
	t.Helper()
	var s string
	if err := e.db.Pool.QueryRow(context.Background(), sql).Scan(&s); err != nil {
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
