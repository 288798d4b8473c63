package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/hub"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/server"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var secret = []byte("the hub tests' secret, 32 bytes or more")

// served is a hub on the demo regency behind its HTTP server, as the
// application's login, and a token of a DINSOS approver for it.
type served struct {
	url   string
	token string
}

func serve(t *testing.T, change func(*hub.Config)) *served {
	t.Helper()
	dbURL := pgtest.DemoURL(t)
	db := pgtest.Open(t, pgtest.AppURL(t, dbURL))
	policy, err := authz.NewHolder("", graph.CheckPolicy)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := authz.NewVerifier(authz.VerifierConfig{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	cfg := hub.Config{DB: db, Policy: policy, Verifier: verifier, Log: quiet}
	change(&cfg)
	h := hub.New(cfg)
	t.Cleanup(h.Close)
	ts := httptest.NewServer(h.Server.Handler())
	t.Cleanup(ts.Close)
	tok, err := authz.Mint(secret, authz.Claims{Subject: "t", Org: "DINSOS", OrgKind: jaring.OrgAgency, Roles: []authz.Role{authz.RoleApprover}, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &served{url: ts.URL, token: tok}
}

type response struct {
	status int
	header http.Header
	Data   map[string]any
	Errors []struct {
		Message    string
		Extensions struct {
			Code, Field, Limit string
		}
	}
	raw string
}

// do sends a request to /graphql as the approver, with a purpose unless
// header sets another.
func (s *served) do(t *testing.T, method, contentType, body string, header map[string]string) response {
	t.Helper()
	var req *http.Request
	if method == http.MethodGet {
		req, _ = http.NewRequest(method, s.url+"/graphql?"+body, nil)
	} else {
		req, _ = http.NewRequest(method, s.url+"/graphql", strings.NewReader(body))
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("X-Purpose", "pengujian")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &r)
	return r
}

func (s *served) query(t *testing.T, query string, vars map[string]any) response {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return s.do(t, http.MethodPost, "application/json", string(b), nil)
}

func (r response) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Extensions.Code
}

// nested returns a query that nests members and their household n times.
func nested(n int) string {
	q := "kk"
	for range n {
		q = "members { household { " + q + " } }"
	}
	return `{ household(kk: "1904011509090001") { ` + q + ` } }`
}

// heads returns a query that nests a household and its head n times, a
// chain that grows deep without growing wide.
func heads(n int) string {
	q := "nik"
	for range n {
		q = "household { head { " + q + " } }"
	}
	return `{ person(nik: "1904014510980001") { ` + q + ` } }`
}

// Each limit, just under and just over, answered before anything runs with
// LIMIT_EXCEEDED naming the limit.
func TestLimits(t *testing.T) {
	s := serve(t, func(c *hub.Config) {
		c.Limits = graph.Limits{MaxDepth: 10, MaxComplexity: 122, MaxAliases: 3}
		c.Server.MaxBodyBytes = 10_000
	})
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{ ")
		for i := range n {
			fmt.Fprintf(&b, "k%d: kinds { code } ", i)
		}
		return b.String() + "}"
	}
	pages := func(first int) string {
		return fmt.Sprintf(`{ households(first: %d) { edges { node { kk } } } }`, first)
	}
	// members is counted as 10 rows: 1 + 10 × (1 + (1 + 10 × 1)) + 1 = 122.
	twoLevels := `{ household(kk: "1904011509090001") { members { household { members { nik } } } } }`
	tests := []struct {
		name, query string
		limit       string // "" when the query must run
	}{
		// person, then household and head four times, then nik: 10 deep.
		{"depth 10", heads(4), ""},
		{"depth 12", heads(5), "depth"},
		// Nine deep, the attack that took 3.4 GB: refused at once.
		{"the nine-deep attack", nested(9), "depth"},
		{"aliases 3", aliases(3), ""},
		{"aliases 4", aliases(4), "aliases"},
		{"complexity 122", twoLevels, ""},
		{"complexity 123", strings.Replace(twoLevels, "{ members", "{ kk members", 1), "complexity"},
		// A page counts its first times: 1 + 40 × 3 = 121, 1 + 41 × 3 = 124.
		{"a page of 40", pages(40), ""},
		{"a page of 41", pages(41), "complexity"},
		// Lists nested in lists multiply: three levels of members, well
		// within the depth limit, are far over the complexity limit.
		{"members of members of members", `{ household(kk: "1904011509090001") { members { household { members { household { members { nik name birthDate sex relationship motherName } } } } } } }`, "complexity"},
	}
	for _, tt := range tests {
		r := s.query(t, tt.query, nil)
		switch {
		case tt.limit == "" && (r.code() == "LIMIT_EXCEEDED" || r.code() == "INVALID_INPUT"):
			t.Errorf("%s: refused: %s", tt.name, r.raw)
		case tt.limit != "" && (r.code() != "LIMIT_EXCEEDED" || r.Errors[0].Extensions.Limit != tt.limit || r.Data != nil):
			t.Errorf("%s: %s, want LIMIT_EXCEEDED naming %s and no data", tt.name, r.raw, tt.limit)
		}
	}

	// The body: 10,000 bytes taken, 10,001 not, told by its length or not.
	body := func(n int) string {
		q := `{"query":"{ kinds { code } }","pad":"`
		return q + strings.Repeat("x", n-len(q)-2) + `"}`
	}
	if r := s.do(t, http.MethodPost, "application/json", body(10_000), nil); r.status != 200 || r.code() != "" {
		t.Errorf("a body of 10,000 bytes: %d %s", r.status, r.raw)
	}
	if r := s.do(t, http.MethodPost, "application/json", body(10_001), nil); r.status != 413 || r.code() != "LIMIT_EXCEEDED" || r.Errors[0].Extensions.Limit != "body" {
		t.Errorf("a body of 10,001 bytes: %d %s", r.status, r.raw)
	}
	chunked, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", io.MultiReader(strings.NewReader(body(10_001))))
	chunked.ContentLength = -1
	chunked.Header.Set("Authorization", "Bearer "+s.token)
	chunked.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(chunked)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(b), `"LIMIT_EXCEEDED"`) {
		t.Errorf("a chunked body over the limit: %d %s", resp.StatusCode, b)
	}
}

// A request still running at its deadline is stopped and answers
// LIMIT_EXCEEDED naming the deadline.
func TestDeadline(t *testing.T) {
	s := serve(t, func(c *hub.Config) { c.Timeout = time.Nanosecond })
	r := s.query(t, `{ household(kk: "1904011509090001") { kk members { nik } } }`, nil)
	if r.code() != "LIMIT_EXCEEDED" || r.Errors[0].Extensions.Limit != "deadline" {
		t.Errorf("a query past its deadline: %s", r.raw)
	}
}

// What callers send is bounded before it is stored or run: X-Purpose of 3
// to 200 characters; every string argument within its @length; no NUL or
// invalid UTF-8 anywhere, each named.
func TestBoundedInput(t *testing.T) {
	s := serve(t, func(*hub.Config) {})
	kinds := `{"query":"{ kinds { code } }"}`
	for _, c := range []struct {
		purpose string
		ok      bool
	}{{"abc", true}, {strings.Repeat("a", 200), true}, {"ab", false}, {strings.Repeat("a", 201), false}, {strings.Repeat("x", 900_000), false}} {
		r := s.do(t, http.MethodPost, "application/json", kinds, map[string]string{"X-Purpose": c.purpose})
		if c.ok != (r.code() == "") || (!c.ok && (r.status != 400 || r.code() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "X-Purpose")) {
			t.Errorf("X-Purpose of %d characters: %d %.200s", len(c.purpose), r.status, r.raw)
		}
	}
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		field       string
	}{
		{"a KK of 17 characters", `query($kk: String!) { household(kk: $kk) { kk } }`, map[string]any{"kk": "19040115090900011"}, "kk"},
		{"an override of 2,001 characters", `mutation($in: [BenefitInput!]!) { recordBenefits(input: $in) { status } }`,
			map[string]any{"in": []any{map[string]any{"kk": "1904011509090001", "program": "RTLH", "amount": 1, "period": map[string]any{"start": "2026-01-01"},
				"externalRef": "X", "override": strings.Repeat("a", 2001)}}}, "input[0].override"},
		{"a NUL in a literal", "{ household(kk: \"1904011509\\u0000090001\") { kk } }", nil, "kk"},
		{"a NUL in a variable", `mutation($in: [BenefitInput!]!) { recordBenefits(input: $in) { status } }`,
			map[string]any{"in": []any{map[string]any{"kk": "1904011509090001", "program": "RTLH", "amount": 1, "period": map[string]any{"start": "2026-01-01"},
				"externalRef": "X\x00Y"}}}, "input[0].externalRef"},
	} {
		r := s.query(t, c.query, c.vars)
		if r.code() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != c.field || r.Data != nil {
			t.Errorf("%s: %s, want INVALID_INPUT naming %s before anything ran", c.name, r.raw, c.field)
		}
	}
	// Invalid UTF-8 in the body is named by where it lies.
	bad := `{"query":"mutation($in: [BenefitInput!]!) { recordBenefits(input: $in) { status } }","variables":{"in":[{"kk":"1904011509090001","program":"RTLH",` +
		`"amount":1,"period":{"start":"2026-01-01"},"externalRef":"X` + "\xff" + `"}]}}`
	if r := s.do(t, http.MethodPost, "application/json", bad, nil); r.status != 400 || r.code() != "INVALID_INPUT" || r.Errors[0].Extensions.Field != "variables.in[0].externalRef" {
		t.Errorf("invalid UTF-8 in a variable: %d %s", r.status, r.raw)
	}
}

// Every error carries extensions.code, those the transport answers too.
func TestEveryErrorHasACode(t *testing.T) {
	s := serve(t, func(*hub.Config) {})
	get := url.Values{"query": {`mutation { setKindExclusive(kind: "FOOD", exclusive: false) { code } }`}}.Encode()
	badVars := url.Values{"query": {`{ kinds { code } }`}, "variables": {`{not json`}}.Encode()
	for _, c := range []struct {
		name, method, contentType, body string
		header                          map[string]string
	}{
		{"not JSON", http.MethodPost, "application/json", `{"query": `, nil},
		{"JSON of the wrong shape", http.MethodPost, "application/json", `{"query": 7}`, nil},
		{"two JSON values", http.MethodPost, "application/json", `{"query":"{ kinds { code } }"} {}`, nil},
		{"no content type", http.MethodPost, "", `{"query":"{ kinds { code } }"}`, nil},
		{"a form", http.MethodPost, "application/x-www-form-urlencoded", `query=x`, nil},
		{"a mutation by GET", http.MethodGet, "", get, nil},
		{"variables that do not decode", http.MethodGet, "", badVars, nil},
		{"PUT", http.MethodPut, "application/json", `{"query":"{ kinds { code } }"}`, nil},
		{"an upgrade", http.MethodGet, "", `query={kinds{code}}`, map[string]string{"Upgrade": "websocket", "Connection": "Upgrade"}},
		{"no query", http.MethodPost, "application/json", `{}`, nil},
		{"a query that does not parse", http.MethodPost, "application/json", `{"query":"{ kinds { "}`, nil},
		{"a query that does not validate", http.MethodPost, "application/json", `{"query":"{ nothing }"}`, nil},
		{"an unknown operation name", http.MethodPost, "application/json", `{"query":"query A { kinds { code } }","operationName":"B"}`, nil},
		{"no token", http.MethodPost, "application/json", `{"query":"{ kinds { code } }"}`, map[string]string{"Authorization": ""}},
	} {
		r := s.do(t, c.method, c.contentType, c.body, c.header)
		if len(r.Errors) == 0 || r.code() == "" {
			t.Errorf("%s: %d %s, want errors with extensions.code", c.name, r.status, r.raw)
		}
		for _, e := range r.Errors {
			if e.Extensions.Code == "" {
				t.Errorf("%s: an error without a code: %s", c.name, r.raw)
			}
		}
		if (len(c.body) > 8 && strings.Contains(r.raw, c.body)) || strings.Contains(r.raw, "{not json") {
			t.Errorf("%s: the error echoes what was sent: %s", c.name, r.raw)
		}
	}
}

// Requests beyond the cap wait, and past the queue's patience are refused
// with LIMIT_EXCEEDED and Retry-After; a burst of deep queries is refused by
// the limits at once and leaves a trivial query answering quickly.
func TestConcurrency(t *testing.T) {
	s := serve(t, func(c *hub.Config) {
		c.Server.MaxConcurrent = 2
		c.Server.QueueTimeout = 200 * time.Millisecond
	})
	// A burst of 8 nine-deep queries, then a trivial one while they are
	// answered: the best of three tries must answer within 100 ms.
	best := time.Hour
	for range 3 {
		var wg sync.WaitGroup
		codes := make([]string, 8)
		for i := range 8 {
			wg.Add(1)
			go func() { defer wg.Done(); codes[i] = s.query(t, nested(9), nil).code() }()
		}
		start := time.Now()
		r := s.query(t, `{ kinds { code } }`, nil)
		took := time.Since(start)
		wg.Wait()
		if r.code() != "" {
			t.Fatalf("the trivial query during the burst: %s", r.raw)
		}
		for _, c := range codes {
			if c != "LIMIT_EXCEEDED" && c != "" {
				t.Errorf("a deep query of the burst: %s", c)
			}
		}
		best = min(best, took)
	}
	if best > 100*time.Millisecond {
		t.Errorf("a trivial query took %s during a burst of deep queries, want under 100 ms", best)
	}
}

// The cap itself: with one slot held by a request that does not end, the
// next waits for the queue timeout and is refused, with Retry-After.
func TestConcurrencyCap(t *testing.T) {
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		held <- struct{}{}
		<-release
	})
	verifier, _ := authz.NewVerifier(authz.VerifierConfig{Secret: secret})
	db := pgtest.Open(t, pgtest.URL(t))
	srv := server.New(server.Config{Log: quiet, MaxConcurrent: 1, QueueTimeout: 50 * time.Millisecond,
		Auth: &authz.Authenticator{Verifier: verifier, Orgs: orgs{}}}, db, slow)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tok, _ := authz.Mint(secret, authz.Claims{Subject: "t", Org: "DINSOS", OrgKind: jaring.OrgAgency, Roles: []authz.Role{authz.RoleApprover}, TTL: time.Hour}, time.Now())
	post := func() (*http.Response, []byte, error) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", bytes.NewReader([]byte(`{"query":"{ kinds { code } }"}`)))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b, nil
	}
	go post()
	<-held
	resp, body, err := post()
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"limit":"concurrency"`) {
		t.Errorf("over the cap: %d %s %s", resp.StatusCode, resp.Header, body)
	}
}

// orgs knows DINSOS only: the cap's test needs no database behind it.
type orgs struct{}

func (orgs) FindOrganisationByCode(_ context.Context, code string) (*jaring.Organisation, error) {
	if code != "DINSOS" {
		return nil, jaring.Errorf(jaring.ENOTFOUND, "No organisation.")
	}
	return &jaring.Organisation{ID: 1, Code: "DINSOS", Kind: jaring.OrgAgency, RegionCode: "19.04"}, nil
}

func (orgs) FindOrganisationsByIDs(context.Context, []int64) ([]*jaring.Organisation, error) {
	return nil, nil
}
