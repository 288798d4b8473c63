package graphiql

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dist is what `make assets` builds from web/: graphiql.js and graphiql.css
// for the page, and one script per Monaco web worker.
//
//go:embed dist
var dist embed.FS

// AssetPath is the path prefix under which Handler serves GraphiQL's scripts,
// styles and workers, as AssetPath + version + "/" + file. The version is a
// hash of the embedded files, so a new build gets new URLs and browsers may
// cache each URL for good.
const AssetPath = "/graphiql/"

// ContentSecurityPolicy is the Content-Security-Policy of the page. Every
// script, style, worker and request stays on this origin; the exceptions are
// what GraphiQL and Monaco need to work:
//   - style-src 'unsafe-inline': Monaco draws its editors as HTML with style
//     attributes (each line is <div style="top:…">) and writes <style>
//     elements for its theme's colours, with values known only at run time,
//     so neither a nonce nor a hash can cover them; without it the lines of
//     the response pane pile up on one another and lose their colours.
//     Scripts stay strict: no inline script, no eval.
//   - font-src and img-src data: GraphiQL's stylesheet inlines its fonts
//     (Roboto, Fira Code, Monaco's codicons) and a few icons as data: URLs.
//   - worker-src 'self': Monaco's workers are files of ours (see AssetPath);
//     no blob: worker is needed.
const ContentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self'; " +
	"style-src 'self' 'unsafe-inline'; " +
	"font-src 'self' data:; " +
	"img-src 'self' data:; " +
	"worker-src 'self'; " +
	"connect-src 'self'; " +
	"object-src 'none'; " +
	"base-uri 'none'; " +
	"form-action 'none'; " +
	"frame-ancestors 'none'"

// Config configures the page that Handler serves.
type Config struct {
	// Title is the page's title (default "GraphiQL").
	Title string
	// Endpoint is the path of the GraphQL endpoint on this origin (default
	// "/graphql"). It must be a path: the page may connect to its own origin
	// only.
	Endpoint string
	// DefaultQuery fills the query editor when the page opens with no tabs
	// saved in the browser, and every new tab.
	DefaultQuery string
	// DefaultHeaders fills the request headers editor: the text of a JSON
	// object, such as {"Authorization": "Bearer <token>", "X-Purpose": "…"}.
	// The page never saves headers in the browser, so every visit starts
	// from this text and a token typed in is gone when the tab closes.
	DefaultHeaders string
}

// Handler returns a handler that answers GET and HEAD with the GraphiQL page
// for any path outside AssetPath, and with the embedded assets under it
// (unknown files and versions are 404). It panics if cfg.Endpoint is not a
// path or cfg.DefaultHeaders is neither empty nor a JSON object, so a
// misconfiguration stops the program at start.
//
// Route both the page and AssetPath to it:
//
//	ui := graphiql.Handler(graphiql.Config{Title: "Jaring", Endpoint: "/graphql"})
//	mux.Handle("GET /{$}", ui)
//	mux.Handle("GET "+graphiql.AssetPath, ui)
func Handler(cfg Config) http.Handler {
	if cfg.Title == "" {
		cfg.Title = "GraphiQL"
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "/graphql"
	}
	if u, err := url.Parse(cfg.Endpoint); err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
		panic(fmt.Sprintf("graphiql: Config.Endpoint %q is not a path on this origin, like /graphql", cfg.Endpoint))
	}
	if cfg.DefaultHeaders != "" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(cfg.DefaultHeaders), &obj); err != nil {
			panic(fmt.Sprintf("graphiql: Config.DefaultHeaders is not a JSON object: %v", err))
		}
	}
	b := loadBundle()
	var page bytes.Buffer
	err := pageTemplate.Execute(&page, pageData{
		Title:  cfg.Title,
		Assets: AssetPath + b.version + "/",
		Config: pageConfig{
			Endpoint:       cfg.Endpoint,
			DefaultQuery:   cfg.DefaultQuery,
			DefaultHeaders: cfg.DefaultHeaders,
			Assets:         AssetPath + b.version + "/",
		},
	})
	if err != nil {
		panic(fmt.Sprintf("graphiql: render page: %v", err))
	}
	return &handler{bundle: b, page: page.Bytes(), pageETag: etag(page.Bytes(), "")}
}

