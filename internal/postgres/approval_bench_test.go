package postgres_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/demo"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// approvalSizes are the register sizes BenchmarkApprovals runs on:
// JARING_BENCH_HOUSEHOLDS, a comma-separated list of numbers of households
// ("30000,300000", each seeded once per test binary into a template), or
// the demo regency alone (2,000) when it is unset. Issue 13 compares two
// sizes: the rate must not fall as the register grows.
func approvalSizes(b *testing.B) []int {
	s := os.Getenv("JARING_BENCH_HOUSEHOLDS")
	if s == "" {
		return []int{0}
	}
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("JARING_BENCH_HOUSEHOLDS=%q: want numbers of households, comma-separated", s)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// approvalDB returns the URL of a copy of a demo regency of n households (0:
// the demo template's).
func approvalDB(b *testing.B, n int) string {
	if n == 0 {
		return pgtest.DemoURL(b)
	}
	template := pgtest.Template(b, fmt.Sprintf("demo-%d", n), func(db *postgres.DB) error {
		start := time.Now()
		d := demo.Generate(demo.Options{Seed: pgtest.DemoOptions.Seed, Households: n, AsOf: pgtest.DemoOptions.AsOf})
		if err := demo.Load(context.Background(), db.Pool, d); err != nil {
			return err
		}
		_, err := db.Pool.Exec(context.Background(), `ANALYZE`)
		b.Logf("seeded %d households in %s", n, time.Since(start).Round(time.Millisecond))
		return err
	})
	return pgtest.CloneOf(b, template)
}

// BenchmarkApprovals approves benefits for random households, from 1 and
// from 16 clients at once: approvals of different households must not queue
// behind each other, and their cost must not grow with the register. Each
// op is one accepted approval, checked against the household's whole ledger.
//
// The figures mean something only on a durable server: run it against one
// with fsync and synchronous_commit on (TEST_DATABASE_URL), not the test
// clusters pgtest starts, which turn both off. It logs the server's settings.
func BenchmarkApprovals(b *testing.B) {
	for _, n := range approvalSizes(b) {
		name := "households=demo"
		if n > 0 {
			name = fmt.Sprintf("households=%d", n)
		}
		b.Run(name, func(b *testing.B) { benchmarkApprovals(b, n) })
	}
}

func benchmarkApprovals(b *testing.B, n int) {
	ctx := context.Background()
	url := approvalDB(b, n)
	db := pgtest.Open(b, pgtest.AppURL(b, url), postgres.WithMaxConns(20))
	var fsync, syncCommit string
	if err := db.Pool.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &syncCommit); err != nil {
		b.Fatal(err)
	}
	b.Logf("fsync=%s synchronous_commit=%s", fsync, syncCommit)
	rows, _ := db.Pool.Query(ctx, `SELECT kk FROM household ORDER BY md5(kk)`) // random order, the same every run
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
