package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/demo"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
)

// demoToken is a caller `jaring dev` prints a token for.
type demoToken struct {
	org    string
	role   authz.Role
	region string
	label  string
}

var demoTokens = []demoToken{
	{"SILAKSO", authz.RoleOperator, "", "front office: takes applications"},
	{"SILAKSO", authz.RoleVerifier, "", "front office: verifies, reads trails"},
	{"DINSOS", authz.RoleApprover, "", "agency: decides and pays"},
	{"DINSOS", authz.RoleSupervisor, "", "agency: approves, may override"},
	{"DINKES", authz.RoleViewer, "", "agency dashboard: masked"},
	{"DINKES", authz.RoleApprover, "", "health agency: pays premiums, reviews"},
	{"PERKIM", authz.RoleApprover, "", "housing agency: house repairs"},
	{"BAZNAS", authz.RoleApprover, "", "zakat agency"},
	{"DESA", authz.RoleOperator, "19.04.01", "village operator of Koba"},
	{"DESA", authz.RoleApprover, "19.04.01", "village head's office of Koba"},
	{"CSR-A", authz.RoleDonor, "", "CSR donor A"},
	{"CSR-B", authz.RoleDonor, "", "CSR donor B"},
	{"INSPEKTORAT", authz.RoleAuditor, "", "auditor"},
	{"SILAKSO", authz.RoleAdmin, "", "administrator"},
}

