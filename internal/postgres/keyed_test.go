package postgres_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
)

// The lookups by key run on the pool of generic plans (DB.Keyed), which
// cannot see their arguments: explained with arguments and as generic
// plans, on a register large enough that the planner takes an index
// wherever one serves, none reads a table of the register whole, in any
// kind of scope (every household, a region's, those referred to a donor).
func TestKeyedLookupsUseIndexes(t *testing.T) {
	ctx := context.Background()
	url := writePathDB(t)
	owner := pgtest.Open(t, url)
	// The demo regency refers few of its households: an application and
	// a referral for every household, as a regency's years of service
	// leave them, so that the planner weighs an index against a table of
	// a register's size.
	if _, err := owner.Pool.Exec(ctx, `
		INSERT INTO application (number, household_id, region_code, applicant_id, applicant_nik, type, submitted_by_id, status)
		SELECT 'KEYED-' || h.id, h.id, h.region_code, p.id, p.nik, 'COMPLAINT', (SELECT id FROM organisation WHERE code = 'SILAKSO'), 'REFERRED'
		FROM household h JOIN person p ON p.household_id = h.id AND p.relationship = 'HEAD';
		INSERT INTO referral (application_id, household_id, region_code, from_id, to_id)
		SELECT a.id, a.household_id, a.region_code, a.submitted_by_id, (SELECT id FROM organisation WHERE code = 'DINSOS')
		FROM application a WHERE a.number LIKE 'KEYED-%';
		ANALYZE application, referral`); err != nil {
		t.Fatal(err)
	}
	log := &statementLog{}
	db := pgtest.Open(t, pgtest.AppURL(t, url), postgres.WithTracer(log))
	ids := func(sql string) []int64 {
		t.Helper()
		rows, _ := owner.Pool.Query(ctx, sql)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			t.Fatalf("%s: %v %v", sql, ids, err)
		}
		return ids
	}
	one := func(sql string) string {
		t.Helper()
		var s string
		if err := owner.Pool.QueryRow(ctx, sql).Scan(&s); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return s
	}
	households := ids(`SELECT id FROM household ORDER BY id OFFSET 5000 LIMIT 3`)
	persons := ids(`SELECT id FROM person ORDER BY id OFFSET 7000 LIMIT 3`)
	benefits := ids(`SELECT id FROM benefit ORDER BY id OFFSET 9000 LIMIT 3`)
	applications := ids(`SELECT id FROM application ORDER BY id OFFSET 5000 LIMIT 3`)
	programs := ids(`SELECT id FROM program ORDER BY id LIMIT 2`)
	orgs := ids(`SELECT id FROM organisation ORDER BY id LIMIT 2`)
	kk := one(`SELECT kk FROM household ORDER BY id OFFSET 5000 LIMIT 1`)
	nik := one(`SELECT nik FROM person ORDER BY id OFFSET 7000 LIMIT 1`)
	donor := ids(`SELECT id FROM organisation WHERE kind = 'DONOR' ORDER BY id LIMIT 1`)[0]

	registry, orgStore := postgres.NewRegistryStore(db), postgres.NewOrganisationStore(db)
	benefitStore, referrals := postgres.NewBenefitStore(db, nil), postgres.NewReferralStore(db, nil)
	lookups := map[string]func(jaring.Scope) error{
		"FindHouseholdByKK": func(s jaring.Scope) error {
			_, err := registry.FindHouseholdByKK(ctx, s, kk)
			return notFoundIsFine(err)
		},
		"FindPersonByNIK": func(s jaring.Scope) error {
			_, err := registry.FindPersonByNIK(ctx, s, nik)
			return notFoundIsFine(err)
		},
		"FindHouseholdsByIDs": func(s jaring.Scope) error {
			_, err := registry.FindHouseholdsByIDs(ctx, s, households)
			return err
		},
		"FindHouseholdsByKKs": func(s jaring.Scope) error { _, err := registry.FindHouseholdsByKKs(ctx, s, []string{kk}); return err },
		"FindPersonsByNIKs":   func(s jaring.Scope) error { _, err := registry.FindPersonsByNIKs(ctx, s, []string{nik}); return err },
		"FindPersonsByIDs":    func(s jaring.Scope) error { _, err := registry.FindPersonsByIDs(ctx, s, persons); return err },
		"FindMembers":         func(s jaring.Scope) error { _, err := registry.FindMembers(ctx, s, households); return err },
		"FindBenefitsByHouseholds": func(s jaring.Scope) error {
			_, err := benefitStore.FindBenefitsByHouseholds(ctx, s, households)
			return err
		},
		"FindBenefitsByPersons": func(s jaring.Scope) error {
			_, err := benefitStore.FindBenefitsByPersons(ctx, s, persons)
			return err
		},
		"FindBenefitsByIDs": func(s jaring.Scope) error { _, err := benefitStore.FindBenefitsByIDs(ctx, s, benefits); return err },
		"FindApplicationsByHouseholds": func(s jaring.Scope) error {
			_, err := referrals.FindApplicationsByHouseholds(ctx, s, households)
			return err
		},
		"FindApplicationsByIDs": func(s jaring.Scope) error {
			_, err := referrals.FindApplicationsByIDs(ctx, s, applications)
			return err
		},
		"FindReferralsByHouseholds": func(s jaring.Scope) error {
			_, err := referrals.FindReferralsByHouseholds(ctx, s, households)
			return err
		},
		"FindReferralsByApplications": func(s jaring.Scope) error {
			_, err := referrals.FindReferralsByApplications(ctx, s, applications)
			return err
		},
		"FindProgramsByIDs":      func(jaring.Scope) error { _, err := benefitStore.FindProgramsByIDs(ctx, programs); return err },
		"FindOrganisationsByIDs": func(jaring.Scope) error { _, err := orgStore.FindOrganisationsByIDs(ctx, orgs); return err },
	}
	scopes := map[string]jaring.Scope{
		"every household": jaring.Unrestricted(),
		"a region's":      {Households: jaring.RegionHouseholds, Region: "19.04", OrgID: orgs[0]},
		"a donor's":       {Households: jaring.ReferredHouseholds, OrgID: donor},
	}
	// Every function that sends through the pool of generic plans is
	// explained here.
	for _, f := range keyedFuncs(t) {
		if _, ok := lookups[f]; !ok {
			t.Errorf("%s sends through DB.Keyed, and TestKeyedLookupsUseIndexes does not explain its plans: add it to lookups", f)
		}
	}
	for name, lookup := range lookups {
		for scopeName, scope := range scopes {
			log.take()
			if err := lookup(scope); err != nil {
				t.Fatalf("%s, %s scope: %v", name, scopeName, err)
			}
			stmts := log.take()
			if len(stmts) == 0 {
				t.Fatalf("%s: no statements logged", name)
			}
			for _, b := range registerScans(t, owner, stmts) {
				t.Errorf("%s, %s scope: %s", name, scopeName, b)
			}
		}
	}
}

