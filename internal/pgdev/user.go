package pgdev

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// account is the user that initdb and postgres run as.
type account struct {
	name     string
	uid, gid uint32
	// switchTo is set when we are root and must drop to this account for the
	// server's processes; unset when we run as ourselves.
	switchTo bool
}

// serverAccount picks the user that runs the server for the cluster whose data
// directory is pgdata. PostgreSQL refuses to run as root, so when we are root
// it is the owner of an existing (non-root) data directory, else the system
// user postgres, else nobody. When we are not root it is ourselves.
func serverAccount(pgdata string) (account, error) {
	euid := os.Geteuid()
	if euid != 0 {
		a := account{uid: uint32(euid), gid: uint32(os.Getegid()), name: strconv.Itoa(euid)}
		if u, err := user.LookupId(strconv.Itoa(euid)); err == nil {
			a.name = u.Username
		}
		return a, nil
	}
	if fi, err := os.Stat(pgdata); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 {
			a := account{uid: st.Uid, gid: st.Gid, name: strconv.Itoa(int(st.Uid)), switchTo: true}
			if u, err := user.LookupId(strconv.Itoa(int(st.Uid))); err == nil {
				a.name = u.Username
				if gid, err := strconv.Atoi(u.Gid); err == nil {
					a.gid = uint32(gid)
				}
			}
			return a, nil
		}
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return account{name: name, uid: uint32(uid), gid: uint32(gid), switchTo: true}, nil
	}
	return account{}, errors.New("running as root, and PostgreSQL refuses to run as root, but there is neither a postgres nor a nobody user to run it as: create a postgres system user (apt-get install postgresql does)")
}

// credential returns the SysProcAttr credential that makes a child process
// run as a, or nil when no switch is needed.
func (a account) credential() *syscall.Credential {
	if !a.switchTo {
		return nil
	}
	// Groups nil: the child drops root's supplementary groups.
	return &syscall.Credential{Uid: a.uid, Gid: a.gid}
}

// chown hands path over to a when the server runs as another user.
func (a account) chown(path string) error {
	if !a.switchTo {
		return nil
	}
	return os.Lchown(path, int(a.uid), int(a.gid))
}

// canTraverse reports whether a may search (enter) a directory with the given
// mode and owner. Supplementary groups are dropped when switching users, so
// only the primary group counts.
func (a account) canTraverse(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	if !a.switchTo && os.Geteuid() == 0 {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case st.Uid == a.uid:
		return perm&0o100 != 0
	case st.Gid == a.gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// prepareDir makes dir ready to hold a cluster whose server runs as a:
// every directory above it must exist or be creatable and be enterable by a;
// dir is created if missing (with any missing parents, mode 0700, handed over
// to a). An existing dir that a cannot enter is handed over to a when it is
// empty (a fresh os.MkdirTemp, say), and is an error otherwise.
func prepareDir(dir string, a account) error {
	if err := checkTraversable(filepath.Dir(dir), a); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := mkdirAllFor(dir, a); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if a.canTraverse(fi) {
		return nil
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) == 0 {
		return a.chown(dir)
	}
	return fmt.Errorf("directory %s (%s) cannot be entered by user %s (uid %d), which runs the PostgreSQL server since PostgreSQL refuses to run as root: hand it over (chown -R %s %s) or name a new directory",
		dir, describe(fi), a.name, a.uid, a.name, dir)
}

// checkTraversable checks that a can reach dir: every existing directory from
// / down to dir (dir included, if it exists) must be searchable by a. The
// error names the first blocking directory and its mode.
func checkTraversable(dir string, a account) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var chain []string
	for d := dir; ; d = filepath.Dir(d) {
		chain = append(chain, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		d := chain[i]
		fi, err := os.Stat(d)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // to be created by us, for a
		}
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", d)
		}
		if !a.canTraverse(fi) {
			return fmt.Errorf("directory %s (%s) cannot be entered by user %s (uid %d), which runs the PostgreSQL server since PostgreSQL refuses to run as root: choose a directory elsewhere, not below %s (e.g. under /tmp or /var/tmp)",
				d, describe(fi), a.name, a.uid, d)
		}
	}
	return nil
}

// describe returns the mode and owner of fi, like "mode 0700 drwx------,
// owner root".
func describe(fi fs.FileInfo) string {
	owner := "?"
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		owner = strconv.Itoa(int(st.Uid))
		if u, err := user.LookupId(owner); err == nil {
			owner = u.Username
		}
	}
	return fmt.Sprintf("mode %04o %s, owner %s", fi.Mode().Perm(), fi.Mode(), owner)
}

// mkdirAllFor creates dir and any missing parents with mode 0700 and hands
// every directory it created over to a.
func mkdirAllFor(dir string, a account) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := a.chown(d); err != nil {
			return err
		}
	}
	return nil
}
