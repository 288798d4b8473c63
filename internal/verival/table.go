package verival

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jaring-id/jaring/internal/jaring"
)

// MaxLine is the longest line, in bytes, that the readers take. A row is a
// few hundred bytes; a longer line is a file without line breaks, or not a
// text file at all, and reading it whole would let memory grow with the
// file.
const MaxLine = 64 << 10

// column is a column a format knows.
type column struct {
	name     string // as the format names it: "nomor_nik"
	required bool   // the header must have it, and every row a value in it
	hint     string // what belongs in it, for the MISSING_FIELD message
}

// table reads what the register and benefits formats share: a delimited text
// file whose first line names the columns, one row a line. A value may be
// quoted to hold the separator or a quote (doubled, ""), but not a line
// break: a line is always one row, so an unclosed quote spoils its own row
// and never the rest of the file, and memory never holds more than a line.
type table struct {
	br    *bufio.Reader
	sep   byte
	line  int      // the number of the line last read
	width int      // the number of fields in the header
	names []string // names[i] is what to call field i in a message
	at    []int    // at[c] is the field index of the format's column c, or -1
	cols  []column
	split []string // scratch: the fields of the line being read
}

// newTable reads the header of r and matches it to cols, ignoring case,
// spaces and underscores. A header that lacks a required column, or names
// one twice, is an EINVALID *jaring.Error for the whole file.
func newTable(r io.Reader, sep byte, cols []column) (*table, error) {
	t := &table{br: bufio.NewReaderSize(r, MaxLine), sep: sep, cols: cols}
	var header []byte
	for {
		line, err := t.readLine()
		if err == io.EOF {
			return nil, jaring.Invalid("header", "the file is empty; its first line must name the columns: %s", t.columnList())
		}
		if err != nil {
			return nil, err
		}
		if t.line == 1 {
			if bytes.HasPrefix(line, []byte("\xff\xfe")) || bytes.HasPrefix(line, []byte("\xfe\xff")) {
				return nil, jaring.Invalid("header", "the file is UTF-16 (\"Unicode text\"); save it as UTF-8")
			}
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(line)) > 0 {
			header = line
			break
		}
	}
	fields, open := splitLine(nil, string(header), sep)
	if open >= 0 {
		return nil, jaring.Invalid("header", "line %d: a quote in field %d does not close", t.line, open+1)
	}
	t.width = len(fields)
	t.names = make([]string, len(fields))
	t.at = make([]int, len(cols))
	for c := range t.at {
		t.at[c] = -1
	}
	for i, name := range fields {
		t.names[i] = name
		c := slices.IndexFunc(cols, func(col column) bool { return headerKey(col.name) == headerKey(name) })
		if c < 0 {
			continue // a column the format does not know: kept in Fields, not read
		}
		if t.at[c] >= 0 {
			return nil, jaring.Invalid(cols[c].name, "the header names this column twice, as fields %d and %d", t.at[c]+1, i+1)
		}
		t.at[c], t.names[i] = i, cols[c].name
	}
	var missing []string
	for c, col := range cols {
		if col.required && t.at[c] < 0 {
			missing = append(missing, col.name)
		}
	}
	if len(missing) > 0 {
		return nil, jaring.Invalid(missing[0], "the header lacks the required column%s %s; the first line must name the columns: %s",
			plural(len(missing)), strings.Join(missing, ", "), t.columnList())
	}
	return t, nil
}

// next reads the next row that is not blank. ok is false when the line
// itself is at fault (cut short, too many fields, not UTF-8), so that its
// values are not to be read. The error is io.EOF at the end, an EINVALID
// *jaring.Error for a line longer than MaxLine, or the reader's own.
func (t *table) next() (rec Record, ok bool, err error) {
	for {
		line, err := t.readLine()
		if err != nil {
			return Record{}, false, err
		}
		if len(bytes.TrimSpace(line)) > 0 {
			rec = Record{Line: t.line, Raw: string(line)}
			break
		}
	}
	if !utf8.ValidString(rec.Raw) || strings.IndexByte(rec.Raw, 0) >= 0 {
		rec.add(BadEncoding, "", "the line is not valid UTF-8 text; save the file as UTF-8")
	}
	var open int
	t.split, open = splitLine(t.split[:0], rec.Raw, t.sep)
	rec.Fields = slices.Clone(t.split)
	switch n := len(rec.Fields); {
	case open >= 0:
		rec.add(TruncatedRow, t.name(open), "the quote that opens this value does not close before the line ends, and a value may not run over lines; close the quote, or take the row again from the source")
	case n < t.width:
		rec.add(TruncatedRow, t.name(n), "the row ends after %d of the header's %d fields: the file is cut off here, or a line break split a value; take the row again from the source", n, t.width)
	case n > t.width:
		rec.add(ExtraFields, "", "the row has %d fields and the header %d: a value holds an unquoted %q; put that value in double quotes", n, t.width, t.sep)
	}
	return rec, rec.Valid(), nil
}

