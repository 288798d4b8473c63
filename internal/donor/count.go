package donor

import (
	"fmt"
	"slices"
	"strconv"
)

// MinCell is the smallest count a donor is shown. A smaller one, in a
// village or a desil band, may come down to a family the reader knows.
const MinCell = 10

// Count is one published count: N, or nothing when Suppressed, in which
// case N is 0 and the true count is not carried at all.
type Count struct {
	N          int
	Suppressed bool
}

// MarshalJSON writes the count as a number, or null when it is
// suppressed.
func (c Count) MarshalJSON() ([]byte, error) {
	if c.Suppressed {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, int64(c.N), 10), nil
}

// Table is a table of counts fit to show a donor: its cells (rows by
// columns, such as districts by desil bands) and its totals.
type Table struct {
	Cells        [][]Count `json:"cells"`
	RowTotals    []Count   `json:"rowTotals"`
	ColumnTotals []Count   `json:"columnTotals"`
	Total        Count     `json:"total"`
}

// Suppress returns the table of counts with its totals, every value that
// could identify a household suppressed. counts must be rectangular and not
// negative (they come from a query, not from a caller); Suppress panics
// otherwise.
//
// Primary suppression hides every value under MinCell, zeros included (a
// zero says "no one here", which is news too), and totals as well as cells.
//
// Complementary suppression then keeps a hidden value from being worked out
// from the shown ones. Each row of the table with its row total, each
// column with its column total, the column totals with the grand total and
// the row totals with the grand total are lines: in each, the parts add up
// to the whole. Two rules run, the second only when the first has nothing
// left to do, until neither changes anything:
//
//  1. A line with exactly one hidden value gives it away by subtraction, so
//     the smallest shown value of that line is hidden too.
//  2. Lines also combine. Say cells aA, aB, bA and bB are hidden, in rows a
//     and b and columns A and B, so that each of those lines holds two.
//     Columns A and B give aA+bA+aB+bB, row a gives aA+aB, so their
//     difference gives bA+bB; if row b hides one more cell, bC, row b then
//     gives bC. In a graph whose vertices are the lines and whose edges are
//     the hidden values (each joins its row line to its column line), a
//     hidden value can be worked out if and only if its edge is a bridge, on
//     no cycle. For such a value, the smallest shown value whose edge
//     closes a cycle through it is hidden too.
//
// "Smallest" prefers a cell to a total, then the lower count, then the
// lower row, then the lower column, so the result is deterministic. Rule 1
// is rule 2's simplest case (an edge at a vertex of degree one is a
// bridge), kept first because it is cheap and hides a value of the same line.
//
// Limits: no hidden value can be worked out exactly, but it can be bounded
// (counts are not negative, so a hidden cell is at most its shown total).
// The suppression is not minimal: another pattern might hide less. And it
// protects one table: two tables over overlapping households (criteria
// that differ by one flag, or counts a day apart) may be subtracted from
// each other, which the caller must prevent by what it lets a donor ask.
// Rule 2 looks for bridges afresh after each value it hides, which is
// quadratic in the hidden values: ample for a regency's villages by six
// desil bands, not meant for a province's.
func Suppress(counts [][]int) Table {
	g := newGrid(counts)
	for i := range g.n {
		for j, n := range g.n[i] {
			g.hidden[i][j] = n < MinCell
		}
	}
	for g.hideSingles() || g.closeBridge() {
	}
	return g.table()
}

// grid holds the table and its totals as one matrix: row r and column c are
// the margins, entry (r, c) the grand total. Line i < r+1 is row i; line
// r+1+j is column j.
type grid struct {
	r, c   int // the table's rows and columns, without margins
	n      [][]int
	hidden [][]bool
}

func newGrid(counts [][]int) *grid {
	r, c := len(counts), 0
	if r > 0 {
		c = len(counts[0])
	}
	g := &grid{r: r, c: c, n: make([][]int, r+1), hidden: make([][]bool, r+1)}
	for i := range g.n {
		g.n[i] = make([]int, c+1)
		g.hidden[i] = make([]bool, c+1)
	}
	for i, row := range counts {
		if len(row) != c {
			panic(fmt.Sprintf("donor.Suppress: row %d has %d counts, row 0 has %d", i, len(row), c))
		}
		for j, n := range row {
			if n < 0 {
				panic(fmt.Sprintf("donor.Suppress: count (%d, %d) is %d", i, j, n))
			}
			g.n[i][j] = n
			g.n[i][c] += n
			g.n[r][j] += n
			g.n[r][c] += n
		}
	}
	return g
}

type entry struct{ i, j int }

