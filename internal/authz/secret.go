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
	if getenv == nil {
		getenv = os.Getenv
	}
	if s := getenv(secretEnv); s != "" {
		if len(s) < minSecretLen {
			return nil, fmt.Errorf("authz: %s is %d bytes; it must be at least %d (for example the 64 hex digits of `openssl rand -hex 32`)", secretEnv, len(s), minSecretLen)
		}
		return []byte(s), nil
	}
	if dataDir == "" {
		return nil, fmt.Errorf("authz: no JWT secret: set %s, or --data-dir so that one can be kept in its %s file", secretEnv, SecretFile)
	}
	path := filepath.Join(dataDir, SecretFile)
	secret, err := readSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	return createSecret(dataDir, path)
}

// readSecret reads a secret file, ignoring surrounding white space.
func readSecret(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("authz: reading JWT secret: %w", err)
	}
	s := bytes.TrimSpace(data)
	if len(s) < minSecretLen {
		return nil, fmt.Errorf("authz: %s holds %d bytes; a secret needs at least %d: delete the file to have a new one made (existing tokens stop working), or set %s", path, len(s), minSecretLen, secretEnv)
	}
	return s, nil
}

// createSecret makes a new secret file at path, or returns the one another
// process made at the same time.
func createSecret(dataDir, path string) ([]byte, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("authz: creating data directory: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("authz: generating JWT secret: %w", err)
	}
	secret := []byte(hex.EncodeToString(raw[:]))

	tmp, err := os.CreateTemp(dataDir, "."+SecretFile+"-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("authz: writing JWT secret: %w", err)
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
		return nil, fmt.Errorf("authz: writing JWT secret: %w", err)
	}

	// A hard link puts the complete file in place atomically and, unlike
	// rename, never replaces a file another process put there first.
	err = os.Link(tmpName, path)
	switch {
	case err == nil:
		syncDir(dataDir)
		return secret, nil
	case errors.Is(err, fs.ErrExist):
		return readSecret(path)
	}
	// The file system cannot link: rename if there is still no file. Two
	// processes could both pass the check; the re-read makes each return
	// what is on disk, which is right unless they interleave exactly.
	if _, serr := os.Lstat(path); serr == nil {
		return readSecret(path)
	}
	if rerr := os.Rename(tmpName, path); rerr != nil {
		return nil, fmt.Errorf("authz: writing JWT secret: %w", rerr)
	}
	syncDir(dataDir)
	return readSecret(path)
}

// syncDir flushes a directory entry to disk, as far as the platform allows.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
