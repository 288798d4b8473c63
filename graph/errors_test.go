package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// brokenRegistry fails as a database may: with an error that is no
// Jaring error.
type brokenRegistry struct{ registry.Store }

func (brokenRegistry) FindHouseholdByKK(context.Context, jaring.Scope, string) (*registry.Household, error) {
	return nil, errors.New("read tcp 127.0.0.1:5432: connection reset by peer")
}

// A fault of ours answers INTERNAL with a sentence that explains nothing:
// never the cause, never as the caller's fault.
func TestInternalErrorsExplainNothing(t *testing.T) {
	e := newEnv(t)
	r := *e.hub.Resolver
	registries := *r.Registry
	registries.Store = brokenRegistry{registries.Store}
	r.Registry = &registries
	e.handler = graph.NewHandler(&r, graph.HandlerConfig{Policy: e.policy, Audit: e.audit, Now: fixedNow, Log: quietLog})
	_, body := e.postAs(t, e.as(t, "DINSOS", "", authz.RoleApprover), "x", `{ household(kk: "1904011509090001") { kk } }`, nil)
	if s := string(body); !strings.Contains(s, `"code":"INTERNAL"`) || !strings.Contains(s, `"Internal error."`) || strings.Contains(s, "connection reset") {
		t.Errorf("a database fault answers %s", s)
	}
}
