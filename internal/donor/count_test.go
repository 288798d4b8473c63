package donor

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// render writes t one line a row, the row total after a bar, the column
// totals and the grand total last; x is a suppressed value.
func render(t Table) []string {
	show := func(c Count) string {
		if c.Suppressed {
			return "x"
		}
		return strconv.Itoa(c.N)
	}
	line := func(cells []Count, total Count) string {
		var fields []string
		for _, c := range cells {
			fields = append(fields, show(c))
		}
		return strings.Join(append(fields, "|", show(total)), " ")
	}
	var out []string
	for i, row := range t.Cells {
		out = append(out, line(row, t.RowTotals[i]))
	}
	return append(out, line(t.ColumnTotals, t.Total))
}

func TestSuppress(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int
		want   []string
	}{
		// MinCell itself is shown…
		{"10 is shown", [][]int{{10}}, []string{
			"10 | 10",
			"10 | 10"}},
		// …one under it is not, nor are the totals that equal it.
		{"9 is hidden", [][]int{{9}}, []string{
			"x | x",
			"x | x"}},
		// The 9 takes three 20s and 30s with it; the 10 out of their lines stays.
		{"9 hidden, 10 shown", [][]int{{9, 20, 30}, {20, 30, 40}, {30, 40, 10}}, []string{
			"x x 30 | 59",
			"x x 40 | 90",
			"30 40 10 | 80",
			"59 90 80 | 229"}},
		// Row 0 shows its total, so the 9 would be 29-20: the 20 goes too. Column
		// 1 then has one hidden value, so its 40 goes, and column 0's 30.
		{"a second in the row, cascading to the columns", [][]int{{9, 20}, {30, 40}}, []string{
			"x x | 29",
			"x x | 70",
			"39 60 | 99"}},
		// The column total 7 would be 117-110 from the margin: a total goes too.
		{"a small column total", [][]int{{3, 50}, {4, 60}}, []string{
			"x x | 53",
			"x x | 64",
			"x x | 117"}},
		// Every cell is under the grand total, so all of them are hidden.
		{"grand total under 10", [][]int{{4, 5}}, []string{
			"x x | x",
			"x x | x"}},
		// No one here is news too.
		{"all zeros", [][]int{{0, 0}, {0, 0}}, []string{
			"x x | x",
			"x x | x",
			"x x | x"}},
		// In a single row each column total is its cell: they go together.
		{"a single row", [][]int{{12, 5, 30}}, []string{
			"x x 30 | 47",
			"x x 30 | 47"}},
		{"a single column", [][]int{{15}, {5}, {20}}, []string{
			"x | x",
			"x | x",
			"20 | 20",
			"40 | 40"}},
		// Two blocks of hidden cells, joined by bC = 2 in row 1: every line
		// holds two or more, yet columns 0 and 1 less row 0 give bA+bB = 11,
		// and row 1's total 24 less that and bD gives bC. Hiding bD = 11,
		// the smallest value joining the blocks, closes the gap.
		{"a bridge between two blocks", [][]int{
			{3, 4, 50, 60},
			{5, 6, 2, 11},
			{40, 50, 7, 8},
			{45, 55, 9, 1}}, []string{
			"x x 50 60 | 117",
			"x x x x | 24",
			"40 50 x x | 105",
			"45 55 x x | 110",
			"93 115 68 80 | 356"}},
		// Ties go to the lowest row, then the lowest column.
		{"ties", [][]int{{5, 20, 20}, {20, 20, 20}}, []string{
			"x x 20 | 45",
			"x x 20 | 60",
			"25 40 40 | 105"}},
		// A table of nothing has one total, 0.
		{"no rows", nil, []string{"| x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(Suppress(tt.counts))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Suppress(%v) =\n%s\nwant\n%s", tt.counts, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestSuppressNeedsBridges shows that rule 1 alone leaves the bridge case
// open: a value the brute-force check finds determined.
func TestSuppressNeedsBridges(t *testing.T) {
	g := newGrid([][]int{{3, 4, 50, 60}, {5, 6, 2, 11}, {40, 50, 7, 8}, {45, 55, 9, 1}})
	for i := range g.n {
		for j, n := range g.n[i] {
			g.hidden[i][j] = n < MinCell
		}
	}
	for g.hideSingles() {
	}
	if got := determined(g.r, g.c, g.hidden); !got[1][2] {
		t.Errorf("after rule 1, bC is not determined; the test of rule 2 shows nothing")
	}
}

func TestSuppressRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 12))
	for range 2000 {
		rows, cols := 1+rng.IntN(6), 1+rng.IntN(6)
		counts := make([][]int, rows)
		for i := range counts {
			counts[i] = make([]int, cols)
			for j := range counts[i] {
				// Half the cells small, so that tables with much and little
				// suppression both come up.
				if rng.IntN(2) == 0 {
					counts[i][j] = rng.IntN(12)
				} else {
					counts[i][j] = rng.IntN(80)
				}
			}
		}
		got := Suppress(counts)
		if again := Suppress(counts); !reflect.DeepEqual(got, again) {
			t.Fatalf("Suppress(%v) is not deterministic", counts)
		}
		// The table and its totals as one matrix, computed here afresh.
		n := make([][]int, rows+1)
		hidden := make([][]bool, rows+1)
		for i := range n {
			n[i] = make([]int, cols+1)
			hidden[i] = make([]bool, cols+1)
		}
		for i := range rows {
			for j := range cols {
				v := counts[i][j]
				n[i][j], n[i][cols], n[rows][j], n[rows][cols] = v, n[i][cols]+v, n[rows][j]+v, n[rows][cols]+v
			}
		}
		at := func(i, j int) Count {
			switch {
			case i < rows && j < cols:
				return got.Cells[i][j]
			case i < rows:
				return got.RowTotals[i]
			case j < cols:
				return got.ColumnTotals[j]
			}
			return got.Total
		}
		for i := range n {
			for j := range n[i] {
				c := at(i, j)
				hidden[i][j] = c.Suppressed
				switch {
				case c.Suppressed && c.N != 0:
					t.Fatalf("Suppress(%v): value (%d, %d) is suppressed but carries %d", counts, i, j, c.N)
				case !c.Suppressed && c.N != n[i][j]:
					t.Fatalf("Suppress(%v): value (%d, %d) is %d, want %d", counts, i, j, c.N, n[i][j])
				case !c.Suppressed && c.N < MinCell:
					t.Fatalf("Suppress(%v): value (%d, %d) = %d is shown", counts, i, j, c.N)
				}
			}
		}
		for i := range n {
			if k := countTrue(hidden[i]); k == 1 {
				t.Fatalf("Suppress(%v): row line %d has one suppressed value\n%s", counts, i, strings.Join(render(got), "\n"))
			}
		}
		for j := range cols + 1 {
			var col []bool
			for i := range n {
				col = append(col, hidden[i][j])
			}
			if countTrue(col) == 1 {
				t.Fatalf("Suppress(%v): column line %d has one suppressed value\n%s", counts, j, strings.Join(render(got), "\n"))
			}
		}
		det := determined(rows, cols, hidden)
		for i := range det {
			for j := range det[i] {
				if hidden[i][j] && det[i][j] {
					t.Fatalf("Suppress(%v): value (%d, %d) can be worked out from the others\n%s", counts, i, j, strings.Join(render(got), "\n"))
				}
			}
		}
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// determined reports which hidden values of a table with margins (rows+1 by
// cols+1, as grid holds it) the shown ones fix, by linear algebra rather
// than by the graph argument Suppress relies on: every line says its parts
// minus its whole is 0, and a hidden value is fixed when reducing those
// equations to row echelon form leaves it alone in a row.
func determined(rows, cols int, hidden [][]bool) [][]bool {
	var unknowns [][2]int
	index := map[[2]int]int{}
	for i := range hidden {
		for j := range hidden[i] {
			if hidden[i][j] {
				index[[2]int{i, j}] = len(unknowns)
				unknowns = append(unknowns, [2]int{i, j})
			}
		}
	}
	var m [][]float64
	equation := func(parts, whole [][2]int) {
		row := make([]float64, len(unknowns))
		for _, p := range parts {
			if k, ok := index[p]; ok {
				row[k]++
			}
		}
		if k, ok := index[whole[0]]; ok {
			row[k]--
		}
		m = append(m, row)
	}
	for i := range rows + 1 {
		var parts [][2]int
		for j := range cols {
			parts = append(parts, [2]int{i, j})
		}
		equation(parts, [][2]int{{i, cols}})
	}
	for j := range cols + 1 {
		var parts [][2]int
		for i := range rows {
			parts = append(parts, [2]int{i, j})
		}
		equation(parts, [][2]int{{rows, j}})
	}
	// Gauss–Jordan elimination; the coefficients are small, so a tolerance
	// tells zero from not.
	const eps = 1e-9
	pivots := 0
	var pivotCol []int
	for col := 0; col < len(unknowns) && pivots < len(m); col++ {
		best := pivots
		for r := pivots; r < len(m); r++ {
			if math.Abs(m[r][col]) > math.Abs(m[best][col]) {
				best = r
			}
		}
		if math.Abs(m[best][col]) < eps {
			continue
		}
		m[pivots], m[best] = m[best], m[pivots]
		p := m[pivots][col]
		for k := range m[pivots] {
			m[pivots][k] /= p
		}
		for r := range m {
			if r != pivots && math.Abs(m[r][col]) > eps {
				f := m[r][col]
				for k := range m[r] {
					m[r][k] -= f * m[pivots][k]
				}
			}
		}
		pivotCol = append(pivotCol, col)
		pivots++
	}
	out := make([][]bool, rows+1)
	for i := range out {
		out[i] = make([]bool, cols+1)
	}
	for r, col := range pivotCol {
		alone := true
		for k, v := range m[r] {
			if k != col && math.Abs(v) > eps {
				alone = false
			}
		}
		if alone {
			out[unknowns[col][0]][unknowns[col][1]] = true
		}
	}
	return out
}

func TestSuppressPanics(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int
	}{
		// A ragged table is a bug in the query that filled it.
		{"ragged", [][]int{{10, 20}, {30}}},
		{"negative", [][]int{{10, -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Suppress(%v) did not panic", tt.counts)
				}
			}()
			Suppress(tt.counts)
		})
	}
}

