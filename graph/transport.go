package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/jaring-id/jaring/internal/jaring"
)

// httpTransport serves GraphQL over HTTP GET (queries only) and POST with a
// JSON body, as gqlgen's GET and POST transports do, except that every
// error it answers itself — a body that is not JSON, variables that do not
// decode, a mutation sent by GET — goes through the error presenter like
// every other, with its extensions.code, and echoes nothing of the body.
type httpTransport struct{}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	return r.Method == http.MethodGet || r.Method == http.MethodPost
}

func (httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	w.Header().Set("Content-Type", "application/json")
	ctx := r.Context()
	fail := func(status int, err error) {
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{{Message: jaring.ErrorMessage(err), Err: err}}))
	}
	params := &graphql.RawParams{Headers: r.Header}
	params.ReadTime.Start = graphql.Now()
	wire := &wireParams{RawParams: params}
	if r.Method == http.MethodGet {
		if err := getParams(r.URL.RawQuery, wire); err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
	} else if media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && media == "multipart/form-data" {
		if status, err := multipartParams(r, wire); err != nil {
			fail(status, err)
			return
		}
	} else {
		if err != nil || media != "application/json" {
			fail(http.StatusUnsupportedMediaType, jaring.Invalid("Content-Type", "send the request as application/json, or a file as multipart/form-data"))
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				fail(http.StatusRequestEntityTooLarge, bodyLimit(tooLarge.Limit))
				return
			}
			fail(http.StatusBadRequest, jaring.Invalid("body", "could not be read"))
			return
		}
		if !utf8.Valid(body) {
			fail(http.StatusBadRequest, jaring.Invalid(invalidUTF8At(body), "is not valid UTF-8 text"))
			return
		}
		if err := decodeJSON(body, "body", wire); err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
	}
	params.ReadTime.End = graphql.Now()
	id, err := wire.documentID()
	if err != nil {
		fail(http.StatusBadRequest, err)
		return
	}
	ctx = withDocumentID(ctx, id)

	oc, gqlErrs := exec.CreateOperationContext(ctx, params)
	if gqlErrs != nil {
		w.WriteHeader(statusOf(gqlErrs))
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, oc), gqlErrs))
		return
	}
	if r.Method == http.MethodGet {
		if op := oc.Doc.Operations.ForName(oc.OperationName); op != nil && op.Operation != ast.Query {
			fail(http.StatusMethodNotAllowed, jaring.Invalid("query", "a %s is sent by POST; GET runs queries only", op.Operation))
			return
		}
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil { // the operation was stopped: its deadline passed
		resp = exec.DispatchError(ctx, gqlerror.List{{Err: jaring.Limited("deadline",
			"The request ran out of time; ask for less at once.")}})
	}
	writeResponse(w, resp)
}

// wireParams is a GraphQL request as it comes: gqlgen's parameters and the
// fields in which Relay and others name a persisted operation instead of
// sending its text: doc_id (Relay's documentation), documentId (the GraphQL
// over HTTP draft's persisted documents) and id (older Relay setups and
// persistgraphql). Apollo's clients send extensions.persistedQuery, which
// is among the parameters.
type wireParams struct {
	*graphql.RawParams
	DocID      string `json:"doc_id"`
	DocumentID string `json:"documentId"`
	ID         string `json:"id"`
}

// documentID is the persisted operation's id the request names, or "".
func (w *wireParams) documentID() (string, error) {
	id := ""
	for _, v := range []string{w.DocID, w.DocumentID, w.ID} {
		switch {
		case v == "" || v == id:
		case id != "":
			return "", jaring.Invalid("doc_id", "the request names two persisted operations, %s and %s; name one, by doc_id, documentId or id", quoted(id), quoted(v))
		default:
			id = v
		}
	}
	return id, nil
}

// maxMultipartJSON bounds the operations and map parts of a multipart
// request: the operation, not the file.
const maxMultipartJSON = 64 << 10

