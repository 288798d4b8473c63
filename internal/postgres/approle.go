package postgres

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// scramIterations is the PBKDF2 cost of the app login's SCRAM verifier, as
// PostgreSQL's own default (scram_iterations, 4096).
const scramIterations = 4096

// SetAppPassword sets the password of the application's login, AppRole, on
// the database at ownerURL (which must be a role allowed to alter it: the
// owner who migrated). The server receives only a SCRAM-SHA-256 verifier,
// never the password.
func SetAppPassword(ctx context.Context, ownerURL, password string) error {
	if len(password) < 16 {
		return fmt.Errorf("the password of %s must have at least 16 characters", AppRole)
	}
	conn, err := connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	verifier, err := scramVerifier(password)
	if err != nil {
		return err
	}
	// ALTER ROLE takes no parameters; the verifier is base64 and '$', ':'.
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", pgx.Identifier{AppRole}.Sanitize(), verifier)); err != nil {
		return fmt.Errorf("set the password of %s: %w", AppRole, err)
	}
	return nil
}

// scramVerifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for
// password (RFC 5802, RFC 7677): SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey.
func scramVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	server := mac(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", scramIterations, b64(salt), b64(stored[:]), b64(server)), nil
}

// AppURL returns ownerURL with the application's login and password in
// place of the owner's: the same server and database.
func AppURL(ownerURL, password string) (string, error) {
	u, err := url.Parse(ownerURL)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.User = url.UserPassword(AppRole, password)
	return u.String(), nil
}

// RoleError says that the database login is one the server must not run
// as: it could edit the audit log.
type RoleError struct {
	Role   string
	Reason string
}

func (e *RoleError) Error() string {
	return fmt.Sprintf("refusing to serve as database role %s: %s. Serve as the application's login %s "+
		"(`jaring migrate --app-password …` sets its password; then DATABASE_URL=postgres://%s:…@host/db), or pass --allow-owner to run anyway",
		e.Role, e.Reason, AppRole, AppRole)
}

// CheckRole returns a *RoleError if the pool's login could change the audit
// log: a superuser, a role that may create roles (and so grant itself the
// owner's), or the owner of audit_event or a member of the owner's role.
func (db *DB) CheckRole(ctx context.Context) error {
	var role string
	var super, createRole, owner bool
	err := db.Pool.QueryRow(ctx, `SELECT r.rolname, r.rolsuper, r.rolcreaterole,
			coalesce((SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c WHERE c.oid = to_regclass('audit_event')), false)
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&role, &super, &createRole, &owner)
	if err != nil {
		return fmt.Errorf("check database role: %w", err)
	}
	switch {
	case super:
		return &RoleError{Role: role, Reason: "it is a superuser, which may switch the audit log's triggers off"}
	case owner:
		return &RoleError{Role: role, Reason: "it owns the audit log (or may act as its owner), and an owner may switch its triggers off"}
	case createRole:
		return &RoleError{Role: role, Reason: "it may create roles, and so make itself a member of the audit log's owner"}
	}
	return nil
}