// keyedFuncs returns the functions of this package that use DB.Keyed.
func keyedFuncs(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var funcs []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || isDBMethod(fn) {
				continue // DB's own methods open and close the pool
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "Keyed" {
					if !slices.Contains(funcs, fn.Name.Name) {
						funcs = append(funcs, fn.Name.Name)
					}
				}
				return true
			})
		}
	}
	return funcs
}

// isDBMethod reports whether fn is a method of DB.
func isDBMethod(fn *ast.FuncDecl) bool {
	if fn.Recv == nil || len(fn.Recv.List) != 1 {
		return false
	}
	star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := star.X.(*ast.Ident)
	return ok && id.Name == "DB"
}

// notFoundIsFine passes an ENOTFOUND (a row out of the scope) as no error.
func notFoundIsFine(err error) error {
	if jaring.ErrorCode(err) == jaring.ENOTFOUND {
		return nil
	}
	return err
}

// The lookups by key go through the pool of generic plans, the others
// through the main pool: each pool's connections have their own
// plan_cache_mode.
func TestKeyedPoolPlansGenerically(t *testing.T) {
	db := pgtest.Open(t, pgtest.DemoURL(t))
	ctx := context.Background()
	for name, pool := range map[string]interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}{"Keyed": db.Keyed, "Pool": db.Pool} {
		var mode string
		if err := pool.QueryRow(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"Keyed": "force_generic_plan", "Pool": "auto"}[name]
		if mode != want {
			t.Errorf("%s: plan_cache_mode = %s, want %s", name, mode, want)
		}
	}
}
