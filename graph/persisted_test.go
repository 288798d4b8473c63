package graph_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/hub"
	"github.com/jaring-id/jaring/internal/jaring"
)

// dashboardQuery is the operation the persisted manifests of these tests
// hold.
const dashboardQuery = `query Dashboard { household(kk: "1904011509090001") { kk desil } }`

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// apolloManifest is an Apollo persisted query manifest of the operations.
func apolloManifest(bodies ...string) string {
	var ops []map[string]string
	for i, b := range bodies {
		ops = append(ops, map[string]string{"id": sha(b), "name": fmt.Sprintf("Op%d", i), "type": "query", "body": b})
	}
	return mustJSON(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": ops})
}

// relayManifest is a Relay query map of the operations, under their MD5
// as Relay's compiler names them by default.
func relayManifest(bodies ...string) string {
	m := map[string]string{}
	for _, b := range bodies {
		m[md5hex(b)] = b
	}
	return mustJSON(m)
}

// send sends a GraphQL request as the auditor: by POST with body as the
// JSON body, or by GET with body's fields as URL parameters (objects as
// JSON).
func (e *env) send(t *testing.T, method string, body map[string]any) (int, gqlResponse) {
	t.Helper()
	var req *http.Request
	if method == http.MethodGet {
		q := url.Values{}
		for k, v := range body {
			if s, ok := v.(string); ok {
				q.Set(k, s)
			} else {
				q.Set(k, mustJSON(v))
			}
		}
		req = httptest.NewRequest(http.MethodGet, "/graphql?"+q.Encode(), nil)
	} else {
		req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(mustJSON(body)))
		req.Header.Set("Content-Type", "application/json")
	}
	req = req.WithContext(authz.NewContext(req.Context(), e.auditor(t), "test"))
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, req)
	var r gqlResponse
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, w.Body.Bytes())
	}
	return w.Code, r
}

func apq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// served reports whether r holds the dashboard's household and no error.
func served(r gqlResponse) bool {
	h, _ := r.Data["household"].(map[string]any)
	return len(r.Errors) == 0 && h != nil && h["kk"] != nil
}

// Automatic persisted queries, over GET and POST: a hash the server does not
// know answers PERSISTED_QUERY_NOT_FOUND (on which Apollo's clients send the
// query with it), the query with its hash registers it, and the hash alone
// runs it then; a hash that is not the query's is refused and registers
// nothing.
func TestAutomaticPersistedQueries(t *testing.T) {
	e := newEnv(t)
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run("method="+method, func(t *testing.T) {
			// Each method its own query, so that one does not find what
			// the other registered.
			query := fmt.Sprintf(`query APQ%s { household(kk: "1904011509090001") { kk desil } }`, method)
			hash := sha(query)

			status, r := e.send(t, method, map[string]any{"extensions": apq(hash)})
			if status != http.StatusOK || r.codes() != string(jaring.ENOTPERSISTED) || r.Data != nil {
				t.Fatalf("an unknown hash answers %d %+v; want 200 and %s", status, r, jaring.ENOTPERSISTED)
			}
			if _, r = e.send(t, method, map[string]any{"query": query, "extensions": apq(hash)}); !served(r) {
				t.Fatalf("the query with its hash answers %+v", r)
			}
			if _, r = e.send(t, method, map[string]any{"extensions": apq(hash)}); !served(r) {
				t.Fatalf("the hash alone, once registered, answers %+v", r)
			}
			// Upper-case hex is the same hash.
			if _, r = e.send(t, method, map[string]any{"extensions": apq(strings.ToUpper(hash))}); !served(r) {
				t.Fatalf("the hash in upper case answers %+v", r)
			}

			other := strings.Replace(query, "desil", "registerStatus", 1)
			wrong := sha(other)
			_, r = e.send(t, method, map[string]any{"query": query, "extensions": apq(wrong)})
			if r.codes() != string(jaring.EINVALID) || r.Errors[0].Extensions.Field != "extensions.persistedQuery.sha256Hash" || r.Data != nil {
				t.Fatalf("a hash that is not the query's answers %+v", r)
			}
			if _, r = e.send(t, method, map[string]any{"extensions": apq(wrong)}); r.codes() != string(jaring.ENOTPERSISTED) {
				t.Fatalf("the refused hash was registered: %+v", r)
			}

			ext := map[string]any{"persistedQuery": map[string]any{"version": 2, "sha256Hash": hash}}
			if _, r = e.send(t, method, map[string]any{"extensions": ext}); r.codes() != string(jaring.EINVALID) || r.Errors[0].Extensions.Field != "extensions.persistedQuery.version" {
				t.Fatalf("version 2 answers %+v", r)
			}
		})
	}
}

