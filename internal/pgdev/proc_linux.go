//go:build linux

package pgdev

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr makes a child run as cred (nil: as ourselves), in its own
// process group (so a Ctrl-C to our terminal's process group does not reach
// it before we shut it down in order) and with SIGINT as parent-death signal:
// if we die without stopping it, the kernel asks it for a fast shutdown. Go
// sets the parent-death signal after switching credentials, which would clear
// it otherwise.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGINT}
}

// isPostgresProcess reports whether pid is a live postgres process (and not a
// process that got the pid of a postmaster that died without cleaning up).
func isPostgresProcess(pid int) bool {
	if !processAlive(pid) {
		return false
	}
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return true // cannot tell; assume it is
	}
	switch strings.TrimSpace(string(comm)) {
	case "postgres", "postmaster":
		return true
	}
	return false
}
