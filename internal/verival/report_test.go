package verival

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

func TestReportCheck(t *testing.T) {
	start := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	good := func() Report {
		return Report{File: "register.txt", StartedAt: start, FinishedAt: start.Add(2 * time.Second),
			Read: 10, Inserted: 5, Updated: 2, Unchanged: 1, Quarantined: 2,
			Reasons: map[Reason]int{InvalidNIK: 2, BadDate: 1}}
	}
	tests := []struct {
		name    string
		change  func(*Report)
		wantErr string // "" for a consistent report
	}{
		{"consistent", func(*Report) {}, ""},
		// Nothing read, nothing done: an empty file is a consistent import.
		{"empty", func(r *Report) { *r = Report{File: "empty.txt"} }, ""},
		// A row lost between reading and writing is the fault Check exists for.
		{"a row lost", func(r *Report) { r.Inserted-- }, "read 10 rows, but inserted, updated, unchanged and quarantined add up to 9"},
		{"a row twice", func(r *Report) { r.Updated++ }, "add up to 11"},
		{"negative", func(r *Report) { r.Unchanged, r.Inserted = -1, 7 }, "unchanged is -1"},
		// A quarantined row always has a reason…
		{"quarantined for nothing", func(r *Report) { r.Reasons = nil }, "2 rows quarantined, but only 0 counted by reason"},
		// …and no reason holds back more rows than were held back.
		{"more by reason than quarantined", func(r *Report) { r.Reasons[BadDate] = 3 }, "3 rows quarantined for BAD_DATE, of 2"},
		{"unknown reason", func(r *Report) { r.Reasons["TYPO"] = 1 }, `"TYPO" is not a reason`},
		{"finished before it started", func(r *Report) { r.FinishedAt = start.Add(-time.Second) }, "before it started"},
	}
	for _, tt := range tests {
		r := good()
		tt.change(&r)
		err := r.Check()
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (jaring.ErrorCode(err) != jaring.EINTERNAL || !strings.Contains(jaring.ErrorMessage(err), tt.wantErr)):
			t.Errorf("%s: error %v, want EINTERNAL containing %q", tt.name, err, tt.wantErr)
		}
	}
}

// A row counts once under each of its reasons, however often a reason
// comes up in it.
func TestReportQuarantine(t *testing.T) {
	var r Report
	r.Quarantine([]Issue{{Reason: MissingField, Field: "nama"}, {Reason: MissingField, Field: "jenis_kelamin"}, {Reason: InvalidKK, Field: "nomor_kk"}})
	r.Quarantine([]Issue{{Reason: InvalidKK, Field: "nomor_kk"}})
	r.Read = 3
	r.Inserted = 1
	if want := map[Reason]int{MissingField: 1, InvalidKK: 2}; r.Quarantined != 2 || !reflect.DeepEqual(r.Reasons, want) {
		t.Errorf("Quarantined %d, Reasons %v; want 2, %v", r.Quarantined, r.Reasons, want)
	}
	if err := r.Check(); err != nil {
		t.Error(err)
	}
}

func TestReportString(t *testing.T) {
	start := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	r := Report{File: "register.txt", StartedAt: start, FinishedAt: start.Add(1234567 * time.Microsecond),
		Read: 1200, Inserted: 1100, Updated: 40, Unchanged: 30, Quarantined: 30,
		Reasons: map[Reason]int{UnknownRegion: 12, InvalidNIK: 20, BadDate: 12}}
	// Most frequent first; ties in the order of their codes.
	want := "register.txt: read 1200 rows: 1100 inserted, 40 updated, 30 unchanged, 30 quarantined (INVALID_NIK 20, BAD_DATE 12, UNKNOWN_REGION 12) in 1.235s"
	if got := r.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	r = Report{File: "benefits.csv", DryRun: true, Read: 1, Unchanged: 1}
	if got, want := r.String(), "benefits.csv: read 1 row: 0 inserted, 0 updated, 1 unchanged, 0 quarantined; dry run, nothing written"; got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

// --report FILE writes the JSON, and reading it back gives the report.
func TestReportJSON(t *testing.T) {
	start := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	r := Report{File: "register.txt", DryRun: true, StartedAt: start, FinishedAt: start.Add(time.Second),
		Read: 3, Inserted: 2, Quarantined: 1, Reasons: map[Reason]int{TruncatedRow: 1}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"file":"register.txt","dryRun":true,"startedAt":"2026-03-02T08:00:00Z","finishedAt":"2026-03-02T08:00:01Z","read":3,"inserted":2,"updated":0,"unchanged":0,"quarantined":1,"reasons":{"TRUNCATED_ROW":1}}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, r) {
		t.Errorf("read back %+v, %v; want %+v", back, err, r)
	}
}
