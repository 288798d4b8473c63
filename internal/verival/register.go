package verival

import (
	"io"
	"strings"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/registry"
)

// The columns of the register export, in the order the field writes them.
const (
	colIDDTKS = iota
	colProvinsi
	colKabupatenKota
	colKecamatan
	colDesaKelurahan
	colAlamat
	colDusun
	colRT
	colRW
	colNomorKK
	colNomorNIK
	colNama
	colTanggalLahir
	colTempatLahir
	colJenisKelamin
	colNamaIbuKandung
	colHubunganKeluarga
)

var registerColumns = []column{
	colIDDTKS:           {name: "iddtks"},
	colProvinsi:         {name: "provinsi", required: true, hint: "the name of the province"},
	colKabupatenKota:    {name: "kabupaten_kota", required: true, hint: "the name of the kabupaten or kota"},
	colKecamatan:        {name: "kecamatan", required: true, hint: "the name of the kecamatan"},
	colDesaKelurahan:    {name: "desa_kelurahan", required: true, hint: "the name of the desa or kelurahan"},
	colAlamat:           {name: "alamat"},
	colDusun:            {name: "dusun"},
	colRT:               {name: "rt"},
	colRW:               {name: "rw"},
	colNomorKK:          {name: "nomor_kk", required: true, hint: "the 16-digit number of the family card (KK)"},
	colNomorNIK:         {name: "nomor_nik", required: true, hint: "the person's 16-digit NIK, as on the KTP or the KK"},
	colNama:             {name: "nama", required: true, hint: "the person's name as on the KK"},
	colTanggalLahir:     {name: "tanggal_lahir", required: true, hint: "the birth date as on the KK, as YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY"},
	colTempatLahir:      {name: "tempat_lahir"},
	colJenisKelamin:     {name: "jenis_kelamin", required: true, hint: "LAKI-LAKI or PEREMPUAN"},
	colNamaIbuKandung:   {name: "nama_ibu_kandung"},
	colHubunganKeluarga: {name: "hubungan_keluarga"},
}

// RegisterRow is one person of a register export: the line as read, and
// what its values mean once they parse. A value at fault is left zero here,
// with an Issue, and is still in Fields and Raw; so is every value of a line
// cut short, with too many fields, or not UTF-8.
type RegisterRow struct {
	Record
	IDDTKS       string // the register's own ID of the row, as written
	KK           string // the family card: the household
	NIK          string
	Name         string
	BirthDate    time.Time
	BirthPlace   string
	Sex          registry.Sex
	MotherName   string                // the civil registry's check question
	Relationship registry.Relationship // to the head of the household; "" when not given
	Address      string                // alamat
	Dusun        string                // the hamlet (dusun, lingkungan) within the village
	RT, RW       string                // neighbourhood and community units, "001"
	Place        Place                 // the region names as written
	VillageCode  string                // the village Place names: "19.04.01.2003"
}

// RegisterReader reads a register export, the pipe-delimited file of the
// welfare register that regencies already exchange:
//
//	iddtks|provinsi|kabupaten_kota|kecamatan|desa_kelurahan|alamat|dusun|rt|rw|nomor_kk|nomor_nik|nama|tanggal_lahir|tempat_lahir|jenis_kelamin|nama_ibu_kandung|hubungan_keluarga
//
// one person a line, after a header line that names the columns in any
// order (docs/imports.md). It reads a line at a time, so memory does not
// grow with the file. A RegisterReader is not safe for concurrent use.
type RegisterReader struct {
	t     *table
	today time.Time
	// The place of the row before and what it resolved to: an export lists
	// a village's households together, so most rows repeat it.
	last      Place
	lastCode  string
	lastIssue *Issue
}

// NewRegisterReader reads the header of a register export from r. It
// returns an EINVALID *jaring.Error naming the column if the header lacks a
// required one (every column but iddtks, alamat, dusun, rt, rw, tempat_lahir,
// nama_ibu_kandung and hubungan_keluarga) or names one twice; columns it
// does not know are ignored. A UTF-8 byte-order mark is skipped.
func NewRegisterReader(r io.Reader) (*RegisterReader, error) {
	t, err := newTable(r, '|', registerColumns)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &RegisterReader{t: t, today: jaring.Date(now.Year(), now.Month(), now.Day())}, nil
}

// Read returns the next row: every line after the header that is not blank
// is one row, good or bad. It returns io.EOF after the last row, an
// EINVALID *jaring.Error for a line longer than MaxLine, and the reader's
// own errors as they come; the rows before any error are good to use.
func (r *RegisterReader) Read() (RegisterRow, error) {
	rec, ok, err := r.t.next()
	if err != nil {
		return RegisterRow{}, err
	}
	row := RegisterRow{Record: rec}
	if ok {
		r.interpret(&row)
	}
	return row, nil
}