// line returns the entries of line k.
func (g *grid) line(k int) []entry {
	var out []entry
	if k <= g.r {
		for j := 0; j <= g.c; j++ {
			out = append(out, entry{k, j})
		}
		return out
	}
	for i := 0; i <= g.r; i++ {
		out = append(out, entry{i, k - g.r - 1})
	}
	return out
}

// lines returns the two lines entry e lies on: its row and its column.
func (g *grid) lines(e entry) (row, col int) { return e.i, g.r + 1 + e.j }

// hideSingles applies rule 1 to every line once and reports whether it hid
// anything.
func (g *grid) hideSingles() bool {
	changed := false
	for k := range g.r + g.c + 2 {
		line := g.line(k)
		hidden := 0
		for _, e := range line {
			if g.hidden[e.i][e.j] {
				hidden++
			}
		}
		if hidden == 1 && g.hideSmallest(line) {
			changed = true
		}
	}
	return changed
}

// closeBridge applies rule 2 to the first hidden value that is a bridge and
// reports whether it hid anything.
func (g *grid) closeBridge() bool {
	for i := range g.hidden {
		for j := range g.hidden[i] {
			if !g.hidden[i][j] {
				continue
			}
			e := entry{i, j}
			row, col := g.lines(e)
			side := g.reach(row, e)
			if side[col] {
				continue // on a cycle
			}
			other := g.reach(col, e)
			var across []entry // shown entries between the two sides
			for a := range g.n {
				for b := range g.n[a] {
					x, y := g.lines(entry{a, b})
					if !g.hidden[a][b] && (side[x] && other[y] || other[x] && side[y]) {
						across = append(across, entry{a, b})
					}
				}
			}
			if g.hideSmallest(across) {
				return true
			}
		}
	}
	return false
}

// reach returns the lines reachable from line start through hidden
// entries other than skip.
func (g *grid) reach(start int, skip entry) []bool {
	seen := make([]bool, g.r+g.c+2)
	seen[start] = true
	for stack := []int{start}; len(stack) > 0; {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range g.line(k) {
			if !g.hidden[e.i][e.j] || e == skip {
				continue
			}
			row, col := g.lines(e)
			for _, next := range []int{row, col} {
				if !seen[next] {
					seen[next] = true
					stack = append(stack, next)
				}
			}
		}
	}
	return seen
}

// hideSmallest hides the smallest shown entry among es and reports whether
// there was one.
func (g *grid) hideSmallest(es []entry) bool {
	es = slices.DeleteFunc(slices.Clone(es), func(e entry) bool { return g.hidden[e.i][e.j] })
	if len(es) == 0 {
		return false
	}
	e := slices.MinFunc(es, g.compare)
	g.hidden[e.i][e.j] = true
	return true
}

// compare orders entries by preference for hiding: cells before totals,
// then by count, row and column.
func (g *grid) compare(a, b entry) int {
	total := func(e entry) int {
		if e.i == g.r || e.j == g.c {
			return 1
		}
		return 0
	}
	if d := total(a) - total(b); d != 0 {
		return d
	}
	if d := g.n[a.i][a.j] - g.n[b.i][b.j]; d != 0 {
		return d
	}
	if a.i != b.i {
		return a.i - b.i
	}
	return a.j - b.j
}

func (g *grid) table() Table {
	count := func(i, j int) Count {
		if g.hidden[i][j] {
			return Count{Suppressed: true}
		}
		return Count{N: g.n[i][j]}
	}
	t := Table{
		Cells:        make([][]Count, g.r),
		RowTotals:    make([]Count, g.r),
		ColumnTotals: make([]Count, g.c),
		Total:        count(g.r, g.c),
	}
	for i := range g.r {
		t.Cells[i] = make([]Count, g.c)
		for j := range g.c {
			t.Cells[i][j] = count(i, j)
		}
		t.RowTotals[i] = count(i, g.c)
	}
	for j := range g.c {
		t.ColumnTotals[j] = count(g.r, j)
	}
	return t
}

// The desil bands counts are published in, in order.
var desilBands = [...]string{"1-2", "3-4", "5-6", "7-8", "9-10", "unranked"}

// DesilBands returns the labels of the desil bands, in the order tables
// list them: "1-2", "3-4", "5-6", "7-8", "9-10", "unranked".
func DesilBands() []string { return slices.Clone(desilBands[:]) }

// DesilBand returns the label of the band of a desil, 1 to 10, or
// "unranked" for nil. It panics for a desil outside 1–10, which the
// register does not hold.
func DesilBand(desil *int) string {
	if desil == nil {
		return desilBands[len(desilBands)-1]
	}
	if *desil < 1 || *desil > 10 {
		panic(fmt.Sprintf("donor.DesilBand: desil %d is not 1 to 10", *desil))
	}
	return desilBands[(*desil-1)/2]
}
