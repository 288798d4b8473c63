package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how long work goes, on standard error: a bar on a
// terminal, a plain line now and then otherwise, nothing with --quiet. The
// line that closes the work, with its counts and time, is the command's
// own, on standard output, whatever progress shows.
type progress struct {
	w       io.Writer
	name    string
	size    int64 // of the work, in bytes or counts; -1 when not known
	bar     *progressbar.ProgressBar
	quiet   bool
	last    time.Time
	started time.Time
}

// newProgress starts showing the progress of the work name, of size bytes
// (or counts, when bytes is false).
func newProgress(w io.Writer, name string, size int64, bytes, quiet bool) *progress {
	p := &progress{w: w, name: name, size: size, quiet: quiet, started: time.Now()}
	if quiet || !isTerminal(w) {
		return p
	}
	p.bar = progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowBytes(bytes),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true))
	return p
}

// set says that n of the work is done, and what is under way; without a
// bar, it writes a line every 5 seconds.
func (p *progress) set(n int64, what string) {
	switch {
	case p.quiet:
	case p.bar != nil:
		_ = p.bar.Set64(n)
		p.bar.Describe(p.name + ": " + what)
	case time.Since(p.last) >= 5*time.Second:
		p.last = time.Now()
		if p.size > 0 {
			fmt.Fprintf(p.w, "%s: %s (%d%%)\n", p.name, what, n*100/p.size)
		} else {
			fmt.Fprintf(p.w, "%s: %s\n", p.name, what)
		}
	}
}

// step says that a step of the work starts, with n of it done (n < 0: as
// much as before); without a bar, it writes a line.
func (p *progress) step(n int64, what string) {
	switch {
	case p.quiet:
	case p.bar != nil:
		if n >= 0 {
			_ = p.bar.Set64(n)
		}
		p.bar.Describe(p.name + ": " + what)
	default:
		fmt.Fprintf(p.w, "%s: %s (%s)\n", p.name, what, time.Since(p.started).Round(100*time.Millisecond))
	}
}

// Read is told the rows and bytes of an import read so far
// (verival.Progress).
func (p *progress) Read(rows int, bytes int64) {
	p.set(bytes, fmt.Sprintf("%d rows read", rows))
}

// Phase is told the step of an import's merge that starts
// (verival.Progress).
func (p *progress) Phase(name string) {
	if name != "reading" {
		p.step(-1, name)
	}
}

// done takes the bar away.
func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
