package verival

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
)

// ExportRow is one approved change as the national register takes it: the
// change, the household's KK and the member's NIK, and the deliberation
// that decided it.
type ExportRow struct {
	Change       *Change
	KK           string
	NIK          string // "" for a change of the whole household
	Deliberation *Deliberation
}

// ExportColumns are the export's columns, in order (docs/verival.md
// describes each).
var ExportColumns = []string{
	"change_id", "kk", "nik", "change", "reason", "village_code", "village_name",
	"deliberation_id", "deliberation_date", "minutes_ref", "decided_at", "evidence",
	"address", "rt", "rw", "dusun", "name", "birth_date", "birth_place", "sex", "mother_name",
}

// WriteExport writes rows as CSV, after a header row of ExportColumns: UTF-8,
// comma-separated, a value quoted when it holds a comma, a quote or a line
// break, dates as 2026-01-31, the time of the decision in RFC 3339 (UTC).
// An UPDATE's corrected values fill the last columns; the others leave them
// empty.
func WriteExport(w io.Writer, rows []ExportRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return fmt.Errorf("write export header: %w", err)
	}
	for _, r := range rows {
		c, d := r.Change, r.Deliberation
		village := d.RegionCode
		if reg, ok := region.Lookup(d.RegionCode); ok {
			village = reg.Name
		}
		decided := ""
		if c.DecidedAt != nil {
			decided = c.DecidedAt.UTC().Format(time.RFC3339)
		}
		rec := []string{
			strconv.FormatInt(c.ID, 10), r.KK, r.NIK, string(c.Kind), string(c.Reason), d.RegionCode, village,
			strconv.FormatInt(d.ID, 10), d.Date.Format(jaring.DateLayout), d.MinutesRef, decided, c.Evidence,
		}
		rec = append(rec, corrected(c.Corrections)...)
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write export row of register change %d: %w", c.ID, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

// corrected is the values of the export's correction columns.
func corrected(c *Corrections) []string {
	out := make([]string, 9)
	if c == nil {
		return out
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	out[0], out[1], out[2], out[3], out[4] = str(c.Address), str(c.RT), str(c.RW), str(c.Dusun), str(c.Name)
	if c.BirthDate != nil {
		out[5] = c.BirthDate.Format(jaring.DateLayout)
	}
	out[6] = str(c.BirthPlace)
	if c.Sex != nil {
		out[7] = string(*c.Sex)
	}
	out[8] = str(c.MotherName)
	return out
}
