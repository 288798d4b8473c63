package graphiql_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/internal/graphiql"
)

var testConfig = graphiql.Config{
	Title:          "Jaring <dev>",
	Endpoint:       "/graphql",
	DefaultQuery:   "{ region(code: \"19.03\") { name } }",
	DefaultHeaders: `{"Authorization": "Bearer <token>", "X-Purpose": "verifikasi DTSEN"}`,
}

var (
	configBlock = regexp.MustCompile(`<script type="application/json" id="graphiql-config">(.*?)</script>`)
	assetRef    = regexp.MustCompile(`(?:href|src)="(/graphiql/[^"]+)"`)
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pageConfig reads back the settings the page hands to the bundle.
func pageConfig(t *testing.T, page string) map[string]string {
	t.Helper()
	m := configBlock.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no config block:\n%s", page)
	}
	var cfg map[string]string
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("the config block is not JSON: %v\n%s", err, m[1])
	}
	return cfg
}

func TestPage(t *testing.T) {
	h := graphiql.Handler(testConfig)
	res := get(t, h, "/")
	page := body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	for name, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Security-Policy": graphiql.ContentSecurityPolicy,
		"Cache-Control":           "no-cache",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(page, "<title>Jaring &lt;dev&gt;</title>") {
		t.Errorf("the title is not escaped as HTML text:\n%s", page)
	}
	cfg := pageConfig(t, page)
	for key, want := range map[string]string{
		"endpoint":       testConfig.Endpoint,
		"defaultQuery":   testConfig.DefaultQuery,
		"defaultHeaders": testConfig.DefaultHeaders,
	} {
		if cfg[key] != want {
			t.Errorf("config %s = %q, want %q", key, cfg[key], want)
		}
	}
	if !strings.HasPrefix(cfg["assets"], graphiql.AssetPath) {
		t.Errorf("config assets = %q, want it under %s", cfg["assets"], graphiql.AssetPath)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "<style") {
		t.Errorf("the page has inline script or style, which its CSP refuses:\n%s", page)
	}

	t.Run("case=revalidated", func(t *testing.T) {
		// The page names the assets' version, so browsers revalidate it;
		// an unchanged page costs a 304.
		res := get(t, h, "/", "If-None-Match", res.Header.Get("ETag"))
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("GET / with its ETag = %d, want 304", res.StatusCode)
		}
	})
}

// TestPageEscapesConfig checks that no value can leave the JSON data block:
// a query or header text with </script> must not become markup or script.
func TestPageEscapesConfig(t *testing.T) {
	evil := "</script><script>alert(1)</script><!--"
	h := graphiql.Handler(graphiql.Config{
		DefaultQuery:   evil,
		DefaultHeaders: `{"X-Purpose": "` + strings.ReplaceAll(evil, `"`, `\"`) + `"}`,
	})
	page := body(t, get(t, h, "/"))
	if strings.Count(page, "<script") != 2 || strings.Contains(page, "alert(1)</script>") {
		t.Fatalf("a config value broke out of the data block:\n%s", page)
	}
	cfg := pageConfig(t, page)
	if cfg["defaultQuery"] != evil {
		t.Errorf("defaultQuery = %q, want %q back", cfg["defaultQuery"], evil)
	}
	if cfg["endpoint"] != "/graphql" {
		t.Errorf("endpoint = %q, want the default /graphql", cfg["endpoint"])
	}
}

