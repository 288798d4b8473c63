package pgdev

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoServer is returned (possibly wrapped; test with errors.Is) when no
// PostgreSQL server binaries can be found on this machine.
var ErrNoServer = errors.New("no PostgreSQL server binaries found (looked in PATH, `pg_config --bindir` and /usr/lib/postgresql/*/bin): install the Debian package postgresql (apt-get install postgresql), or set DATABASE_URL to a server of your own")

// The fallbacks of FindBinDir, variables so that tests can point them at
// nothing. pgConfig is looked up in PATH unless it is a path; "" skips it.
var (
	pgConfig         = "pg_config"
	versionedBinGlob = "/usr/lib/postgresql/*/bin"
)

// FindBinDir finds a directory holding the PostgreSQL server binaries initdb
// and postgres. It looks in PATH first, then in the directory printed by
// `pg_config --bindir`, then in the highest version of
// /usr/lib/postgresql/*/bin (where Debian and Ubuntu install them, outside
// PATH). When none has both binaries it returns ErrNoServer.
func FindBinDir() (string, error) {
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir != "" && hasServerBinaries(dir) {
			return resolveBinDir(absOr(dir)), nil
		}
	}
	if dir := pgConfigBinDir(); dir != "" && hasServerBinaries(dir) {
		return dir, nil
	}
	if versionedBinGlob != "" {
		dirs, _ := filepath.Glob(versionedBinGlob)
		// Highest version first: /usr/lib/postgresql/16/bin before 9.6.
		slices.SortFunc(dirs, func(a, b string) int {
			return compareVersions(filepath.Base(filepath.Dir(b)), filepath.Base(filepath.Dir(a)))
		})
		for _, dir := range dirs {
			if hasServerBinaries(dir) {
				return dir, nil
			}
		}
	}
	return "", ErrNoServer
}

// pgConfigBinDir returns what `pg_config --bindir` prints, or "".
func pgConfigBinDir() string {
	if pgConfig == "" {
		return ""
	}
	path, err := exec.LookPath(pgConfig)
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--bindir").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// hasServerBinaries reports whether dir holds executable initdb and postgres.
func hasServerBinaries(dir string) bool {
	return isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres"))
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// resolveBinDir returns the directory initdb really lives in when dir holds
// symbolic links to the binaries (say /usr/local/bin/initdb ->
// /usr/lib/postgresql/15/bin/initdb), provided that directory holds postgres
// too; else dir.
func resolveBinDir(dir string) string {
	initdb, err := filepath.EvalSymlinks(filepath.Join(dir, "initdb"))
	if err != nil {
		return dir
	}
	if real := filepath.Dir(initdb); hasServerBinaries(real) {
		return real
	}
	return dir
}

func absOr(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// compareVersions compares dotted version strings such as "9.6" and "15"
// numerically, falling back to string order for parts that are not numbers.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		xn, xerr := strconv.Atoi(x)
		yn, yerr := strconv.Atoi(y)
		switch {
		case xerr == nil && yerr == nil:
			if xn != yn {
				return xn - yn
			}
		case x != y:
			return strings.Compare(x, y)
		}
	}
	return 0
}