// printDemoTokens prints a token for each demo role, and keeps them in the
// data directory's tokens.txt.
func (m *Main) printDemoTokens(cfg *config, addr string) error {
	secret, err := authz.LoadSecret(m.Getenv, cfg.dataDir)
	if err != nil {
		return err
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Tokens for the demo roles (valid 8 hours; `jaring token --help` mints others).\n")
	fmt.Fprintf(tw, "Send one as  Authorization: Bearer <token>  and say why you read personal data in  X-Purpose: <why>.\n\n")
	for _, d := range demoTokens {
		tok, err := authz.Mint(secret, authz.Claims{Subject: strings.ToLower(d.org) + "-" + string(d.role), Org: d.org,
			OrgKind: authz.DemoOrgKinds[d.org], Roles: []authz.Role{d.role}, Region: d.region, TTL: 8 * time.Hour}, time.Now())
		if err != nil {
			return fmt.Errorf("mint demo token: %w", err)
		}
		who := d.org + " " + string(d.role)
		if d.region != "" {
			who += " " + d.region
		}
		fmt.Fprintf(tw, "%s\t(%s)\t%s\n", who, d.label, tok)
	}
	fmt.Fprintf(tw, "\nFor example:\n  curl -s http://%s/graphql -H 'Authorization: Bearer <token>' -H 'X-Purpose: demo' \\\n    -H 'Content-Type: application/json' -d '{\"query\":\"{ kinds { code } }\"}'\n", addr)
	tw.Flush()
	fmt.Fprint(m.Stdout, b.String())
	if cfg.dataDir != "" {
		path := filepath.Join(cfg.dataDir, "tokens.txt")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Fprintf(m.Stdout, "(also in %s)\n", path)
	}
	return nil
}

// token mints a token, refusing what the server would refuse: the claims
// as the verifier checks them (authz.Mint), the organisation as
// authentication checks it (authz.CheckOrganisation), in the same words.
func (m *Main) token(ctx context.Context, args []string) error {
	cfg, _, err := m.parse("token", args)
	if err != nil {
		return err
	}
	if cfg.org == "" || cfg.roles == "" {
		return usageError{errors.New("token needs --org and --role, for example: jaring token --org DINSOS --role approver")}
	}
	org, err := m.tokenOrganisation(ctx, cfg)
	if err != nil {
		return err
	}
	kind := jaring.OrgKind(strings.ToUpper(cfg.orgKind))
	switch {
	case cfg.orgKind != "":
	case org == nil && cfg.databaseURL == "":
		return usageError{fmt.Errorf("--org-kind is needed for %s, which is no demo organisation (or give --database-url to read the organisation from the database)", cfg.org)}
	case org == nil:
		// The database holds no such organisation: say so, as the server
		// would, rather than that a token without a kind is no token.
		return usageError{errors.New(jaring.ErrorMessage(authz.CheckOrganisation(cfg.org, kind, cfg.region, nil)))}
	case org != nil:
		kind = org.Kind
	}
	var roles []authz.Role
	for _, r := range strings.Split(cfg.roles, ",") {
		roles = append(roles, authz.Role(strings.TrimSpace(r)))
	}
	sub := cfg.subject
	if sub == "" {
		sub = strings.ToLower(cfg.org) + "-" + strings.ReplaceAll(cfg.roles, ",", "-")
	}
	secret, err := authz.LoadSecret(m.Getenv, cfg.dataDir)
	if err != nil {
		return err
	}
	tok, err := authz.Mint(secret, authz.Claims{Subject: sub, Org: cfg.org, OrgKind: kind, Roles: roles, Region: cfg.region, TTL: cfg.ttl}, time.Now())
	if err != nil {
		return usageError{errors.New(jaring.ErrorMessage(err))}
	}
	if org == nil && cfg.databaseURL == "" {
		// Neither a demo organisation nor a database: the server
		// alone knows the organisation's kind and region.
		org = &jaring.Organisation{Code: cfg.org, Kind: kind}
		fmt.Fprintf(m.Stderr, "jaring token: %s is no demo organisation and no --database-url was given: the server checks that it exists, is a %s, and that the token's region lies within its own\n",
			cfg.org, strings.ToLower(string(kind)))
	}
	if err := authz.CheckOrganisation(cfg.org, kind, cfg.region, org); err != nil {
		return usageError{errors.New(jaring.ErrorMessage(err))}
	}
	fmt.Fprintln(m.Stdout, tok)
	return nil
}

// tokenOrganisation is the organisation --org names, as the server will
// find it: read from --database-url when one is given, else one of the
// demo regency's; nil when there is none.
func (m *Main) tokenOrganisation(ctx context.Context, cfg *config) (*jaring.Organisation, error) {
	if cfg.databaseURL == "" {
		for _, o := range demo.Organisations() {
			if o.Code == cfg.org {
				return &jaring.Organisation{Code: o.Code, Name: o.Name, Kind: o.Kind, RegionCode: o.RegionCode}, nil
			}
		}
		return nil, nil
	}
	db, err := openMigrated(ctx, cfg, cfg.databaseURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	org, err := postgres.NewOrganisationStore(db).FindOrganisationByCode(ctx, cfg.org)
	if jaring.ErrorCode(err) == jaring.ENOTFOUND {
		return nil, nil
	}
	return org, err
}

func (m *Main) policy(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "matrix" {
		return usageError{errors.New("policy needs a subcommand: jaring policy matrix [--out docs/permissions.md]")}
	}
	cfg, _, err := m.parse("policy", args[1:])
	if err != nil {
		return err
	}
	p, err := authz.LoadPolicy(cfg.policyDir)
	if err != nil {
		return err
	}
	if err := graph.CheckPolicy(p); err != nil {
		return err
	}
	var b strings.Builder
	if err := authz.WriteMatrix(&b, p, append(graph.Operations(), authz.Capabilities...), graph.Fields(), authz.DemoColumns); err != nil {
		return err
	}
	if cfg.out == "-" {
		_, err := fmt.Fprint(m.Stdout, b.String())
		return err
	}
	if err := os.WriteFile(cfg.out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s\n", cfg.out)
	return nil
}

func (m *Main) audit(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{errors.New("audit needs a subcommand: jaring audit verify")}
	}
	return m.withDatabase(ctx, "audit", args[1:], func(cfg *config, _ *slog.Logger, url string) error {
		db, err := openMigrated(ctx, cfg, url)
		if err != nil {
			return err
		}
		defer db.Close()
		log := postgres.NewAuditLog(db, postgres.AuditOptions{})
		defer log.Close()
		start := time.Now()
		r, err := log.Verify(ctx)
		if err != nil {
			return err
		}
		if b := r.Broken; b != nil {
			where := "the legacy chain"
			if b.Shard != 0 {
				where = fmt.Sprintf("shard %d, seq %d", b.Shard, b.Seq)
			}
			return fmt.Errorf("the audit log is broken at event %d (%s): %s (%d events before it are intact)", b.ID, where, b.Reason, r.Checked)
		}
		fmt.Fprintf(m.Stdout, "the audit log is intact: %d events checked in %s\n", r.Checked, time.Since(start).Round(time.Millisecond))
		printHeads(m.Stdout, r)
		return nil
	})
}

// printHeads writes the digest of r's heads and the heads themselves: what an
// auditor keeps outside the database, to show later that no chain was cut
// back (each head must still be there, with its hash).
func printHeads(w io.Writer, r audit.Report) {
	fmt.Fprintf(w, "heads digest: %x (%d chains; keep it, and the heads below, outside the database)\n", r.Digest(), len(r.Heads))
	for _, h := range r.Heads {
		events := fmt.Sprintf("%d events", h.Events)
		if h.Events == 1 {
			events = "1 event"
		}
		if h.Shard == 0 {
			fmt.Fprintf(w, "  legacy chain: %s, newest id %d hash %x\n", events, h.ID, h.Hash)
			continue
		}
		fmt.Fprintf(w, "  shard %d: %s, newest seq %d id %d hash %x\n", h.Shard, events, h.Seq, h.ID, h.Hash)
	}
}
