package graphiql

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestGzipConcurrent asks for every asset, gzipped, from many goroutines at
// once on a freshly read bundle, so the first requests race to compress:
// each file must be compressed once and every response must be the same.
func TestGzipConcurrent(t *testing.T) {
	b, err := readBundle(dist)
	if err != nil {
		t.Fatal(err)
	}
	h := &handler{bundle: b}
	const perFile = 8
	for name := range b.assets {
		bodies := make([][]byte, perFile)
		var wg sync.WaitGroup
		for i := range perFile {
			wg.Go(func() {
				req := httptest.NewRequest(http.MethodGet, AssetPath+b.version+"/"+name, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
					t.Errorf("%s: %d, Content-Encoding %q", name, rec.Code, rec.Header().Get("Content-Encoding"))
				}
				bodies[i] = rec.Body.Bytes()
			})
		}
		wg.Wait()
		for i := range bodies {
			if len(bodies[i]) == 0 || !bytes.Equal(bodies[i], bodies[0]) {
				t.Errorf("%s: response %d differs from response 0", name, i)
			}
		}
	}
}
