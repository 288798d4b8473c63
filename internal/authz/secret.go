package authz

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SecretFile is the name of the secret's file in a data directory.
const SecretFile = "jwt-secret"

// secretEnv is the environment variable that, when set, holds the secret.
const secretEnv = "JARING_JWT_SECRET"

// LoadSecret returns the HS256 secret: the value of JARING_JWT_SECRET when
// getenv gives one (it must be at least 32 bytes), else the contents of
// dataDir/jwt-secret. The file is created on first use with 32 random bytes,
// hex-encoded, mode 0600. It is written to a temporary file and then linked
// into place, which fails rather than replaces if another process got there
// first; the loser reads the winner's secret, so processes starting at once
// agree.
func LoadSecret(getenv func(string) string, dataDir string) ([]byte, error) {
	return LoadKept(Kept{Env: secretEnv, File: SecretFile, What: "JWT secret", MinLen: minSecretLen}, getenv, dataDir)
}

// Kept describes a secret kept in a data directory: the JWT secret, the
// password of the database's application login.
type Kept struct {
	Env    string // the environment variable that, when set, holds it
	File   string // its file's name in the data directory
	What   string // what it is, for messages: "JWT secret"
	MinLen int    // its shortest length, in bytes
}

// LoadKept returns the secret k: the value of k.Env when getenv gives one,
// else the contents of dataDir/k.File, created on first use with 32 random
// bytes, hex-encoded, mode 0600 (see LoadSecret).
func LoadKept(k Kept, getenv func(string) string, dataDir string) ([]byte, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if s := getenv(k.Env); s != "" {
		if len(s) < k.MinLen {
			return nil, fmt.Errorf("authz: %s is %d bytes; it must be at least %d (for example the 64 hex digits of `openssl rand -hex 32`)", k.Env, len(s), k.MinLen)
		}
		return []byte(s), nil
	}
	if dataDir == "" {
		return nil, fmt.Errorf("authz: no %s: set %s, or --data-dir so that one can be kept in its %s file", k.What, k.Env, k.File)
	}
	path := filepath.Join(dataDir, k.File)
	secret, err := readKept(k, path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	return createKept(k, dataDir, path)
}

// readKept reads a secret file, ignoring surrounding white space.
func readKept(k Kept, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("authz: reading %s: %w", k.What, err)
	}
	s := bytes.TrimSpace(data)
	if len(s) < k.MinLen {
		return nil, fmt.Errorf("authz: %s holds %d bytes; a %s needs at least %d: delete the file to have a new one made, or set %s", path, len(s), k.What, k.MinLen, k.Env)
	}
	return s, nil
}

// createKept makes a new secret file at path, or returns the one another
// process made at the same time.
func createKept(k Kept, dataDir, path string) ([]byte, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("authz: creating data directory: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("authz: generating %s: %w", k.What, err)
	}
	secret := []byte(hex.EncodeToString(raw[:]))

	tmp, err := os.CreateTemp(dataDir, "."+k.File+"-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("authz: writing %s: %w", k.What, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(secret)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("authz: writing %s: %w", k.What, err)
	}

	// A hard link puts the complete file in place atomically and, unlike
	// rename, never replaces a file another process put there first.
	err = os.Link(tmpName, path)
	switch {
	case err == nil:
		syncDir(dataDir)
		return secret, nil
	case errors.Is(err, fs.ErrExist):
		return readKept(k, path)
	}
	// The file system cannot link: rename if there is still no file. Two
	// processes could both pass the check; the re-read makes each return
	// what is on disk, which is right unless they interleave exactly.
	if _, serr := os.Lstat(path); serr == nil {
		return readKept(k, path)
	}
	if rerr := os.Rename(tmpName, path); rerr != nil {
		return nil, fmt.Errorf("authz: writing %s: %w", k.What, rerr)
	}
	syncDir(dataDir)
	return readKept(k, path)
}

// syncDir flushes a directory entry to disk, as far as the platform allows.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