// value returns the value of the format's column c in rec, or "" if the
// file has no such column.
func (t *table) value(rec *Record, c int) string {
	if i := t.at[c]; i >= 0 && i < len(rec.Fields) {
		return rec.Fields[i]
	}
	return ""
}

// missing adds a MISSING_FIELD issue to rec for each required column of cs
// that is empty, and reports whether there was one.
func (t *table) missing(rec *Record, cs ...int) bool {
	found := false
	for _, c := range cs {
		if t.value(rec, c) == "" {
			rec.add(MissingField, t.cols[c].name, "is empty; give %s", t.cols[c].hint)
			found = true
		}
	}
	return found
}

// readLine returns the next line without its line end (\n or \r\n; a lone
// \r at the very end counts as one too, for a file cut between the two).
// The slice is only valid until the next call.
func (t *table) readLine() ([]byte, error) {
	line, err := t.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, jaring.Errorf(jaring.EINVALID, "line %d is longer than %d bytes, where a row takes a few hundred: is this the right file, with a line break after each row?", t.line+1, MaxLine)
	case err == io.EOF && len(line) == 0:
		return nil, io.EOF
	case err != nil && err != io.EOF:
		return nil, fmt.Errorf("read line %d: %w", t.line+1, err)
	}
	t.line++
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), nil
}

// name returns what to call field i in a message: the column's name in the
// format, or as the header writes it, or its position past the header.
func (t *table) name(i int) string {
	if i < len(t.names) && t.names[i] != "" {
		return t.names[i]
	}
	return fmt.Sprintf("field %d", i+1)
}

func (t *table) columnList() string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	return strings.Join(names, string(t.sep))
}

// headerKey is a header name as matched: lower case, without spaces or
// underscores, so that "Nomor KK" and "NOMOR_KK" both name nomor_kk.
func headerKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '_':
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// splitLine cuts line into its fields at sep, appends them to dst, and
// returns the index of a field whose quote does not close, or -1.
//
// Each field is trimmed of surrounding spaces. One that then starts with a
// double quote is quoted: it runs to the next quote followed only by spaces
// and then sep or the end of the line; "" inside stands for one quote, and
// any other quote inside is taken as it is (so "Jl. "Mawar" 3" reads as
// Jl. "Mawar" 3). The values are slices of line, except where "" had to be
// undone, so a row costs no allocation per field.
func splitLine(dst []string, line string, sep byte) ([]string, int) {
	for i := 0; ; {
		j := i
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if j == len(line) || line[j] != '"' {
			end := strings.IndexByte(line[i:], sep)
			if end < 0 {
				return append(dst, strings.TrimSpace(line[i:])), -1
			}
			dst = append(dst, strings.TrimSpace(line[i:i+end]))
			i += end + 1
			continue
		}
		start, escaped := j+1, false
		for k := start; ; {
			q := strings.IndexByte(line[k:], '"')
			if q < 0 {
				return append(dst, strings.TrimSpace(line[start:])), len(dst)
			}
			q += k
			if q+1 < len(line) && line[q+1] == '"' {
				escaped, k = true, q+2
				continue
			}
			m := q + 1
			for m < len(line) && (line[m] == ' ' || line[m] == '\t') {
				m++
			}
			if m < len(line) && line[m] != sep {
				k = q + 1 // a quote inside the value, not its end
				continue
			}
			v := line[start:q]
			if escaped {
				v = strings.ReplaceAll(v, `""`, `"`)
			}
			dst = append(dst, strings.TrimSpace(v))
			if m == len(line) {
				return dst, -1
			}
			i = m + 1
			break
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