// In persisted-only mode the server runs the operations of its manifest,
// whichever tool wrote it, named by any of the ids the clients send, or
// sent as their exact text; anything else answers PERSISTED_QUERY_NOT_FOUND
// and APQ registers nothing.
func TestPersistedOnly(t *testing.T) {
	unknown := `query Other { household(kk: "1904011509090001") { kk } }`
	for _, format := range []struct {
		name     string
		manifest string
		id       string // the id the tool gave the operation
	}{
		{"apollo", apolloManifest(dashboardQuery), sha(dashboardQuery)},
		{"relay", relayManifest(dashboardQuery), md5hex(dashboardQuery)},
	} {
		t.Run("format="+format.name, func(t *testing.T) {
			m, err := graph.ParseManifest([]byte(format.manifest))
			if err != nil {
				t.Fatal(err)
			}
			e := newEnvWith(t, func(c *hub.Config) { c.Persisted, c.PersistedOnly = m, true })
			tests := []struct {
				name   string
				method string
				body   map[string]any
				want   bool // served; otherwise refused with PERSISTED_QUERY_NOT_FOUND
			}{
				// Apollo's clients send the SHA-256, whatever wrote the manifest.
				{"apollo hash", http.MethodPost, map[string]any{"extensions": apq(sha(dashboardQuery))}, true},
				{"apollo hash by GET", http.MethodGet, map[string]any{"extensions": apq(sha(dashboardQuery))}, true},
				// Relay's network layer sends the compiler's id as doc_id.
				{"doc_id", http.MethodPost, map[string]any{"doc_id": format.id}, true},
				{"doc_id by GET", http.MethodGet, map[string]any{"doc_id": format.id}, true},
				{"documentId", http.MethodPost, map[string]any{"documentId": format.id}, true},
				{"documentId sha256:", http.MethodPost, map[string]any{"documentId": "sha256:" + sha(dashboardQuery)}, true},
				{"id", http.MethodPost, map[string]any{"id": format.id}, true},
				// The exact text of a persisted operation is that operation.
				{"persisted text", http.MethodPost, map[string]any{"query": dashboardQuery}, true},
				{"persisted text with its hash", http.MethodPost, map[string]any{"query": dashboardQuery, "extensions": apq(sha(dashboardQuery))}, true},
				{"unknown text", http.MethodPost, map[string]any{"query": unknown}, false},
				{"unknown text by GET", http.MethodGet, map[string]any{"query": unknown}, false},
				// The text differs by one space: another operation.
				{"text changed", http.MethodPost, map[string]any{"query": dashboardQuery + " "}, false},
				{"unknown doc_id", http.MethodPost, map[string]any{"doc_id": md5hex(unknown)}, false},
				{"unknown hash", http.MethodPost, map[string]any{"extensions": apq(sha(unknown))}, false},
				// APQ's registration is off: the text with its hash is
				// refused, and the hash stays unknown after.
				{"apq registration", http.MethodPost, map[string]any{"query": unknown, "extensions": apq(sha(unknown))}, false},
				{"apq registered nothing", http.MethodPost, map[string]any{"extensions": apq(sha(unknown))}, false},
			}
			for _, tt := range tests {
				t.Run("case="+tt.name, func(t *testing.T) {
					status, r := e.send(t, tt.method, tt.body)
					switch {
					case tt.want && !served(r):
						t.Errorf("answers %d %+v; want the operation's data", status, r)
					case !tt.want && (r.codes() != string(jaring.ENOTPERSISTED) || r.Data != nil):
						t.Errorf("answers %d %+v; want %s and no data", status, r, jaring.ENOTPERSISTED)
					}
				})
			}
		})
	}
}

