package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// BenchmarkApprovals approves benefits for different households, from 1 and
// from 16 clients at once: approvals of different households must not queue
// behind each other (only the audit chain's append is shared). Each op is
// one accepted approval, checked against the household's whole ledger.
func BenchmarkApprovals(b *testing.B) {
	ctx := context.Background()
	url := pgtest.DemoURL(b)
	db := pgtest.Open(b, pgtest.AppURL(b, url), postgres.WithMaxConns(20))
	rows, _ := db.Pool.Query(ctx, `SELECT kk FROM household ORDER BY id`)
	kks, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	b.Cleanup(log.Close)
	var next atomic.Int64
	for _, clients := range []int{1, 16} {
		for _, audited := range []bool{true, false} {
			b.Run(fmt.Sprintf("clients=%d/audit=%v", clients, audited), func(b *testing.B) {
				store := postgres.NewBenefitStore(db, log)
				svc := &benefit.Service{Store: store}
				actor := jaring.Actor{Org: "KESRA", OrgKind: jaring.OrgAgency, Login: "bench", Scope: jaring.Unrestricted()}
				approve := func() {
					// A household no other op touches in this year: every approval is accepted.
					i := next.Add(1)
					year := 2100 + int(i)/len(kks)
					end := jaring.Date(year, 12, 31)
					in := benefit.Input{KK: kks[int(i)%len(kks)], Program: "BLT_DD", Amount: 1,
						Period: jaring.Period{Start: jaring.Date(year, 1, 1), End: &end}, ExternalRef: fmt.Sprintf("B%d", i)}
					c := ctx
					if audited {
						c = audit.WithPending(ctx, audit.NewPending(audit.Event{Actor: "bench", Org: "KESRA", Operation: "mutation recordBenefits"}))
					}
					res, err := svc.Record(c, actor, []benefit.Input{in})
					if err != nil || res[0].Status != benefit.Recorded {
						b.Errorf("%v %+v", err, res)
					}
				}
				b.ResetTimer()
				start := time.Now()
				if clients == 1 {
					for range b.N {
						approve()
					}
				} else {
					// RunParallel starts parallelism × GOMAXPROCS goroutines.
					b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							approve()
						}
					})
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "approvals/s")
			})
		}
	}
}
