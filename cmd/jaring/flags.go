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
// the default. It prints nothing itself: parse returns its errors, and
// flag.ErrHelp for --help, which Main.Run answers with printFlags.
type flags struct {
	*flag.FlagSet
	getenv   func(string) string
	envs     map[string]string // flag name → variable
	defaults map[string]string // flag name → default, as help shows it ("" for none)
	errs     []string          // variables that did not parse
}

func newFlags(name string, getenv func(string) string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{FlagSet: fs, getenv: getenv, envs: map[string]string{}, defaults: map[string]string{}}
}

// env records the flag's variable and default and returns the variable's
// value, if it is set.
func (f *flags) env(name, variable string, def any) (string, bool) {
	f.envs[name] = variable
	f.defaults[name] = fmt.Sprint(def)
	v := f.getenv(variable)
	return v, v != ""
}

// printFlags writes the flags as they are given, --name, each with what it
// does, its variable and its default.
func (f *flags) printFlags(w io.Writer) {
	n := 0
	f.VisitAll(func(fl *flag.Flag) {
		if n++; n == 1 {
			fmt.Fprintln(w, "Flags:")
		}
		typ, usage := flag.UnquoteUsage(fl)
		switch typ {
		case "string":
			typ = " TEXT"
		case "int":
			typ = " N"
		case "duration":
			typ = " DURATION"
		case "":
		default:
			typ = " " + strings.ToUpper(typ)
		}
		fmt.Fprintf(w, "  --%s%s\n      %s\n      env %s", fl.Name, typ, usage, f.envs[fl.Name])
		switch def := f.defaults[fl.Name]; {
		case def == "":
		case typ == " TEXT":
			fmt.Fprintf(w, "; default %q", def)
		default:
			fmt.Fprintf(w, "; default %s", def)
		}
		fmt.Fprintln(w)
	})
	if n == 0 {
		fmt.Fprintln(w, "Flags: none")
	}
}

// flagError rewrites an error of the flag package with the flags as they
// are written here, --name, and says where the flags are listed.
func (f *flags) flagError(err error) error {
	msg := err.Error()
	for _, p := range []string{": -", "flag -"} {
		msg = strings.ReplaceAll(msg, p, p[:len(p)-1]+"--")
	}
	return fmt.Errorf("%s; see jaring %s --help", msg, f.Name())
}

func (f *flags) String(p *string, name, variable, def, usage string) {
	if v, ok := f.env(name, variable, def); ok {
		def = v
	}
	f.StringVar(p, name, def, usage)
}

func (f *flags) Int(p *int, name, variable string, def int, usage string) {
	if v, ok := f.env(name, variable, def); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Sprintf("%s=%q is not a whole number", variable, v))
		}
		def = n
	}
	f.IntVar(p, name, def, usage)
}

func (f *flags) Duration(p *time.Duration, name, variable string, def time.Duration, usage string) {
	if v, ok := f.env(name, variable, def); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Sprintf("%s=%q is not a duration such as 30s", variable, v))
		}
		def = d
	}
	f.DurationVar(p, name, def, usage)
}

func (f *flags) Bool(p *bool, name, variable string, def bool, usage string) {
	if v, ok := f.env(name, variable, def); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Sprintf("%s=%q is not true or false", variable, v))
		}
		def = b
	}
	f.BoolVar(p, name, def, usage)
}

// parse parses args; a bad environment variable is an error too.
func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return f.flagError(err)
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
			if errors.Is(err, flag.ErrHelp) {
				return "", err
			}
			return "", f.flagError(err)
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
