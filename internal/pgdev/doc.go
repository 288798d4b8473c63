// Package pgdev runs a private PostgreSQL server from the machine's own
// server binaries: for `jaring dev`, on a cluster kept in a directory such as
// .jaring/, and for tests, on a throwaway cluster per test binary. It is a
// real PostgreSQL, never a fake, so that what passes here passes in
// production.
//
// # Why a private cluster
//
// A cluster of our own needs no setup, no shared server and no credentials:
// Open runs initdb on first use (superuser "jaring", a random password kept in
// Dir/password, scram-sha-256 authentication), starts postgres listening only
// on 127.0.0.1 on a free port with Unix sockets off, and hands out
// connection URLs. Nothing else on the machine can reach it without the
// password, and nothing it does touches other servers. Tests get a cluster
// tuned for speed (Options.Ephemeral: fsync, synchronous_commit and
// full_page_writes off) and clone their databases from a template with
// CreateDatabase, which copies files rather than replaying SQL.
//
// # Why an unprivileged user
//
// PostgreSQL refuses to run as root. When we are root, initdb and postgres run
// as the owner of the existing data directory, else as the system user
// postgres, else as nobody (exec.Cmd SysProcAttr.Credential). That user must
// own the data directory and be able to enter every directory above it, so
// Open hands the directories it creates over to it, and reports a directory
// above that the user cannot enter (such as /root, mode 0700) by name, asking
// for a directory elsewhere. When we are not root, everything runs as
// ourselves.
//
// # Why the server's lifetime follows ours
//
// postgres runs as our child process, not daemonised by pg_ctl. Stop shuts it
// down in order (a fast shutdown). It is started with SIGINT as its
// parent-death signal (Linux Pdeathsig), so that if we are killed the kernel
// asks it for a fast shutdown and no server is left behind; Go sets that
// signal after switching credentials, which would otherwise clear it. It runs
// in its own process group, so that a Ctrl-C at the terminal reaches only us,
// and we stop it after the rest of our shutdown. A second Open on a directory
// whose server is running attaches to that server without owning it; its Stop
// leaves the server running.
//
// pgdev needs a Unix system; the parent-death signal is Linux only.
package pgdev
