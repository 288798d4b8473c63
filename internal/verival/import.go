package verival

import (
	"context"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/jaring-id/jaring/internal/benefit"
	"github.com/jaring-id/jaring/internal/jaring"
)

// ImportKind is what a file brings in.
type ImportKind string

// The kinds of import.
const (
	RegisterImport ImportKind = "REGISTER" // the register export: households and persons
	BenefitsImport ImportKind = "BENEFITS" // a benefits file: the ledger
)

// ImportOptions tune one import.
type ImportOptions struct {
	// File is the file's name, as the report and the data issues show it;
	// only its last element is kept.
	File string
	// DryRun reads, checks and merges everything, reports what the import
	// would have done, and writes nothing.
	DryRun bool
	// Progress, if set, hears how far the import has got.
	Progress Progress
	// Now gives the time the import starts and ends; time.Now if nil.
	Now func() time.Time
}

// Progress hears how far an import has got: rows and bytes read as the
// file streams in, then the phases of the merge. Calls come from the
// import's goroutine, in order.
type Progress interface {
	Read(rows int, bytes int64)
	Phase(name string)
}

// progressEvery is how many rows are read between two Progress.Read calls.
const progressEvery = 4096

// Import is one import under way: its kind, who imports, the report it
// fills, and the rows. The store pulls the rows (Next) while it copies them
// into staging, fills the report's counts as it merges, and calls Finish
// before it commits.
type Import struct {
	Kind   ImportKind
	Actor  jaring.Actor
	Report *Report
	// SHA256 is the digest of the whole file, known once Next has returned
	// io.EOF: an import of the same content by the same organisation is the
	// same import.
	SHA256 []byte

	next     func() (any, error)
	hash     hash.Hash
	count    *countingReader
	progress Progress
	now      func() time.Time
	rows     int
}

// Next returns the next row, a *RegisterRow or a *BenefitRow by Kind, and
// io.EOF after the last. Any other error fails the import.
func (im *Import) Next() (any, error) {
	row, err := im.next()
	if errors.Is(err, io.EOF) {
		im.SHA256 = im.hash.Sum(nil)
		im.tellRead()
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	im.rows++
	im.Report.Read++
	if im.rows%progressEvery == 0 {
		im.tellRead()
	}
	return row, nil
}

func (im *Import) tellRead() {
	if im.progress != nil {
		im.progress.Read(im.rows, im.count.n)
	}
}

// Phase tells the progress which step of the merge runs.
func (im *Import) Phase(name string) {
	if im.progress != nil {
		im.progress.Phase(name)
	}
}

// Finish closes the report: it sets the time the import finished and
// checks that every row read is counted once (Report.Check). The store
// calls it before it writes the run and commits; an error aborts the
// import.
func (im *Import) Finish() error {
	im.Report.FinishedAt = im.now().UTC()
	return im.Report.Check()
}

// ImportStore merges an import into the database, in one transaction: it
// copies every row into staging, finds what the rows say against each
// other, the register and the ledger, writes the rows that pass, keeps the
// others whole as data issues, records the run and its audit events, and
// commits — or, for a dry run or on any error, writes nothing.
type ImportStore interface {
	Import(ctx context.Context, im *Import) error
}

// Importer is the entry point of imports.
type Importer struct {
	Store ImportStore
}

// Register imports a register export from r for actor (docs/imports.md).
// It returns the report once the file was read to its end and merged, in
// a dry run too, whatever was quarantined; an error means the import
// failed and nothing of it was written: an EINVALID *jaring.Error naming
// the column for a header the reader refuses, the reader's error for a
// broken file, the store's for a failed merge.
func (s *Importer) Register(ctx context.Context, actor jaring.Actor, r io.Reader, opts ImportOptions) (*Report, error) {
	im, err := s.start(RegisterImport, actor, r, opts)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, im)
}

// Benefits imports a benefits file from r, paid by actor's organisation;
// like Register otherwise. Each row is prepared for the ledger as a
// recordBenefits input is (benefit.Prepare): the payer is the actor's
// organisation, and an override needs an actor that may override.
func (s *Importer) Benefits(ctx context.Context, actor jaring.Actor, r io.Reader, opts ImportOptions) (*Report, error) {
	im, err := s.start(BenefitsImport, actor, r, opts)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, im)
}

func (s *Importer) start(kind ImportKind, actor jaring.Actor, r io.Reader, opts ImportOptions) (*Import, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	name := filepath.Base(strings.TrimSpace(opts.File))
	if name == "" || name == "." || name == string(filepath.Separator) {
		name = strings.ToLower(string(kind)) + ".txt"
	}
	h := sha256.New()
	count := &countingReader{r: io.TeeReader(r, h)}
	im := &Import{Kind: kind, Actor: actor, hash: h, count: count, progress: opts.Progress, now: now,
		Report: &Report{File: name, DryRun: opts.DryRun, StartedAt: now().UTC()}}
	switch kind {
	case RegisterImport:
		rr, err := NewRegisterReader(count)
		if err != nil {
			return nil, err
		}
		im.next = func() (any, error) {
			row, err := rr.Read()
			if err != nil {
				return nil, err
			}
			return &row, nil
		}
	case BenefitsImport:
		br, err := NewBenefitReader(count)
		if err != nil {
			return nil, err
		}
		im.next = func() (any, error) {
			row, err := br.Read()
			if err != nil {
				return nil, err
			}
			prepareBenefit(actor, &row)
			return &row, nil
		}
	}
	return im, nil
}

func (s *Importer) run(ctx context.Context, im *Import) (*Report, error) {
	if err := s.Store.Import(ctx, im); err != nil {
		return nil, err
	}
	return im.Report, nil
}

// prepareBenefit makes a row that read well an input of the actor's, as
// recordBenefits does (benefit.Prepare); what Prepare refuses becomes the
// row's issue, at the file's column.
func prepareBenefit(actor jaring.Actor, row *BenefitRow) {
	if !row.Valid() {
		return
	}
	in, err := benefit.Prepare(actor, row.Input)
	if err == nil {
		row.Input = in
		return
	}
	field := benefitColumn(jaring.ErrorField(err))
	reason := BadValue
	if jaring.ErrorCode(err) == jaring.EFORBIDDEN {
		reason = NotPermitted
	}
	msg := jaring.ErrorMessage(err)
	if f := jaring.ErrorField(err); f != "" {
		msg = strings.TrimPrefix(msg, f+": ")
	}
	row.add(reason, field, "%s", msg)
}

// benefitColumn is the column of the benefits file that holds an input's
// field.
func benefitColumn(field string) string {
	switch field {
	case "externalRef":
		return "external_ref"
	case "period", "period.start":
		return "period_start"
	case "period.end":
		return "period_end"
	}
	return field
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