func TestTableJSON(t *testing.T) {
	data, err := json.Marshal(Suppress([][]int{{9, 20}, {30, 40}}))
	if err != nil {
		t.Fatal(err)
	}
	// A suppressed value is null: nothing of it is left to read.
	const want = `{"cells":[[null,null],[null,null]],"rowTotals":[29,70],"columnTotals":[39,60],"total":99}`
	if string(data) != want {
		t.Errorf("json.Marshal = %s, want %s", data, want)
	}
}

func TestDesilBand(t *testing.T) {
	tests := []struct {
		desil *int
		want  string
	}{
		{intp(1), "1-2"},
		{intp(2), "1-2"},
		{intp(3), "3-4"},
		{intp(6), "5-6"},
		{intp(7), "7-8"},
		{intp(9), "9-10"},
		{intp(10), "9-10"},
		// Households BPS has not ranked are counted, in a band of their own.
		{nil, "unranked"},
	}
	for _, tt := range tests {
		if got := DesilBand(tt.desil); got != tt.want {
			t.Errorf("DesilBand(%v) = %q, want %q", tt.desil, got, tt.want)
		}
	}
	want := []string{"1-2", "3-4", "5-6", "7-8", "9-10", "unranked"}
	bands := DesilBands()
	if !slices.Equal(bands, want) {
		t.Errorf("DesilBands() = %v, want %v", bands, want)
	}
	// The order is the package's, not the caller's to change.
	bands[0] = "changed"
	if DesilBands()[0] != "1-2" {
		t.Error("changing the result of DesilBands changed the bands")
	}
	for _, bad := range []int{0, 11} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DesilBand(%d) did not panic", bad)
				}
			}()
			DesilBand(&bad)
		}()
	}
}
