package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/verival"
)

// importFiles is `jaring import register FILE` and `jaring import
// benefits --org CODE FILE` (docs/imports.md).
func (m *Main) importFiles(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "register" && args[0] != "benefits") {
		return usageError{errors.New("import needs what to import: jaring import register FILE, or jaring import benefits --org CODE FILE")}
	}
	kind := args[0]
	cfg := &config{}
	file, err := m.flagsFor("import", cfg).parseFile(args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return err
	} else if err != nil {
		return usageError{fmt.Errorf("import %s: %w", kind, err)}
	}
	if kind == "benefits" && cfg.org == "" {
		return usageError{errors.New("import benefits needs --org CODE: the organisation that paid the benefits of the file")}
	}
	log, err := m.logger(cfg)
	if err != nil {
		return err
	}
	d, err := m.openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, d.close()) }()
	return m.runImport(ctx, cfg, log, d.url, kind, file)
}

func (m *Main) runImport(ctx context.Context, cfg *config, log *slog.Logger, url, kind, file string) error {
	db, err := openMigrated(ctx, cfg, url)
	if err != nil {
		return err
	}
	defer db.Close()
	actor, err := importActor(ctx, db, kind, cfg.org)
	if err != nil {
		return err
	}
	in, size, err := openInput(file)
	if err != nil {
		return err
	}
	defer in.Close()

	auditLog := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer auditLog.Close()
	importer := &verival.Importer{Store: postgres.NewImportStore(db, auditLog)}
	progress := newProgress(m.Stderr, displayName(file), size, true, cfg.quiet)
	opts := verival.ImportOptions{File: displayName(file), DryRun: cfg.dryRun, Progress: progress}
	log.Debug("import", "kind", kind, "file", file, "org", actor.Org, "dry-run", cfg.dryRun)
	var rep *verival.Report
	if kind == "register" {
		rep, err = importer.Register(ctx, actor, in, opts)
	} else {
		rep, err = importer.Benefits(ctx, actor, in, opts)
	}
	progress.done()
	if err != nil {
		return fmt.Errorf("import of %s failed, and nothing of it was written: %w", displayName(file), err)
	}
	fmt.Fprintln(m.Stdout, rep)
	if rep.Quarantined > 0 || rep.Flagged > 0 {
		fmt.Fprintf(m.Stdout, "the rows held back are kept whole as data issues: the dataIssues query lists them (import %d)\n", rep.ImportID)
	}
	if cfg.report != "" {
		if err := writeReport(cfg.report, rep); err != nil {
			return err
		}
	}
	return nil
}

// importActor is who imports from the command line: the person at the
// terminal, for the organisation --org names (for the register, the front
// office when --org is not given). The command line holds the database's
// password and sees every row.
func importActor(ctx context.Context, db *postgres.DB, kind, code string) (jaring.Actor, error) {
	orgs := postgres.NewOrganisationStore(db)
	if code == "" {
		c, err := orgs.FrontOffice(ctx)
		if err != nil {
			return jaring.Actor{}, usageError{fmt.Errorf("import %s: %w; name the organisation with --org", kind, err)}
		}
		code = c
	}
	org, err := orgs.FindOrganisationByCode(ctx, code)
	if jaring.ErrorCode(err) == jaring.ENOTFOUND {
		return jaring.Actor{}, usageError{fmt.Errorf("--org %s: no organisation has this code", code)}
	} else if err != nil {
		return jaring.Actor{}, err
	}
	a := jaring.System()
	a.Login, a.Org, a.OrgID, a.OrgKind = postgres.CommandLogin(), org.Code, org.ID, org.Kind
	a.Scope.OrgID = org.ID
	// The override column holds a supervisor's justification, written in
	// the file; whoever holds the database's password may record it.
	a.MayOverride = true
	return a, nil
}

// openInput opens FILE, or standard input for "-"; size is -1 when not
// known.
func openInput(file string) (io.ReadCloser, int64, error) {
	if file == "-" {
		return io.NopCloser(os.Stdin), -1, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, 0, fmt.Errorf("open the file to import: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, usageError{fmt.Errorf("%s is a folder; give the file to import", file)}
	}
	return f, st.Size(), nil
}

func displayName(file string) string {
	if file == "-" {
		return "stdin"
	}
	return file
}

// writeReport writes the report as JSON to path, whole or not at all.
func writeReport(path string, rep *verival.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	return nil
}
