package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Manifest is a set of persisted operations: the operations a dashboard was
// built with, each under the id its build tool gave it, served by id (and,
// in persisted-only mode, the only operations served). It is read from the
// manifest file Apollo's generate-persisted-query-manifest writes, or the
// query map of Relay's compiler (docs/persisted-operations.md).
type Manifest struct {
	byID   map[string]string // id → body
	byHash map[string]string // SHA-256 of a body, in hex → body
}

// apolloManifestFormat is the format of Apollo's persisted query manifest.
const apolloManifestFormat = "apollo-persisted-query-manifest"

// LoadManifest reads the manifest file at path; see ParseManifest.
func LoadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("persisted manifest: %w", err)
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("persisted manifest %s: %w", path, err)
	}
	return m, nil
}

// ParseManifest reads a manifest in either format: Apollo's
// {"format": "apollo-persisted-query-manifest", "version": 1, "operations":
// [{"id", "name", "type", "body"}]}, whose ids must be the SHA-256 of their
// bodies, or Relay's {"<id>": "<query text>"}, whose ids are the compiler's
// (MD5 unless configured). Every operation must parse and validate against
// the schema; the error names each operation that does not, by id, and
// what is wrong with it.
func ParseManifest(data []byte) (*Manifest, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a JSON object of persisted operations: %w", err)
	}
	type operation struct{ id, name, body string }
	var ops []operation
	var errs []error
	if format, ok := top["format"]; ok {
		var m struct {
			Format     string `json:"format"`
			Version    int    `json:"version"`
			Operations []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
				Type string `json:"type"`
				Body string `json:"body"`
			} `json:"operations"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("not an Apollo persisted query manifest: %w", err)
		}
		if m.Format != apolloManifestFormat {
			return nil, fmt.Errorf("format %s is not known; want %q (Apollo) or an object of ids and query texts (Relay)", format, apolloManifestFormat)
		}
		if m.Version != 1 {
			return nil, fmt.Errorf("version %d of the Apollo manifest is not known; want 1", m.Version)
		}
		for i, op := range m.Operations {
			if op.ID == "" {
				errs = append(errs, fmt.Errorf("operation %d (%s) has no id", i, op.Name))
				continue
			}
			if h := hash(op.Body); !strings.EqualFold(op.ID, h) {
				errs = append(errs, fmt.Errorf("operation %q (%s): the id is not the SHA-256 of its body, which is %s", op.ID, op.Name, h))
				continue
			}
			ops = append(ops, operation{id: strings.ToLower(op.ID), name: op.Name, body: op.Body})
		}
	} else {
		ids := make([]string, 0, len(top))
		for id := range top {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			var body string
			if err := json.Unmarshal(top[id], &body); err != nil {
				errs = append(errs, fmt.Errorf("operation %q: the query text is not a JSON string", id))
				continue
			}
			ops = append(ops, operation{id: id, body: body})
		}
	}
	m := &Manifest{byID: map[string]string{}, byHash: map[string]string{}}
	for _, op := range ops {
		name := ""
		if op.name != "" {
			name = " (" + op.name + ")"
		}
		if _, dup := m.byID[op.id]; dup {
			errs = append(errs, fmt.Errorf("operation %q%s: the id is given twice", op.id, name))
			continue
		}
		if strings.TrimSpace(op.body) == "" {
			errs = append(errs, fmt.Errorf("operation %q%s has no body", op.id, name))
			continue
		}
		if _, list := gqlparser.LoadQueryWithRules(schema(), op.body, nil); len(list) > 0 {
			errs = append(errs, fmt.Errorf("operation %q%s does not validate against the schema: %s", op.id, name, describe(list)))
			continue
		}
		m.byID[op.id] = op.body
		m.byHash[hash(op.body)] = op.body
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(m.byID) == 0 {
		return nil, errors.New("holds no operations")
	}
	return m, nil
}

// Len is the number of operations in m.
func (m *Manifest) Len() int { return len(m.byID) }

// Lookup returns the text of the operation with id: an id of the manifest,
// or the SHA-256 of an operation's text (as Apollo's clients send it,
// whatever the manifest's format), optionally written "sha256:<hex>" as the
// GraphQL over HTTP draft's documentId is.
func (m *Manifest) Lookup(id string) (string, bool) {
	if m == nil {
		return "", false
	}
	if body, ok := m.byID[id]; ok {
		return body, true
	}
	body, ok := m.byHash[strings.ToLower(strings.TrimPrefix(id, "sha256:"))]
	return body, ok
}

// Has reports whether query is the text of one of m's operations.
func (m *Manifest) Has(query string) bool {
	if m == nil {
		return false
	}
	_, ok := m.byHash[hash(query)]
	return ok
}

// describe writes the errors of an operation that does not validate, each
// with its line.
func describe(list gqlerror.List) string {
	var b bytes.Buffer
	for i, e := range list {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Message)
		if len(e.Locations) > 0 {
			fmt.Fprintf(&b, " (line %d)", e.Locations[0].Line)
		}
	}
	return b.String()
}

// hash is the SHA-256 of a query's text, in hex, as APQ and Apollo's
// manifest compute it.
func hash(query string) string {
	h := sha256.Sum256([]byte(query))
	return hex.EncodeToString(h[:])
}

type documentIDKey struct{}

// withDocumentID returns ctx carrying the id of a persisted operation that a
// request named outside its extensions: Relay's doc_id, or documentId, or
// id. The transport reads it; the persisted extension looks it up.
func withDocumentID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, documentIDKey{}, id)
}

func documentIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(documentIDKey{}).(string)
	return id
}

// persisted serves the operations of a manifest by id, and automatic
// persisted queries (APQ: Apollo's extensions.persistedQuery, registered by
// the first request that sends the text with its hash) unless only is set:
// then it serves the manifest's operations and nothing else, and registers
// nothing. Every refusal is a Jaring error, presented as every other.
type persisted struct {
	manifest *Manifest
	only     bool
	apq      extension.AutomaticPersistedQuery
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = persisted{}

func (persisted) ExtensionName() string { return "JaringPersisted" }

func (p persisted) Validate(s graphql.ExecutableSchema) error {
	if p.only && p.manifest == nil {
		return errors.New("persisted-only mode needs a manifest")
	}
	if p.only {
		return nil
	}
	return p.apq.Validate(s)
}

// apqParams is Apollo's extensions.persistedQuery.
type apqParams struct {
	hash string // in lower case
}

// apqOf reads extensions.persistedQuery, nil when there is none.
func apqOf(ext map[string]any) (*apqParams, error) {
	v, ok := ext["persistedQuery"]
	if !ok || v == nil {
		return nil, nil
	}
	const field = "extensions.persistedQuery"
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, jaring.Invalid(field, "must be an object {version, sha256Hash}")
	}
	h, ok := obj["sha256Hash"].(string)
	if !ok || h == "" {
		return nil, jaring.Invalid(field+".sha256Hash", "must be the SHA-256 of the query, in hex")
	}
	version := fmt.Sprint(obj["version"])
	if version != "1" {
		return nil, jaring.Invalid(field+".version", "%s is not served; send version 1", version)
	}
	return &apqParams{hash: strings.ToLower(h)}, nil
}

func (p persisted) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if err := p.resolve(ctx, raw); err != nil {
		return &gqlerror.Error{Message: jaring.ErrorMessage(err), Err: err}
	}
	return nil
}

// resolve sets raw.Query to the text of the operation a request names by
// id, or refuses it.
func (p persisted) resolve(ctx context.Context, raw *graphql.RawParams) error {
	pq, err := apqOf(raw.Extensions)
	if err != nil {
		return err
	}
	docID := documentIDFrom(ctx)
	if pq != nil && docID != "" {
		return jaring.Invalid("extensions.persistedQuery", "name the operation once: by extensions.persistedQuery or by doc_id, not both")
	}
	if pq != nil {
		// gqlgen's APQ reads the extension as it finds it: give it the hash
		// in lower case, the version as a number.
		raw.Extensions["persistedQuery"] = map[string]any{"version": 1, "sha256Hash": pq.hash}
	}
	if raw.Query != "" {
		switch {
		case pq != nil && hash(raw.Query) != pq.hash:
			return jaring.Invalid("extensions.persistedQuery.sha256Hash", "is not the SHA-256 of the query sent with it")
		case docID != "":
			if body, ok := p.manifest.Lookup(docID); !ok || body != raw.Query {
				return jaring.Invalid("doc_id", "names another operation than the query sent with it; send one or the other")
			}
		}
		if p.only {
			if !p.manifest.Has(raw.Query) {
				return notPersisted("This server runs only its persisted operations, and the query sent is not one of them.")
			}
			return nil
		}
		if pq != nil && !p.manifest.Has(raw.Query) {
			// Registers the query under its hash, for the requests that
			// send the hash alone.
			if err := p.apq.MutateOperationParameters(ctx, raw); err != nil {
				return fmt.Errorf("%w: register a persisted query: %w", errInternal, err)
			}
		}
		return nil
	}
	id := docID
	if pq != nil {
		id = pq.hash
	}
	if id == "" {
		return nil // no query, no id: validation says so
	}
	if body, ok := p.manifest.Lookup(id); ok {
		raw.Query = body
		return nil
	}
	if pq != nil && !p.only {
		if p.apq.MutateOperationParameters(ctx, raw) == nil {
			return nil
		}
		// Apollo's clients retry with the query text on this code.
		return notPersisted("No persisted query has the hash %s; send the query with it.", quoted(id))
	}
	if p.only {
		return notPersisted("This server runs only its persisted operations, and none has the id %s.", quoted(id))
	}
	return notPersisted("No persisted operation has the id %s; send the query text.", quoted(id))
}

// notPersisted is the error of an operation named by an id that is not
// known, or of a query not persisted where only persisted ones run.
func notPersisted(format string, args ...any) error {
	return jaring.Errorf(jaring.ENOTPERSISTED, format, args...)
}

// quoted quotes an id a caller sent, cut short if it is long.
func quoted(id string) string {
	const most = 80
	if len(id) > most {
		id = id[:most] + "…"
	}
	return fmt.Sprintf("%q", id)
}