type handler struct {
	bundle   *bundle
	page     []byte
	pageETag string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Only GET and HEAD are allowed here.", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	if rest, ok := strings.CutPrefix(r.URL.Path, AssetPath); ok {
		h.serveAsset(w, r, rest)
		return
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("Referrer-Policy", "no-referrer")
	// The page names the current assets' version: always revalidate it.
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", h.pageETag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
}

// serveAsset serves version/name, gzipped when the client takes it.
func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, rest string) {
	version, name, _ := strings.Cut(rest, "/")
	a, ok := h.bundle.assets[name]
	if version != h.bundle.version || !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("Vary", "Accept-Encoding")
	body, tag := a.body, a.etag
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, tag = a.gzipped(), a.gzipETag
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", tag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header lets gzip through:
// gzip or * with a q-value above zero, gzip's own entry taking precedence.
func acceptsGzip(accept string) bool {
	gzipQ, anyQ := -1.0, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		coding, params, _ := strings.Cut(part, ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch coding = strings.TrimSpace(coding); {
		case strings.EqualFold(coding, "gzip"):
			gzipQ = q
		case coding == "*":
			anyQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// bundle is the embedded dist/ directory, read once.
type bundle struct {
	// version names this build of the assets: a hash of every file.
	version string
	assets  map[string]*asset
}

type asset struct {
	body        []byte
	contentType string
	etag        string
	// gzipped compresses body the first time it is asked for; most
	// requests for the 5 MB script then get 1.4 MB.
	gzipped  func() []byte
	gzipETag string
}

var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

// loadBundle reads dist/ once; every Handler shares it and its gzipped
// copies.
var loadBundle = sync.OnceValue(func() *bundle {
	b, err := readBundle(dist)
	if err != nil {
		panic(fmt.Sprintf("graphiql: read the embedded assets: %v", err))
	}
	return b
})

// readBundle reads the files under dist/ in fsys.
func readBundle(fsys fs.FS) (*bundle, error) {
	b := &bundle{assets: map[string]*asset{}}
	sum := sha256.New()
	err := fs.WalkDir(fsys, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "dist/")
		ctype, ok := contentTypes[path.Ext(name)]
		if !ok {
			return fmt.Errorf("%s: no content type for this extension", p)
		}
		fmt.Fprintf(sum, "%s\x00%d\x00", name, len(body))
		sum.Write(body)
		b.assets[name] = &asset{
			body:        body,
			contentType: ctype,
			etag:        etag(body, ""),
			gzipped:     sync.OnceValue(func() []byte { return gzipBytes(body) }),
			gzipETag:    etag(body, "-gzip"),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if b.assets["graphiql.js"] == nil || b.assets["graphiql.css"] == nil {
		return nil, fmt.Errorf("dist/ lacks graphiql.js or graphiql.css; run `make assets`")
	}
	b.version = hex.EncodeToString(sum.Sum(nil))[:16]
	return b, nil
}

func gzipBytes(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	// Writing to a bytes.Buffer cannot fail.
	_, _ = zw.Write(body)
	_ = zw.Close()
	return buf.Bytes()
}

// etag is a strong entity tag for body; suffix tells encodings apart.
func etag(body []byte, suffix string) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:12]) + suffix + `"`
}

type pageData struct {
	Title  string
	Assets string
	Config pageConfig
}

// pageConfig is what the bundle reads from the page (web/src/config.js).
type pageConfig struct {
	Endpoint       string `json:"endpoint"`
	DefaultQuery   string `json:"defaultQuery"`
	DefaultHeaders string `json:"defaultHeaders"`
	Assets         string `json:"assets"`
}

// pageTemplate escapes by context: the title as HTML text, the URLs as
// attributes, and Config as JSON inside a data block that no script
// executes (html/template marshals it and escapes <, > and &, so no value
// can close the element).
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.Assets}}graphiql.css">
<script type="application/json" id="graphiql-config">{{.Config}}</script>
<script src="{{.Assets}}graphiql.js" defer></script>
</head>
<body>
<div id="graphiql"><noscript>GraphiQL needs JavaScript.</noscript></div>
</body>
</html>
`))
