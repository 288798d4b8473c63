package graphiql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/jaring-id/jaring/internal/graphiql"
)

const (
	browserQuery   = "query Region {\n  region(code: \"19.03\") {\n    name\n  }\n}"
	browserHeaders = `{"Authorization": "Bearer uji-token", "X-Purpose": "uji GraphiQL"}`
)

// TestBrowser opens the page in headless Chromium as on an office machine
// with no way out: the editors must show the default query and headers,
// running the query must show the answer, the request must carry the
// headers, and the page must fetch nothing from outside the test server and
// break no rule of its Content-Security-Policy.
func TestBrowser(t *testing.T) {
	chromium := findChromium(t)
	introspection, err := os.ReadFile("testdata/introspection.json")
	if err != nil {
		t.Fatal(err)
	}

	ui := graphiql.Handler(graphiql.Config{
		Title:          "Jaring",
		Endpoint:       "/graphql",
		DefaultQuery:   browserQuery,
		DefaultHeaders: browserHeaders,
	})
	// queried gets the headers of the request that ran the query.
	queried := make(chan http.Header, 1)
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET "+graphiql.AssetPath, ui)
	// A stand-in for Jaring's /graphql. It answers GraphiQL's introspection
	// with a small schema, so the result pane starts empty and Monaco's
	// GraphQL worker has a schema to check the query against, and every
	// other query with the region.
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Query string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(req.Query, "__schema") {
			w.Write(introspection)
			return
		}
		select {
		case queried <- r.Header.Clone():
		default:
		}
		io.WriteString(w, `{"data":{"region":{"name":"Koba"}}}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Should the page reach for a host name, it resolves to nothing, so
		// no traffic leaves the machine; the request log below fails the test.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// The first Do starts the browser, so it must not carry the timeout
	// that bounds the steps below.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}

	var (
		mu       sync.Mutex
		requests []string
		problems []string
	)
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, short(ev.Request.URL))
		case *runtime.EventExceptionThrown:
			problems = append(problems, short("uncaught: "+exceptionText(ev.ExceptionDetails)))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, short("console.error: "+consoleText(ev.Args)))
			}
		case *log.EventEntryAdded:
			// CSP violations and failed loads land here.
			if ev.Entry.Level == log.EntryLevelError {
				problems = append(problems, short(fmt.Sprintf("browser log (%s): %s", ev.Entry.Source, ev.Entry.Text)))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	report := func() {
		mu.Lock()
		defer mu.Unlock()
		t.Logf("requests: %q", requests)
		t.Logf("problems: %q", problems)
	}

	stepCtx, cancelSteps := context.WithTimeout(ctx, 15*time.Second)
	defer cancelSteps()
	step := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(stepCtx, a); err != nil {
			report()
			saveScreenshot(t, ctx)
			t.Fatalf("%s: %v", what, err)
		}
	}
	step("open the page", chromedp.Navigate(srv.URL))
	step("the query editor shows the default query",
		waitEditorText(".graphiql-query-editor", browserQuery))
	step("the headers editor shows the default headers",
		waitEditorText(".graphiql-editor-tool .graphiql-editor:not(.hidden)", browserHeaders))
	if text, err := chromedp.Run(stepCtx, chromedp.Evaluate[string](editorText(".result-window"))); err != nil || strings.Contains(text, "Koba") {
		t.Fatalf("before the run, the result pane has %q (err %v): it should be empty", text, err)
	}
	step("click run", chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	step("the result pane shows the data",
		waitEditorContains(".result-window", `"name": "Koba"`))

	select {
	case h := <-queried:
		for name, want := range map[string]string{"Authorization": "Bearer uji-token", "X-Purpose": "uji GraphiQL"} {
			if got := h.Get(name); got != want {
				t.Errorf("the query carried %s %q, want %q from the headers editor", name, got, want)
			}
		}
	default:
		t.Error("the result pane shows the data, but /graphql got no query")
	}

	// Monaco's three workers must have come from the test server; by now
	// the GraphQL worker has checked the query against the schema.
	step("the GraphQL worker starts", chromedp.Poll[chromedp.Void](
		`performance.getEntriesByType('resource').some(e => e.name.endsWith('/graphql.worker.js'))`,
		chromedp.WithPollingTimeout(5*time.Second)))
	mu.Lock()
	defer mu.Unlock()
	for _, worker := range []string{"editor.worker.js", "json.worker.js", "graphql.worker.js"} {
		if !slices.ContainsFunc(requests, func(u string) bool {
			return strings.HasPrefix(u, srv.URL+graphiql.AssetPath) && strings.HasSuffix(u, "/"+worker)
		}) {
			t.Errorf("the page did not load %s from %s", worker, srv.URL+graphiql.AssetPath)
		}
	}
	for _, u := range requests {
		if !onThisMachine(u) {
			t.Errorf("the page fetched %s, outside the test server", u)
		}
	}
	for _, p := range problems {
		t.Errorf("the page reported: %s", p)
	}
	if t.Failed() {
		t.Logf("requests: %q", requests)
	}
}

// waitEditorText waits until the Monaco editor in the section shows want.
func waitEditorText(section, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](editorText(section)+" === "+jsString(want),
		chromedp.WithPollingTimeout(10*time.Second))
}

// waitEditorContains waits until the Monaco editor in the section shows a
// line with want in it.
func waitEditorContains(section, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](editorText(section)+".includes("+jsString(want)+")",
		chromedp.WithPollingTimeout(10*time.Second))
}

// editorText is a JavaScript expression for the text of the Monaco editor
// in the section: Monaco draws each line as a .view-line, with spaces as
// U+00A0, and keeps the lines in the DOM in no particular order, so they
// are sorted by their top offset.
func editorText(section string) string {
	return `Array.from(document.querySelectorAll(` + jsString(section+" .view-line") + `))
		.sort((a, b) => a.offsetTop - b.offsetTop)
		.map(l => l.textContent.replaceAll('\u00a0', ' ')).join('\n')`
}

// short cuts s, such as a data: URL of a whole font, to a readable length.
func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// onThisMachine reports whether the page may have fetched u: a loopback
// address, or data the page carries (data: URLs of the inlined fonts).
func onThisMachine(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch parsed.Scheme {
	case "data":
		return true
	case "http", "https", "ws", "wss":
		if parsed.Hostname() == "localhost" {
			return true
		}
		ip := net.ParseIP(parsed.Hostname())
		return ip != nil && ip.IsLoopback()
	}
	return false
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

func consoleText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		if a.Value != nil {
			parts = append(parts, string(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}

// saveScreenshot keeps what the page showed when a step failed.
func saveScreenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	p := filepath.Join(os.TempDir(), "jaring-graphiql-failure.png")
	if err := os.WriteFile(p, png, 0o644); err == nil {
		t.Logf("the page as it was: %s", p)
	}
}

// findChromium returns the path of Debian's chromium. Without it the test
// fails, since a skipped browser test would let a broken page through;
// JARING_SKIP_BROWSER=1 skips it on a machine that cannot have a browser.
func findChromium(t *testing.T) string {
	t.Helper()
	if os.Getenv("JARING_SKIP_BROWSER") == "1" {
		t.Skip("JARING_SKIP_BROWSER=1: not testing GraphiQL in a browser")
	}
	for _, p := range []string{"/usr/bin/chromium", "chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("chromium is not installed: run `apt-get install -y chromium` " +
		"(or set JARING_SKIP_BROWSER=1 to skip the browser test)")
	return ""
}
