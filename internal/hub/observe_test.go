package hub_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/hub"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// observed is a hub on the demo regency with its database at hand and its
// log kept.
type observed struct {
	url, token string
	db         *postgres.DB
	hub        *hub.Hub
	log        *syncLog
}

type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func observe(t *testing.T) *observed {
	t.Helper()
	db := pgtest.Open(t, pgtest.AppURL(t, pgtest.DemoURL(t)))
	policy, err := authz.NewHolder("", graph.CheckPolicy)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := authz.NewVerifier(authz.VerifierConfig{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	o := &observed{db: db, log: &syncLog{}}
	o.hub = hub.New(hub.Config{DB: db, Policy: policy, Verifier: verifier, Log: slog.New(slog.NewJSONHandler(o.log, nil))})
	t.Cleanup(o.hub.Close)
	ts := httptest.NewServer(o.hub.Server.Handler())
	t.Cleanup(ts.Close)
	o.url = ts.URL
	o.token, err = authz.Mint(secret, authz.Claims{Subject: "t", Org: "DINSOS", OrgKind: jaring.OrgAgency, Roles: []authz.Role{authz.RoleApprover}, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// post sends a GraphQL request; requestID and token may be "".
func (o *observed) post(t *testing.T, body, token, requestID string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, o.url+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Purpose", "verifikasi permohonan SLK-1")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if requestID != "" {
		req.Header.Set("X-Request-ID", requestID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func (o *observed) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(o.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	return string(b)
}

// lastRequestID is the request ID of the newest audit event.
func (o *observed) lastRequestID(t *testing.T) (string, string) {
	t.Helper()
	var id, op string
	if err := o.db.Pool.QueryRow(context.Background(), `SELECT request_id, operation FROM audit_event ORDER BY id DESC LIMIT 1`).Scan(&id, &op); err != nil {
		t.Fatal(err)
	}
	return id, op
}

const householdView = `{"query":"query HouseholdView { household(kk: \"1904011509090001\") { kk members { nik name } } }","operationName":"HouseholdView"}`

// /metrics counts a GraphQL request by the operation name it gave, with its
// latency; errors by their code, those of refused requests too; and shows
// the database pool and the audit log's writer.
func TestMetrics(t *testing.T) {
	o := observe(t)
	before := o.metrics(t)
	if strings.Contains(before, `operation="HouseholdView"`) {
		t.Fatal("HouseholdView is counted before it ran")
	}
	if resp := o.post(t, householdView, o.token, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("HouseholdView: %d", resp.StatusCode)
	}
	o.post(t, `{"query":"query Broken { household(kk: "}`, o.token, "")                                             // does not parse: INVALID_INPUT
	o.post(t, `{"query":"query Kinds { kinds { code } }"}`, "", "")                                                 // no token: UNAUTHENTICATED
	o.post(t, `{"query":"query Nope { auditTrail(nik: \"1904014510980001\") { edges { cursor } } }"}`, o.token, "") // FORBIDDEN for an approver
	after := o.metrics(t)
	for _, want := range []string{
		`jaring_graphql_requests_total{operation="HouseholdView"} 1`,
		`jaring_graphql_request_duration_seconds_count{operation="HouseholdView"} 1`,
		`jaring_graphql_errors_total{code="INVALID_INPUT"} 1`,
		`jaring_graphql_errors_total{code="UNAUTHENTICATED"} 1`,
		`jaring_graphql_errors_total{code="FORBIDDEN"} 1`,
		`jaring_graphql_errors_total{code="DOUBLE_AID"} 0`,
		// The body that is not JSON and the unauthenticated request never
		// named their operation to GraphQL.
		`jaring_graphql_requests_total{operation=""} 2`,
		`jaring_graphql_requests_total{operation="Nope"} 1`,
		`jaring_audit_queue_events 0`,
		"jaring_db_pool_max_conns ",
		"jaring_db_pool_acquires_total ",
		"jaring_db_pool_acquire_wait_seconds_total ",
		"go_goroutines ",
	} {
		if !strings.Contains(after, want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
	// The household view's reading went through one group commit at least.
	if m := regexp.MustCompile(`(?m)^jaring_audit_batch_events_count (\d+)$`).FindStringSubmatch(after); m == nil || m[1] == "0" {
		t.Errorf("jaring_audit_batch_events_count = %v, want a group commit counted", m)
	}
	if m := regexp.MustCompile(`(?m)^jaring_db_pool_acquires_total (\d+)$`).FindStringSubmatch(after); m == nil || m[1] == "0" {
		t.Errorf("jaring_db_pool_acquires_total = %v, want the connections the requests took", m)
	}
}

// The request ID is echoed, named by the request's log lines, and written
// into the audit events of the request: of what it revealed, and of what
// it changed. The chain still verifies.
func TestRequestIDInAudit(t *testing.T) {
	o := observe(t)
	resp := o.post(t, householdView, o.token, "desk-7.req_0001")
	if got := resp.Header.Get("X-Request-ID"); got != "desk-7.req_0001" {
		t.Errorf("X-Request-ID = %q, want the caller's", got)
	}
	if id, op := o.lastRequestID(t); id != "desk-7.req_0001" || op != "query household" {
		t.Errorf("newest audit event: request %q, operation %q; want desk-7.req_0001, query household", id, op)
	}

	// A malformed ID is replaced, and the replacement is what is recorded.
	resp = o.post(t, householdView, o.token, "drop table; --")
	made := resp.Header.Get("X-Request-ID")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(made) {
		t.Fatalf("X-Request-ID for a malformed one = %q, want a new one", made)
	}
	if id, _ := o.lastRequestID(t); id != made {
		t.Errorf("newest audit event names request %q, want %q", id, made)
	}

	// A change is recorded in its own transaction (AppendTx), with the ID too.
	mutation := `{"query":"mutation { recordBenefits(input: [{kk: \"1904011509090001\", program: \"PKH\", amount: 1000, period: {start: \"2026-07-01\", end: \"2026-07-31\"}, externalRef: \"REQ-ID-1\"}]) { status } }"}`
	o.post(t, mutation, o.token, "batch-2026-07")
	if id, op := o.lastRequestID(t); id != "batch-2026-07" || op != "mutation recordBenefits" {
		t.Errorf("newest audit event: request %q, operation %q; want batch-2026-07, mutation recordBenefits", id, op)
	}

	// The log lines of the first request name it, the request line with
	// its operation.
	var found bool
	for line := range strings.Lines(o.log.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "request" && rec["request_id"] == "desk-7.req_0001" && rec["operation"] == "HouseholdView" && rec["path"] == "/graphql" {
			found = true
		}
	}
	if !found {
		t.Errorf("no request line names desk-7.req_0001 and HouseholdView:\n%s", o.log)
	}

	rep, err := o.hub.Audit.Verify(context.Background())
	if checked, broken := rep.Checked, rep.Broken; err != nil || broken != nil || checked < 3 {
		t.Errorf("Verify = %d, %v, %v; want the chain intact", checked, broken, err)
	}
}
