package server

import (
	"net/http"
	"net/http/pprof"
)

// adminHandler is what the admin address serves: the Go profiler under
// /debug/pprof/ and, with m, the metrics at /metrics. It is a mux of its
// own: nothing here is ever on the main address. (Importing net/http/pprof
// also registers its handlers on http.DefaultServeMux; Jaring serves that
// mux nowhere.)
func adminHandler(m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	if m != nil {
		mux.Handle("GET /metrics", m.Handler())
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return mux
}