// A manifest is checked when it is read: every operation must validate
// against the schema and an Apollo id must be its body's SHA-256; the error
// names the operation and what is wrong.
func TestManifestRefused(t *testing.T) {
	misspelt := `query Broken { household(kk: "1904011509090001") { kks } }`
	tests := []struct {
		name     string
		manifest string
		want     []string // parts of the error
	}{
		// A field the schema does not have, in each format.
		{"apollo invalid operation", apolloManifest(dashboardQuery, misspelt), []string{sha(misspelt), "(Op1)", "does not validate", `"kks"`}},
		{"relay invalid operation", relayManifest(dashboardQuery, misspelt), []string{md5hex(misspelt), "does not validate", `"kks"`}},
		{"does not parse", relayManifest(`query {`), []string{md5hex(`query {`), "does not validate"}},
		// An id that is not the body's hash would let one operation pass
		// for another.
		{"apollo wrong id", strings.Replace(apolloManifest(dashboardQuery), sha(dashboardQuery), sha("other"), 1),
			[]string{sha("other"), "(Op0)", "not the SHA-256 of its body", sha(dashboardQuery)}},
		{"apollo version", `{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}`, []string{"version 2"}},
		{"unknown format", `{"format":"something","operations":[]}`, []string{"format", "not known"}},
		{"relay not text", `{"abc": 1}`, []string{`"abc"`, "not a JSON string"}},
		{"empty", `{}`, []string{"no operations"}},
		{"not JSON", `[`, []string{"not a JSON object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := graph.ParseManifest([]byte(tt.manifest))
			if err == nil {
				t.Fatal("the manifest is taken")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// Both formats of a good manifest are taken, from a file.
	for _, good := range []string{apolloManifest(dashboardQuery), relayManifest(dashboardQuery)} {
		path := filepath.Join(t.TempDir(), "manifest.json")
		if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
			t.Fatal(err)
		}
		if m, err := graph.LoadManifest(path); err != nil || m.Len() != 1 {
			t.Errorf("a good manifest: %v", err)
		}
	}
}

// With introspection off, a query that does not validate is told what is
// wrong but is never suggested a name of the schema; with it on, it is.
func TestSuggestions(t *testing.T) {
	queries := []struct {
		name, query string
	}{
		{"field", `{ household(kk: "1904011509090001") { kks } }`},
		{"argument", `{ household(kkk: "1904011509090001") { kk } }`},
	}
	for _, introspection := range []bool{false, true} {
		e := newEnvWith(t, func(c *hub.Config) { c.Introspection = introspection })
		for _, q := range queries {
			t.Run(fmt.Sprintf("introspection=%v/case=%s", introspection, q.name), func(t *testing.T) {
				r := e.ask(t, e.auditor(t), "test", q.query, nil)
				if len(r.Errors) == 0 || r.codes()[:len(jaring.EINVALID)] != string(jaring.EINVALID) {
					t.Fatalf("answers %+v; want INVALID_INPUT", r)
				}
				msgs := mustJSON(r.Errors)
				if suggested := strings.Contains(msgs, "Did you mean"); suggested != introspection {
					t.Errorf("suggested = %v with introspection %v: %s", suggested, introspection, msgs)
				}
				if !strings.Contains(msgs, "kkk") && !strings.Contains(msgs, "kks") {
					t.Errorf("the error does not name what is wrong: %s", msgs)
				}
			})
		}
	}
}
