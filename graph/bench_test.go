package graph_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/postgres"
)

// noAudit writes nothing: the baseline the audit's cost is measured from.
type noAudit struct{}

func (noAudit) Write(context.Context, *audit.Event) error { return nil }

// allowAll is a policy that grants every operation, every row of the regency
// and every field in clear: the no-op enforcer that the real policy's cost
// is measured from. It keeps the real field classes.
func allowAll(b *testing.B) *authz.Holder {
	dir := b.TempDir()
	model, _ := os.ReadFile(filepath.Join("..", "policy", "model.conf"))
	real, _ := os.ReadFile(filepath.Join("..", "policy", "policy.csv"))
	rules := []string{
		"p, *, *, class:public, clear, allow", "p, *, *, class:personal, clear, allow", "p, *, *, class:specific, clear, allow",
		"p, *, *, rows:household, regency, allow", "p, *, *, rows:referral, all, allow",
	}
	for _, op := range graph.Operations() {
		rules = append(rules, "p, *, *, op:"+op+", run, allow")
	}
	for _, line := range strings.Split(string(real), "\n") {
		if strings.HasPrefix(line, "g2,") || strings.HasPrefix(line, "g,") {
			rules = append(rules, line)
		}
	}
	os.WriteFile(filepath.Join(dir, "model.conf"), model, 0o644)
	os.WriteFile(filepath.Join(dir, "policy.csv"), []byte(strings.Join(rules, "\n")+"\n"), 0o644)
	h, err := authz.NewHolder(dir, graph.CheckPolicy)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkHouseholdQuery runs the household query an agency runs before it
// approves aid, 16 requests at a time, under: the real policy with masking
// against a no-op policy (audit off in both), and the audit on against off
// (real policy in both). Compare the ns/op of each pair.
func BenchmarkHouseholdQuery(b *testing.B) {
	e := newEnv(b)
	kk := e.scalar(b, `SELECT h.kk FROM household h WHERE (SELECT count(*) FROM person p WHERE p.household_id = h.id) = 4
		AND EXISTS (SELECT 1 FROM benefit x WHERE x.household_id = h.id) ORDER BY h.id LIMIT 1`)
	query := `query($kk: String!) { household(kk: $kk) { kk address desil registerStatus region { name }
		members { nik name birthDate sex relationship disabled benefits { program { code } amount period { start end } status } }
		benefits { kind { code } program { code } source payer { code } amount period { start end } status } } }`
	vars := map[string]any{"kk": kk}
	real := e.policy
	log := postgres.NewAuditLog(e.db, postgres.AuditOptions{})
	b.Cleanup(log.Close)

	variants := []struct {
		name   string
		policy *authz.Holder
		audit  graph.AuditLog
	}{
		{"policy=none/audit=off", allowAll(b), noAudit{}},
		{"policy=real/audit=off", real, noAudit{}},
		{"policy=real/audit=on", real, log},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			h := graph.NewHandler(e.hub.Resolver, graph.HandlerConfig{Policy: v.policy, Audit: v.audit, Now: fixedNow})
			be := &env{db: e.db, handler: h}
			p := e.as(b, "DINSOS", "", authz.RoleApprover)
			if status, body := be.postAs(b, p, "benchmark", query, vars); status != 200 || strings.Contains(string(body), `"errors"`) {
				b.Fatalf("%d %s", status, body)
			}
			b.SetParallelism(8) // 8 × GOMAXPROCS (2 here) = 16 requests at a time
			start := time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					be.postAs(b, p, "benchmark", query, vars)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}
