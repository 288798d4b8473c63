package server

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jaring-id/jaring/internal/jaring"
)

// Bounds of the operation label: the operation name is the caller's text,
// and every distinct value is a series kept in memory for the process's
// life, so a caller sending made-up names must not grow it without end.
const (
	// maxOperationNameLen is where a longer operation name is cut.
	maxOperationNameLen = 64
	// maxOperationNames is how many distinct names get a label of their
	// own; the ones seen after them are counted as OtherOperation.
	maxOperationNames = 200
	// OtherOperation is the label of operations past maxOperationNames
	// and of names that are no GraphQL name. It is no GraphQL name itself,
	// so no real operation shares it.
	OtherOperation = "(other)"
)

// codes are the error codes the API promises, each a label of
// jaring_graphql_errors_total from the start, so that a rate over a code
// that has not happened yet is 0 and not "no data".
var codes = jaring.Codes

// Metrics is what /metrics shows, in Prometheus's text format: GraphQL
// requests, their latency and errors, the database pool and the audit log's
// writer, and the Go runtime. It keeps a registry of its own, never the
// global one, so two hubs in one process (tests) count apart. docs/operations.md
// lists every metric. Its methods are safe for concurrent use.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	auditBatch prometheus.Histogram
	names      operationNames
}

// NewMetrics returns Metrics with the request and audit-batch metrics and
// the Go runtime's; WatchPool and WatchAuditQueue add the rest.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jaring_graphql_requests_total",
			Help: fmt.Sprintf("GraphQL requests answered, by the operation name the request gave (\"\" for none, %s past the first %d names).", OtherOperation, maxOperationNames),
		}, []string{"operation"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jaring_graphql_request_duration_seconds",
			Help:    "Time from a GraphQL request's arrival to its answer, by operation name as in jaring_graphql_requests_total.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jaring_graphql_errors_total",
			Help: "Errors in GraphQL responses, and requests refused before GraphQL ran (401, 413, 503), by extensions.code.",
		}, []string{"code"}),
		auditBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "jaring_audit_batch_events",
			Help:    "Events written per group commit of the audit log.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9), // 1 to 256, the largest batch
		}),
		names: operationNames{seen: map[string]bool{}},
	}
	for _, c := range codes {
		m.errors.WithLabelValues(string(c))
	}
	m.reg.MustRegister(m.requests, m.duration, m.errors, m.auditBatch,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is where the metrics are registered; a caller may add its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveAuditBatch counts a group commit of n events; it is the audit
// log's OnBatch.
func (m *Metrics) ObserveAuditBatch(n int) { m.auditBatch.Observe(float64(n)) }

// WatchAuditQueue shows queued, called at each scrape, as the gauge
// jaring_audit_queue_events.
func (m *Metrics) WatchAuditQueue(queued func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "jaring_audit_queue_events",
		Help: "Audit events handed to the writer and not yet committed.",
	}, func() float64 { return float64(queued()) }))
}

// PoolStater is a connection pool that reports its state: *pgxpool.Pool.
type PoolStater interface {
	Stat() *pgxpool.Stat
}

// WatchPool shows the state of the database pools, read at each scrape and
// added up: the connections the process holds (its main pool and the one
// of the lookups by key, postgres.DB.Keyed).
func (m *Metrics) WatchPool(pools ...PoolStater) { m.reg.MustRegister(poolCollector{pools}) }

// observeRequest counts a GraphQL request that ran the operation the
// request named name, took took and answered errors of codes.
func (m *Metrics) observeRequest(name string, took time.Duration, errs []jaring.Code) {
	op := m.names.label(name)
	m.requests.WithLabelValues(op).Inc()
	m.duration.WithLabelValues(op).Observe(took.Seconds())
	for _, c := range errs {
		m.errors.WithLabelValues(string(c)).Inc()
	}
}

// operationNames bounds the operation label.
type operationNames struct {
	mu   sync.Mutex
	seen map[string]bool
}

// label is the operation label of name: "" for none; name cut to
// maxOperationNameLen; OtherOperation for a name that is not a GraphQL name
// or comes after maxOperationNames others.
func (n *operationNames) label(name string) string {
	if name == "" {
		return ""
	}
	if !graphQLName(name) {
		return OtherOperation
	}
	if len(name) > maxOperationNameLen {
		name = name[:maxOperationNameLen]
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen[name] {
		return name
	}
	if len(n.seen) >= maxOperationNames {
		return OtherOperation
	}
	n.seen[name] = true
	return name
}

// graphQLName reports whether s is a GraphQL Name: /[_A-Za-z][_0-9A-Za-z]*/.
func graphQLName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// poolCollector reads the pools' state at each scrape.
type poolCollector struct{ pools []PoolStater }

var (
	poolAcquired = prometheus.NewDesc("jaring_db_pool_acquired_conns",
		"Connections of the database pool in use.", nil, nil)
	poolIdle = prometheus.NewDesc("jaring_db_pool_idle_conns",
		"Connections of the database pool open and idle.", nil, nil)
	poolTotal = prometheus.NewDesc("jaring_db_pool_total_conns",
		"Connections of the database pool open, in use, idle or being opened.", nil, nil)
	poolMax = prometheus.NewDesc("jaring_db_pool_max_conns",
		"Most connections the database pool opens.", nil, nil)
	poolAcquires = prometheus.NewDesc("jaring_db_pool_acquires_total",
		"Connections taken from the database pool.", nil, nil)
	poolEmptyAcquires = prometheus.NewDesc("jaring_db_pool_empty_acquires_total",
		"Connections taken from the database pool that had to wait, none being idle.", nil, nil)
	poolCanceled = prometheus.NewDesc("jaring_db_pool_canceled_acquires_total",
		"Waits for a connection of the database pool given up (the request ended first).", nil, nil)
	poolWait = prometheus.NewDesc("jaring_db_pool_acquire_wait_seconds_total",
		"Time spent waiting for connections of the database pool, all waits together.", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolAcquires, poolEmptyAcquires, poolCanceled, poolWait} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	var acquired, idle, total, most, acquires, empty, canceled, wait float64
	for _, p := range c.pools {
		s := p.Stat()
		acquired, idle, total, most = acquired+float64(s.AcquiredConns()), idle+float64(s.IdleConns()), total+float64(s.TotalConns()), most+float64(s.MaxConns())
		acquires, empty, canceled = acquires+float64(s.AcquireCount()), empty+float64(s.EmptyAcquireCount()), canceled+float64(s.CanceledAcquireCount())
		wait += s.AcquireDuration().Seconds()
	}
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolAcquired, acquired)
	gauge(poolIdle, idle)
	gauge(poolTotal, total)
	gauge(poolMax, most)
	counter(poolAcquires, acquires)
	counter(poolEmptyAcquires, empty)
	counter(poolCanceled, canceled)
	counter(poolWait, wait)
}
