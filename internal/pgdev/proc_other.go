//go:build !linux

package pgdev

import "syscall"

// sysProcAttr makes a child run as cred (nil: as ourselves) in its own process
// group. Outside Linux there is no parent-death signal: a server we leave
// behind when killed is stopped by the next Open's caller, or by hand.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: true}
}

// isPostgresProcess reports whether pid is a live process.
func isPostgresProcess(pid int) bool {
	return processAlive(pid)
}