// interpret reads the values of row, column by column in the order of the
// format, and then checks the NIK against the birth date and sex given.
func (r *RegisterReader) interpret(row *RegisterRow) {
	t, rec := r.t, &row.Record
	v := func(c int) string { return t.value(rec, c) }

	row.IDDTKS = v(colIDDTKS)
	row.Place = Place{v(colProvinsi), v(colKabupatenKota), v(colKecamatan), v(colDesaKelurahan)}
	if !t.missing(rec, colProvinsi, colKabupatenKota, colKecamatan, colDesaKelurahan) {
		if row.Place != r.last { // r.last starts as the zero Place, which no row here has
			r.last = row.Place
			r.lastCode, r.lastIssue = ResolvePlace(row.Place)
		}
		if r.lastIssue != nil {
			rec.Issues = append(rec.Issues, *r.lastIssue)
		}
		row.VillageCode = r.lastCode
	}
	row.Address, row.Dusun = v(colAlamat), v(colDusun)
	row.RT = r.unit(rec, colRT, "RT")
	row.RW = r.unit(rec, colRW, "RW")

	if !t.missing(rec, colNomorKK) {
		if _, err := registry.ParseKK(v(colNomorKK)); err != nil {
			rec.Issues = append(rec.Issues, numberIssue(InvalidKK, "nomor_kk", v(colNomorKK), err, "the family card"))
		} else {
			row.KK = v(colNomorKK)
		}
	}
	var nik registry.NIK
	if !t.missing(rec, colNomorNIK) {
		var err error
		if nik, err = registry.ParseNIK(v(colNomorNIK)); err != nil {
			rec.Issues = append(rec.Issues, numberIssue(InvalidNIK, "nomor_nik", v(colNomorNIK), err, "the KTP or the KK"))
		} else {
			row.NIK = nik.Number
		}
	}
	if !t.missing(rec, colNama) {
		row.Name = v(colNama)
	}
	if !t.missing(rec, colTanggalLahir) {
		switch d, err := parseDate(v(colTanggalLahir), true); {
		case err != nil:
			rec.add(BadDate, "tanggal_lahir", "%v; take the date from the KK", err)
		case d.After(r.today):
			rec.add(BadDate, "tanggal_lahir", "is after today; take the date from the KK")
		default:
			row.BirthDate = d
		}
	}
	row.BirthPlace = v(colTempatLahir)
	if !t.missing(rec, colJenisKelamin) {
		if sex, ok := parseSex(v(colJenisKelamin)); ok {
			row.Sex = sex
		} else {
			rec.add(BadValue, "jenis_kelamin", "%q is not a sex Jaring reads; write LAKI-LAKI (or L, 1) or PEREMPUAN (or P, 2)", v(colJenisKelamin))
		}
	}
	row.MotherName = v(colNamaIbuKandung)
	if s := v(colHubunganKeluarga); s != "" {
		if rel, ok := parseRelationship(s); ok {
			row.Relationship = rel
		} else {
			rec.add(BadValue, "hubungan_keluarga", "%q is not a relationship Jaring reads; write KEPALA KELUARGA, ISTRI, SUAMI, ANAK, MENANTU, CUCU, ORANG TUA, MERTUA or FAMILI LAIN, or their numbers 1 to 9", s)
		}
	}

	if row.NIK == "" {
		return
	}
	if b := row.BirthDate; !b.IsZero() {
		n := nik.BirthDate
		if n.Day() != b.Day() || n.Month() != b.Month() || n.Year()%100 != b.Year()%100 {
			rec.add(NIKBirthDateMismatch, "tanggal_lahir", "is not the date nomor_nik carries in its digits 7 to 12 (DDMMYY, with 40 added to the day for women); check both against the KTP")
		}
	}
	if row.Sex != "" && row.Sex != nik.Sex {
		says := "a man's (day of birth under 41)"
		if nik.Sex == registry.Female {
			says = "a woman's (day of birth plus 40)"
		}
		rec.add(NIKSexMismatch, "jenis_kelamin", "is %s, but nomor_nik is %s; check both against the KTP", v(colJenisKelamin), says)
	}
}

// unit reads the RT or RW column c, which may be empty.
func (r *RegisterReader) unit(rec *Record, c int, what string) string {
	s := r.t.value(rec, c)
	if s == "" {
		return ""
	}
	u, ok := parseUnit(s)
	if !ok {
		rec.add(BadValue, r.t.cols[c].name, "%q is not an %s number; write one to three digits, as 1 or 001, or leave it empty", s, what)
	}
	return u
}

// numberIssue is the issue for a NIK or KK that registry.ParseNIK or
// ParseKK refused with err. Like every message, it does not repeat the
// number, nor does any message repeat a name: a message may travel into
// logs and reports where the row may not.
func numberIssue(reason Reason, field, value string, err error, source string) Issue {
	hint := "check it against " + source
	if strings.ContainsAny(value, "eE") && strings.ContainsAny(value, "+.,") {
		hint = "a spreadsheet has turned it into a number in scientific notation; format the column as text and export again"
	}
	return issuef(reason, field, "%s; %s", jaring.ErrorMessage(err), hint)
}