// multipartParams reads a request of the GraphQL multipart request spec
// (github.com/jaydenseric/graphql-multipart-request-spec) with one
// operation and at most one file: the operations part, the map part, then
// the file, which the operation reads as it streams in, so that a file is
// never held in memory whole. The file's part must come last; anything
// after it is not read. It returns the HTTP status of a refusal.
func multipartParams(r *http.Request, w *wireParams) (int, error) {
	p := w.RawParams
	mr, err := r.MultipartReader()
	if err != nil {
		return http.StatusBadRequest, jaring.Invalid("body", "is not multipart/form-data: %v", err)
	}
	part := func(name string) ([]byte, int, error) {
		pt, err := mr.NextPart()
		if err != nil || pt.FormName() != name {
			return nil, http.StatusBadRequest, jaring.Invalid(name, "the multipart request needs the part %q here (operations, then map, then the file)", name)
		}
		b, err := io.ReadAll(io.LimitReader(pt, maxMultipartJSON+1))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return nil, http.StatusRequestEntityTooLarge, bodyLimit(tooLarge.Limit)
		case err != nil:
			return nil, http.StatusBadRequest, jaring.Invalid(name, "could not be read")
		case len(b) > maxMultipartJSON:
			return nil, http.StatusRequestEntityTooLarge, jaring.Limited(name, "The %s part is over %d bytes.", name, maxMultipartJSON)
		case !utf8.Valid(b):
			return nil, http.StatusBadRequest, jaring.Invalid(name, "is not valid UTF-8 text")
		}
		return b, 0, nil
	}
	ops, status, err := part("operations")
	if err != nil {
		return status, err
	}
	if err := decodeJSON(ops, "operations", w); err != nil {
		return http.StatusBadRequest, err
	}
	mapping, status, err := part("map")
	if err != nil {
		return status, err
	}
	var files map[string][]string
	if err := decodeJSON(mapping, "map", &files); err != nil {
		return http.StatusBadRequest, err
	}
	if len(files) == 0 {
		return 0, nil
	}
	if len(files) > 1 {
		return http.StatusBadRequest, jaring.Invalid("map", "one file a request, got %d", len(files))
	}
	for key, paths := range files {
		if len(paths) != 1 || !strings.HasPrefix(paths[0], "variables.") || strings.Contains(paths[0][len("variables."):], ".") {
			return http.StatusBadRequest, jaring.Invalid("map", "the file goes to one variable, as [\"variables.file\"]")
		}
		name := paths[0][len("variables."):]
		if p.Variables == nil {
			p.Variables = map[string]any{}
		}
		if v, ok := p.Variables[name]; !ok || v != nil {
			return http.StatusBadRequest, jaring.Invalid("operations", "variables.%s must be null, where the file goes", name)
		}
		pt, err := mr.NextPart()
		if err != nil || pt.FormName() != key {
			return http.StatusBadRequest, jaring.Invalid("map", "the part %q, the file, must follow the map", key)
		}
		p.Variables[name] = graphql.Upload{File: unseekable{pt}, Filename: pt.FileName(), ContentType: pt.Header.Get("Content-Type"), Size: -1}
	}
	return 0, nil
}

// unseekable is a file that streams in: it is read once, from the start.
type unseekable struct{ io.Reader }

func (unseekable) Seek(int64, int) (int64, error) {
	return 0, errors.New("an uploaded file streams in and cannot seek")
}

// bodyLimit is the error of a body over the limit of n bytes.
func bodyLimit(n int64) error {
	return jaring.Limited("body", "The request body is over the %d bytes taken; split the batch.", n)
}

// invalidUTF8At names where in a JSON body its first invalid UTF-8 lies: the
// path of the value or key that holds it ("variables.input[0].name"), or
// "body" if it is outside any string.
func invalidUTF8At(body []byte) string {
	bad := 0
	for bad < len(body) {
		r, size := utf8.DecodeRune(body[bad:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		bad += size
	}
	// Walk the tokens, keeping the path to the value being read, until a
	// string ends past the bad byte.
	type frame struct {
		object  bool
		key     string // an object's current key
		haveKey bool   // the key is read, its value not yet
		index   int    // an array's current index
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.object && f.haveKey:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			case !f.object:
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	advance := func() { // a value of the innermost container ended
		if n := len(stack); n > 0 {
			if f := stack[n-1]; f.object {
				f.haveKey = false
			} else {
				f.index++
			}
		}
	}
	d := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return "body"
		}
		past := int(d.InputOffset()) > bad
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				stack = append(stack, &frame{object: t == '{'})
			} else {
				stack = stack[:len(stack)-1]
				advance()
			}
			continue
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && !stack[n-1].haveKey {
				stack[n-1].key, stack[n-1].haveKey = t, true
				if past {
					return path()
				}
				continue
			}
			if past {
				return path()
			}
		}
		advance()
	}
}

// getParams reads a GET request's query, operationName, variables,
// extensions and the id of a persisted operation.
func getParams(rawQuery string, w *wireParams) error {
	p := w.RawParams
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return jaring.Invalid("query string", "does not parse: %v", err)
	}
	p.Query, p.OperationName = q.Get("query"), q.Get("operationName")
	w.DocID, w.DocumentID, w.ID = q.Get("doc_id"), q.Get("documentId"), q.Get("id")
	if v := q.Get("variables"); v != "" {
		if err := decodeJSON([]byte(v), "variables", &p.Variables); err != nil {
			return err
		}
	}
	if v := q.Get("extensions"); v != "" {
		if err := decodeJSON([]byte(v), "extensions", &p.Extensions); err != nil {
			return err
		}
	}
	return nil
}

// decodeJSON decodes data into v, numbers kept as json.Number as gqlgen
// expects; an error is INVALID_INPUT naming what (the body, or a parameter)
// and saying what is wrong, without echoing the data.
func decodeJSON(data []byte, what string, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return jaring.Invalid(what, "is not JSON: %s at byte %d", syntax.Error(), syntax.Offset)
		case errors.As(err, &typ):
			return jaring.Invalid(what, "%s must be a JSON %s, not %s", fieldOr(typ.Field, what), typ.Type, typ.Value)
		}
		return jaring.Invalid(what, "is not a GraphQL request in JSON: %v", err)
	}
	if d.More() {
		return jaring.Invalid(what, "holds more than one JSON value")
	}
	return nil
}

func fieldOr(field, what string) string {
	if field == "" {
		return what
	}
	return fmt.Sprintf("%q", field)
}

// statusOf is the HTTP status of a request that failed before it ran, as
// gqlgen's transports give it: 422 for a query that does not parse or
// validate, 200 for the rest, whose errors are in the body.
func statusOf(errs gqlerror.List) int {
	if errcode.GetErrorKind(errs) == errcode.KindProtocol {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

func writeResponse(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		panic(fmt.Errorf("graph: marshal response: %w", err))
	}
	_, _ = w.Write(b)
}
