// Package hub builds a Jaring hub: the stores on a database, the services in
// front of them, the GraphQL handler over the services and the HTTP server
// around it. The command (cmd/jaring) and the tests build it the same way,
// through New, so what the tests run is what is served.
package hub

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/donor"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/referral"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/server"
	"github.com/jaring-id/jaring/internal/verival"
)

// Config is what a hub is built from.
type Config struct {
	DB *postgres.DB // required
	// AuditDB is where the audit log of reads writes (nil: DB); tests give
	// it a pool of its own to count the statements of loading data alone.
	AuditDB  *postgres.DB
	Log      *slog.Logger
	Policy   *authz.Holder   // required
	Verifier *authz.Verifier // required for Server; the GraphQL handler alone needs none

	Limits        graph.Limits
	DonorLimits   donor.Limits  // what a donor may ask (zero: donor.DefaultLimits)
	Timeout       time.Duration // each request's deadline (0: graph.DefaultTimeout)
	Introspection bool
	// Persisted is the manifest of persisted operations (nil: none), and
	// PersistedOnly serves its operations alone (graph.HandlerConfig).
	Persisted     *graph.Manifest
	PersistedOnly bool
	LoaderWait    time.Duration
	Now           func() time.Time

	// Server is the HTTP server's settings; Log and Auth are set by New,
	// and Metrics when it is nil.
	Server server.Config
}

// Hub is a built hub.
type Hub struct {
	Resolver *graph.Resolver
	Audit    *postgres.AuditLog
	// Metrics counts the requests, the database pool and the audit log's
	// writer; Server serves it at /metrics.
	Metrics *server.Metrics
	// GraphQL is the /graphql handler without authentication: it expects
	// the principal in the request's context (authz.NewContext). Server
	// serves it behind authentication.
	GraphQL http.Handler
	Server  *server.Server // nil when no Verifier was given
}

// New builds a hub on cfg.DB. Close it to flush its audit log.
func New(cfg Config) *Hub {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	// Every line logged during a request names it.
	cfg.Log = slog.New(server.LogHandler(cfg.Log.Handler()))
	auditDB := cfg.AuditDB
	if auditDB == nil {
		auditDB = cfg.DB
	}
	metrics := cfg.Server.Metrics
	if metrics == nil {
		metrics = server.NewMetrics()
	}
	log := postgres.NewAuditLog(auditDB, postgres.AuditOptions{OnBatch: metrics.ObserveAuditBatch})
	metrics.WatchPool(cfg.DB.Pool, cfg.DB.Keyed)
	metrics.WatchAuditQueue(log.Queued)
	registries := &registry.Service{Store: postgres.NewRegistryStore(cfg.DB)}
	orgs := postgres.NewOrganisationStore(cfg.DB)
	r := &graph.Resolver{
		Registry:      registries,
		Benefits:      &benefit.Service{Store: postgres.NewBenefitStore(cfg.DB, log), Registry: registries},
		Referrals:     &referral.Service{Store: postgres.NewReferralStore(cfg.DB, log)},
		Audit:         &audit.Service{Store: log},
		Donors:        &donor.Service{Store: postgres.NewDonorStore(cfg.DB, log), Audit: log, Limits: cfg.DonorLimits, Now: cfg.Now},
		Imports:       &verival.Importer{Store: postgres.NewImportStore(cfg.DB, log)},
		Quarantine:    &verival.Quarantine{Store: postgres.NewQuarantineStore(cfg.DB, log)},
		Organisations: orgs,
		Verival:       &verival.Service{Store: postgres.NewVerivalStore(cfg.DB, log), Now: cfg.Now},
		Refs:          graph.NewRefCache(),
	}
	h := &Hub{Resolver: r, Audit: log, Metrics: metrics}
	h.GraphQL = graph.NewHandler(r, graph.HandlerConfig{
		Log: cfg.Log, Policy: cfg.Policy, Audit: log, Limits: cfg.Limits, Timeout: cfg.Timeout,
		Introspection: cfg.Introspection, Persisted: cfg.Persisted, PersistedOnly: cfg.PersistedOnly,
		LoaderWait: cfg.LoaderWait, Now: cfg.Now,
	})
	if cfg.Verifier != nil {
		sc := cfg.Server
		sc.Log = cfg.Log
		sc.Auth = &authz.Authenticator{Verifier: cfg.Verifier, Orgs: orgs}
		sc.Metrics = metrics
		h.Server = server.New(sc, cfg.DB, h.GraphQL)
	}
	return h
}

// Close writes the audit events still queued and stops the audit writer.
// It does not close the database.
func (h *Hub) Close() { h.Audit.Close() }
