package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// flags is a command's flag set in which every flag may also be given as an
// environment variable; the flag wins over the variable, the variable over
// the default.
type flags struct {
	*flag.FlagSet
	getenv func(string) string
	envs   map[string]string // flag name → variable
	errs   []string          // variables that did not parse
}

func newFlags(name string, getenv func(string) string, out io.Writer) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	return &flags{FlagSet: fs, getenv: getenv, envs: map[string]string{}}
}

func (f *flags) env(name, variable string) (string, bool) {
	f.envs[name] = variable
	v := f.getenv(variable)
	return v, v != ""
}

func (f *flags) usage(variable, usage string) string {
	return fmt.Sprintf("%s (env %s)", usage, variable)
}

func (f *flags) String(p *string, name, variable, def, usage string) {
	if v, ok := f.env(name, variable); ok {
		def = v
	}
	f.StringVar(p, name, def, f.usage(variable, usage))
}

func (f *flags) Int(p *int, name, variable string, def int, usage string) {
	if v, ok := f.env(name, variable); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Sprintf("%s=%q is not a whole number", variable, v))
		}
		def = n
	}
	f.IntVar(p, name, def, f.usage(variable, usage))
}

func (f *flags) Duration(p *time.Duration, name, variable string, def time.Duration, usage string) {
	if v, ok := f.env(name, variable); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Sprintf("%s=%q is not a duration such as 30s", variable, v))
		}
		def = d
	}
	f.DurationVar(p, name, def, f.usage(variable, usage))
}

func (f *flags) Bool(p *bool, name, variable string, def bool, usage string) {
	if v, ok := f.env(name, variable); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Sprintf("%s=%q is not true or false", variable, v))
		}
		def = b
	}
	f.BoolVar(p, name, def, f.usage(variable, usage))
}

// parse parses args; a bad environment variable is an error too.
func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		return err
	}
	if len(f.errs) > 0 {
		return fmt.Errorf("%s", strings.Join(f.errs, "; "))
	}
	if f.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q; see jaring %s --help", f.Name(), f.Args(), f.Name())
	}
	return nil
}

// parseFile parses args that name one file besides the flags, before,
// between or after them.
func (f *flags) parseFile(args []string) (string, error) {
	var files []string
	for {
		if err := f.Parse(args); err != nil {
			return "", err
		}
		if f.NArg() == 0 {
			break
		}
		files = append(files, f.Arg(0))
		args = f.Args()[1:]
	}
	if len(f.errs) > 0 {
		return "", fmt.Errorf("%s", strings.Join(f.errs, "; "))
	}
	switch len(files) {
	case 0:
		return "", errors.New("no file given; give the file to import, or - for standard input")
	case 1:
		return files[0], nil
	}
	return "", fmt.Errorf("one file at a time, got %d: %q", len(files), files)
}