func TestAssets(t *testing.T) {
	h := graphiql.Handler(testConfig)
	page := body(t, get(t, h, "/"))
	assets := pageConfig(t, page)["assets"]
	refs := assetRef.FindAllStringSubmatch(page, -1)
	if len(refs) != 2 {
		t.Fatalf("the page links %d assets, want graphiql.css and graphiql.js:\n%s", len(refs), page)
	}
	tests := []struct {
		file, contentType string
	}{
		{"graphiql.js", "text/javascript; charset=utf-8"},
		{"graphiql.css", "text/css; charset=utf-8"},
		// Monaco starts these from web/src/monaco-environment.js.
		{"editor.worker.js", "text/javascript; charset=utf-8"},
		{"json.worker.js", "text/javascript; charset=utf-8"},
		{"graphql.worker.js", "text/javascript; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run("file="+tt.file, func(t *testing.T) {
			res := get(t, h, assets+tt.file)
			b := body(t, res)
			if res.StatusCode != http.StatusOK || len(b) == 0 {
				t.Fatalf("GET %s = %d with %d bytes", assets+tt.file, res.StatusCode, len(b))
			}
			for name, want := range map[string]string{
				"Content-Type":           tt.contentType,
				"Cache-Control":          "public, max-age=31536000, immutable",
				"X-Content-Type-Options": "nosniff",
				"Content-Encoding":       "",
			} {
				if got := res.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			res = get(t, h, assets+tt.file, "If-None-Match", res.Header.Get("ETag"))
			if res.StatusCode != http.StatusNotModified {
				t.Errorf("GET with its ETag = %d, want 304", res.StatusCode)
			}
		})
	}

	notFound := []struct {
		name, path string
	}{
		// An old page's URL must not get today's file cached under it for a year.
		{"old version", graphiql.AssetPath + "0123456789abcdef/graphiql.js"},
		{"unknown file", assets + "nothing.js"},
		{"no file", assets},
		{"directory escape", assets + "../graphiql.js"},
	}
	for _, tt := range notFound {
		t.Run("case="+tt.name, func(t *testing.T) {
			if res := get(t, h, tt.path); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", tt.path, res.StatusCode)
			}
		})
	}

	t.Run("case=POST", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST / = %d, Allow %q; want 405, GET, HEAD", rec.Code, rec.Header().Get("Allow"))
		}
	})
}

func TestAssetsGzip(t *testing.T) {
	h := graphiql.Handler(testConfig)
	js := pageConfig(t, body(t, get(t, h, "/")))["assets"] + "graphiql.js"
	plain := body(t, get(t, h, js))
	tests := []struct {
		accept string
		gzip   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br, zstd", true}, // what Chromium sends
		{"br;q=1.0, gzip;q=0.5", true},
		{"*", true},
		{"gzip;q=0", false},    // refused outright
		{"*, gzip;q=0", false}, // gzip's own entry wins over *
		{"identity", false},
		{"deflate", false},
	}
	for _, tt := range tests {
		t.Run("accept="+tt.accept, func(t *testing.T) {
			res := get(t, h, js, "Accept-Encoding", tt.accept)
			if got := res.Header.Get("Content-Encoding") == "gzip"; got != tt.gzip {
				t.Fatalf("Content-Encoding %q, want gzip %v", res.Header.Get("Content-Encoding"), tt.gzip)
			}
			if res.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary = %q, want Accept-Encoding", res.Header.Get("Vary"))
			}
			if !tt.gzip {
				return
			}
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil || string(unzipped) != plain {
				t.Fatalf("the gzipped body does not unzip to the file (err %v)", err)
			}
			if res.Header.Get("ETag") == get(t, h, js).Header.Get("ETag") {
				t.Error("the gzipped and the plain body share an ETag")
			}
		})
	}
}

func TestHandlerRefusesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  graphiql.Config
	}{
		// The page's CSP lets it connect to its own origin only.
		{"endpoint on another origin", graphiql.Config{Endpoint: "https://example.org/graphql"}},
		{"endpoint without a leading slash", graphiql.Config{Endpoint: "graphql"}},
		// GraphiQL sends the headers editor's text as a JSON object.
		{"headers not JSON", graphiql.Config{DefaultHeaders: "Authorization: Bearer x"}},
		{"headers a JSON array", graphiql.Config{DefaultHeaders: `["Authorization"]`}},
	}
	for _, tt := range tests {
		t.Run("case="+tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler(%+v) did not panic", tt.cfg)
				}
			}()
			graphiql.Handler(tt.cfg)
		})
	}
}

// TestDistIsOffline checks the committed bundle for the CDN hosts that
// GraphiQL's own setups fetch Monaco and its workers from; the browser test
// proves the same by watching the network.
func TestDistIsOffline(t *testing.T) {
	dist := os.DirFS("dist")
	files, err := fs.Glob(dist, "*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in dist/ (%v): run `make assets`", err)
	}
	for _, name := range files {
		b, err := fs.ReadFile(dist, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, host := range []string{"esm.sh", "unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "fonts.googleapis.com"} {
			if bytes.Contains(b, []byte(host)) {
				t.Errorf("dist/%s mentions %s", name, host)
			}
		}
	}
}
