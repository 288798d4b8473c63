package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/verival"
)

// exportConfig is what `jaring export register-changes` takes.
type exportConfig struct {
	from, to string // the deliberations' days, YYYY-MM-DD, both included
	actor    string // who exports, for the audit log
	purpose  string // why, for the audit log
}

// exportFlags declares the flags of jaring export.
func exportFlags(fs *flags, cfg *exportConfig) {
	fs.String(&cfg.from, "from", "JARING_EXPORT_FROM", "", "first day of the deliberations whose approved changes are exported, YYYY-MM-DD (required)")
	fs.String(&cfg.to, "to", "JARING_EXPORT_TO", "", "last day of those deliberations, YYYY-MM-DD, included (required)")
	fs.String(&cfg.actor, "actor", "JARING_EXPORT_ACTOR", "", "the login of whoever exports, for the audit log (default: $USER)")
	fs.String(&cfg.purpose, "purpose", "JARING_EXPORT_PURPOSE", "usulan perubahan DTSEN hasil musyawarah desa/kelurahan",
		"why the register's data leaves Jaring, for the audit log")
}

// exportUsage is how the command is called.
const exportUsage = "jaring export register-changes --from YYYY-MM-DD --to YYYY-MM-DD FILE (FILE - for standard output)"

// exportedFields are what an export shows in clear, for its audit event:
// the KK, the NIK and what becomes of each family, as the graph names them.
var exportedFields = []string{
	"Household.kk", "Person.nik", "RegisterChange.change", "RegisterChange.reason", "RegisterChange.evidence",
	"RegisterCorrections.address", "RegisterCorrections.rt", "RegisterCorrections.rw", "RegisterCorrections.dusun",
	"RegisterCorrections.name", "RegisterCorrections.birthDate", "RegisterCorrections.birthPlace", "RegisterCorrections.sex",
	"RegisterCorrections.motherName",
}

// export writes the approved register changes of a window of deliberations
// as CSV for the national register (docs/verival.md), recording the export
// in the audit log in the transaction that reads them.
func (m *Main) export(ctx context.Context, args []string) (err error) {
	if len(args) == 0 || args[0] != "register-changes" {
		return usageError{errors.New("export needs a subcommand: " + exportUsage)}
	}
	cfg, file, err := m.parseExport(args[1:])
	if err != nil {
		return err
	}
	from, errFrom := jaring.ParseDate(cfg.export.from)
	to, errTo := jaring.ParseDate(cfg.export.to)
	switch {
	case cfg.export.from == "" || cfg.export.to == "":
		return usageError{errors.New("export register-changes needs --from and --to: " + exportUsage)}
	case errFrom != nil:
		return usageError{fmt.Errorf("--from %q is not a date written as YYYY-MM-DD", cfg.export.from)}
	case errTo != nil:
		return usageError{fmt.Errorf("--to %q is not a date written as YYYY-MM-DD", cfg.export.to)}
	case to.Before(from):
		return usageError{fmt.Errorf("--to %s is before --from %s", cfg.export.to, cfg.export.from)}
	}
	actor := jaring.System()
	actor.Login = cfg.export.actor
	if actor.Login == "" {
		actor.Login = m.Getenv("USER")
	}
	if actor.Login == "" {
		actor.Login = "system"
	}

	// With the CSV on standard output, whatever else the command says goes
	// to standard error.
	say := m.Stdout
	if file == "-" {
		say = m.Stderr
	}
	quiet := *m
	quiet.Stdout = say
	d, err := quiet.openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, d.close()) }()
	db, err := openMigrated(ctx, cfg, d.url)
	if err != nil {
		return err
	}
	defer db.Close()

	var w io.Writer = m.Stdout
	if file != "-" {
		f, err := os.Create(file)
		if err != nil {
			return fmt.Errorf("export register-changes: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("export register-changes: %w", cerr)
			}
			if err != nil {
				os.Remove(file)
			}
		}()
		w = f
	}
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()
	vars, _ := json.Marshal(map[string]string{"from": cfg.export.from, "to": cfg.export.to, "file": file})
	ctx = audit.WithPending(ctx, audit.NewPending(audit.Event{Actor: actor.Login, Org: actor.Org, Operation: "export register-changes",
		Fields: exportedFields, Variables: vars, Purpose: cfg.export.purpose}))
	start := time.Now()
	svc := &verival.Service{Store: postgres.NewVerivalStore(db, log)}
	n, err := svc.Export(ctx, actor, from, to, w)
	if err != nil {
		if msg := jaring.ErrorMessage(err); jaring.ErrorCode(err) != jaring.EINTERNAL {
			return errors.New(msg)
		}
		return err
	}
	fmt.Fprintf(say, "exported %d approved register changes of the deliberations held from %s to %s to %s in %s (recorded in the audit log)\n",
		n, cfg.export.from, cfg.export.to, file, time.Since(start).Round(time.Millisecond))
	return nil
}

// parseExport reads the flags of jaring export register-changes and the
// one FILE after them.
func (m *Main) parseExport(args []string) (*config, string, error) {
	cfg := &config{}
	fs := m.flagsFor("export", cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, "", err
		}
		return nil, "", usageError{fs.flagError(err)}
	}
	if len(fs.errs) > 0 {
		return nil, "", usageError{errors.New(strings.Join(fs.errs, "; "))}
	}
	if fs.NArg() != 1 {
		return nil, "", usageError{fmt.Errorf("export register-changes takes one FILE after its flags, got %q: %s", fs.Args(), exportUsage)}
	}
	return cfg, fs.Arg(0), nil
}
