package authz

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/region"
)

// Leeway is the clock skew allowed when checking exp, nbf and iat.
const leeway = 30 * time.Second

// minSecretLen is the shortest HS256 secret accepted, in bytes.
const minSecretLen = 32

// maxTokenLen bounds the work done on a token before its signature is
// checked. Real tokens are a few hundred bytes.
const maxTokenLen = 8 << 10

// maxOrgLen bounds an organisation code.
const maxOrgLen = 64

// DemoOrgKinds maps the demo organisation codes to their kinds.
var DemoOrgKinds = map[string]jaring.OrgKind{
	"SILAKSO":     jaring.OrgFrontOffice,
	"DINSOS":      jaring.OrgAgency,
	"DINKES":      jaring.OrgAgency,
	"DINDIK":      jaring.OrgAgency,
	"PERKIM":      jaring.OrgAgency,
	"KESRA":       jaring.OrgAgency,
	"BAZNAS":      jaring.OrgAgency,
	"INSPEKTORAT": jaring.OrgAuditor,
	"DESA":        jaring.OrgVillage,
	"CSR-A":       jaring.OrgDonor,
	"CSR-B":       jaring.OrgDonor,
}

// VerifierConfig configures a Verifier. At least one of Secret, JWKSFile and
// JWKSURL must be set; keys from all that are set are accepted.
type VerifierConfig struct {
	Secret   []byte // HS256 secret, at least 32 bytes; nil or empty: HS256 is not accepted
	JWKSFile string // path of a JSON Web Key Set with RS256 and Ed25519 public keys; "" for none

	// JWKSURL is where the identity provider (Keycloak or another OIDC
	// provider) publishes its JSON Web Key Set: https, or http to a loopback
	// host; "" for none. The set is fetched by NewVerifier and kept fresh
	// (see Verifier).
	JWKSURL string
	// HTTPClient fetches JWKSURL; nil: a client with a 10-second timeout.
	HTTPClient *http.Client
	// MinRefetchInterval is the least time between two fetches of JWKSURL
	// when tokens name unknown key ids, and the wait before retrying a
	// refresh that failed; 0 or less: one minute.
	MinRefetchInterval time.Duration
	// Logger reports refreshes of JWKSURL that failed or changed the keys;
	// nil: slog.Default().
	Logger *slog.Logger

	Now func() time.Time // nil: time.Now
}

// Verifier checks tokens. It is safe for concurrent use.
//
// A Verifier with a JWKS URL keeps the URL's keys fresh: when they are due
// (after the response's Cache-Control max-age, held between 5 minutes and
// 24 hours, or after an hour without one) the next verification starts a
// refresh in the background and goes on with the keys in force. A token
// whose key id is not in the set makes the Verifier fetch the set at once,
// as the provider may have rotated its key, but at most once per
// MinRefetchInterval, and concurrent verifications share that one fetch. A
// refresh that fails keeps the keys in force; a key missing from a
// refreshed set stops verifying. Call Close to stop the refreshes.
type Verifier struct {
	secret []byte
	file   []publicKey // from the JWKS file, fixed for the Verifier's life
	url    *jwksURL    // nil without a JWKS URL
	algs   []string    // accepted algorithms, HS256 first
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for cfg. Its errors are configuration
// problems: an unreadable or invalid JWKS file, a JWKS URL that is not
// https or whose first fetch fails or yields an invalid set, a secret
// shorter than 32 bytes, or no source of keys at all.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	v := &Verifier{}
	if len(cfg.Secret) > 0 {
		if len(cfg.Secret) < minSecretLen {
			return nil, fmt.Errorf("authz: the HS256 secret is %d bytes; at least %d are required", len(cfg.Secret), minSecretLen)
		}
		v.secret = append([]byte(nil), cfg.Secret...)
		v.algs = append(v.algs, algHS256)
	}
	if cfg.JWKSFile != "" {
		keys, err := loadJWKS(cfg.JWKSFile)
		if err != nil {
			return nil, err
		}
		v.file = keys
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	if cfg.JWKSURL != "" {
		u, err := newJWKSURL(cfg, now, v.file)
		if err != nil {
			return nil, err
		}
		v.url = u
	}
	for _, alg := range []string{algRS256, algEdDSA} {
		// The provider may add a key of the other family at any refresh,
		// so a URL accepts both; keyFor refuses a family it holds no key of.
		accept := v.url != nil
		for _, k := range v.file {
			if k.alg == alg {
				accept = true
				break
			}
		}
		if accept {
			v.algs = append(v.algs, alg)
		}
	}
	if len(v.algs) == 0 {
		return nil, errors.New("authz: neither an HS256 secret nor a JWKS file or URL is configured; set one to verify tokens")
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(v.algs),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	return v, nil
}

// Close stops the refreshes of the JWKS URL's keys and waits for a fetch
// under way to end. The Verifier goes on verifying with the keys it holds.
// Close may be called more than once, and on a Verifier without a URL; it
// returns nil.
func (v *Verifier) Close() error {
	if v.url != nil {
		v.url.close()
	}
	return nil
}

// keys returns the public keys in force: the file's, then the URL's.
func (v *Verifier) keys() []publicKey {
	if v.url != nil {
		return v.url.keys()
	}
	return v.file
}

// Verify checks the value of an Authorization header and returns the
// principal it names. Every error is an EUNAUTHENTICATED *jaring.Error.
func (v *Verifier) Verify(authorization string) (*Principal, error) {
	h := strings.TrimSpace(authorization)
	if h == "" {
		return nil, unauthenticated("No Authorization header: send Authorization: Bearer <token>.")
	}
	scheme, rest := h, ""
	if i := strings.IndexAny(h, " \t"); i >= 0 {
		scheme, rest = h[:i], h[i+1:]
	}
	if !strings.EqualFold(scheme, "Bearer") {
		if strings.Count(scheme, ".") == 2 && rest == "" {
			return nil, unauthenticated("The Authorization header has no scheme: send Authorization: Bearer <token>.")
		}
		return nil, unauthenticated("The Authorization header uses the %s scheme, not Bearer: send Authorization: Bearer <token>.", quote(scheme))
	}
	token := strings.TrimSpace(rest)
	if token == "" {
		return nil, unauthenticated("The Authorization header has no token after Bearer: send Authorization: Bearer <token>.")
	}
	return v.VerifyToken(token)
}

// VerifyToken checks a bare token and returns the principal it names. Every
// error is an EUNAUTHENTICATED *jaring.Error.
func (v *Verifier) VerifyToken(token string) (*Principal, error) {
	if token == "" {
		return nil, unauthenticated("No token: send Authorization: Bearer <token>.")
	}
	if len(token) > maxTokenLen {
		return nil, unauthenticated("The token is %d bytes, more than the %d allowed; send the token exactly as issued.", len(token), maxTokenLen)
	}
	var c tokenClaims
	tok, err := v.parser.ParseWithClaims(token, &c, v.keyFor)
	if err != nil {
		return nil, v.parseError(tok, &c, err)
	}
	kind, roles, reason := checkClaims(c.Subject, c.Org, c.OrgKind, c.Roles, c.Region)
	if reason != "" {
		return nil, unauthenticated("%s", reason)
	}
	return &Principal{
		Subject: c.Subject,
		Org:     c.Org,
		OrgKind: kind,
		Roles:   roles,
		Region:  c.Region,
		Expires: c.ExpiresAt.Time.UTC(),
	}, nil
}

// tokenClaims is the payload of a Jaring token.
type tokenClaims struct {
	jwt.RegisteredClaims
	Org     string   `json:"org"`
	OrgKind string   `json:"org_kind"`
	Roles   []string `json:"roles"`
	Region  string   `json:"region,omitempty"`
}

// keyFor is the jwt.Keyfunc: it picks the key for the token's algorithm and
// kid. Keys are typed ([]byte for HS256, *rsa.PublicKey for RS256,
// ed25519.PublicKey for EdDSA), so a public key can never be used as an HMAC
// secret. With a JWKS URL, a kid not in the set makes it fetch the set again
// (rate-limited, see jwksURL.refetch) before refusing the token.
func (v *Verifier) keyFor(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if !v.accepts(alg) {
		return nil, v.algError(alg)
	}
	if _, ok := t.Header["crit"]; ok {
		return nil, unauthenticated("The token's header has critical extensions (crit) this server does not understand; send a plain signed JWT.")
	}
	if alg == algHS256 {
		return v.secret, nil
	}
	var kid string
	if raw, ok := t.Header["kid"]; ok {
		s, ok := raw.(string)
		if !ok {
			return nil, unauthenticated("The token's key id (kid header) is not a string; send the token exactly as issued.")
		}
		kid = s
	}
	if v.url != nil {
		v.url.refreshIfDue()
	}
	keys := v.keys()
	if kid != "" {
		k := findKid(keys, kid)
		if k == nil && v.url != nil {
			// The provider may have rotated to a key we have not seen.
			// Look again whether or not this call fetched: another
			// verification may have fetched the new set meanwhile.
			v.url.refetch()
			keys = v.keys()
			k = findKid(keys, kid)
		}
		if k == nil {
			return nil, unauthenticated("The token's key id %s is not in the configured key set; the token was signed with an unknown key.", quote(kid))
		}
		if k.alg != alg {
			return nil, unauthenticated("The token names key %s, which is an %s key, but is signed with %s; the token was signed with the wrong key.", quote(kid), k.alg, alg)
		}
		return k.key, nil
	}
	var found *publicKey
	n := 0
	for i := range keys {
		if keys[i].alg == alg {
			found = &keys[i]
			n++
		}
	}
	switch {
	case n == 0:
		return nil, unauthenticated("The token names no key id (kid) and the configured key set holds no %s key; the token was signed with an unknown key.", alg)
	case n > 1:
		return nil, unauthenticated("The token names no key id (kid) but the configured key set holds %d %s keys; sign tokens with a kid header.", n, alg)
	}
	return found.key, nil
}

// findKid returns the key with the kid, or nil.
func findKid(keys []publicKey, kid string) *publicKey {
	for i := range keys {
		if keys[i].kid == kid {
			return &keys[i]
		}
	}
	return nil
}

func (v *Verifier) accepts(alg string) bool {
	for _, a := range v.algs {
		if a == alg {
			return true
		}
	}
	return false
}

func (v *Verifier) algError(alg string) *jaring.Error {
	return unauthenticated("The token's algorithm %s is not accepted; tokens are signed with %s.", quoteAlg(alg), orList(v.algs))
}

// parseError turns an error from the jwt parser into an EUNAUTHENTICATED
// error whose message says what is wrong.
func (v *Verifier) parseError(tok *jwt.Token, c *tokenClaims, err error) *jaring.Error {
	// The algorithm first: "alg: none" and unconfigured algorithms are
	// refused whatever else is wrong with the token.
	if tok != nil && tok.Header != nil {
		alg, isString := tok.Header["alg"].(string)
		if !isString {
			return unauthenticated("The token's header names no algorithm (alg); send a signed JWT.")
		}
		if !v.accepts(alg) {
			return v.algError(alg)
		}
	}
	var je *jaring.Error
	if errors.As(err, &je) {
		return je // from keyFor
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return unauthenticated("The token's %s claim is a JSON %s, which is the wrong type; mint a new token.", quote(typeErr.Field), typeErr.Value)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthenticated("The token is malformed (not a JWT of three base64url parts with JSON header and claims); send the token exactly as issued.")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthenticated("The token's signature does not verify with the configured key.")
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthenticated("The token has expired (at %s); log in again.", claimTime(c.ExpiresAt))
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return unauthenticated("The token is not valid yet (not before %s); wait, or check the clocks of the issuer and this server.", claimTime(c.NotBefore))
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauthenticated("The token was issued in the future (at %s); check the clocks of the issuer and this server.", claimTime(c.IssuedAt))
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return unauthenticated("The token has no expiry (exp claim); mint a token that expires.")
	}
	return unauthenticated("The token cannot be verified; log in again.")
}

func claimTime(d *jwt.NumericDate) string {
	if d == nil {
		return "an unknown time"
	}
	return d.Time.UTC().Format(time.RFC3339)
}

// Claims are what a minted token says.
type Claims struct {
	Subject string
	Org     string
	OrgKind jaring.OrgKind
	Roles   []Role
	Region  string
	TTL     time.Duration
}

// Mint signs an HS256 token with secret, issued at now and expiring TTL
// later. It checks the claims as Verify does, so a minted token verifies;
// a bad claim is an EINVALID *jaring.Error, a bad secret a plain error.
func Mint(secret []byte, c Claims, now time.Time) (string, error) {
	if len(secret) < minSecretLen {
		return "", fmt.Errorf("authz: the HS256 secret is %d bytes; at least %d are required", len(secret), minSecretLen)
	}
	if c.TTL <= 0 {
		return "", jaring.Errorf(jaring.EINVALID, "The token's lifetime (TTL) is %s; it must be positive.", c.TTL)
	}
	if !c.OrgKind.Valid() {
		return "", jaring.Errorf(jaring.EINVALID, "%s", unknownKind(kindClaim(c.OrgKind)))
	}
	roles := RoleNames(c.Roles)
	kind := kindClaim(c.OrgKind)
	if _, _, reason := checkClaims(c.Subject, c.Org, kind, roles, c.Region); reason != "" {
		return "", jaring.Errorf(jaring.EINVALID, "%s", reason)
	}
	tc := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   c.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(c.TTL)),
		},
		Org:     c.Org,
		OrgKind: kind,
		Roles:   roles,
		Region:  c.Region,
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, tc).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("authz: signing token: %w", err)
	}
	return s, nil
}

// checkClaims validates the Jaring claims of a token. It returns the
// organisation kind and the roles (duplicates dropped), or a one-sentence
// reason the claims are not acceptable.
func checkClaims(sub, org, orgKind string, roles []string, reg string) (jaring.OrgKind, []Role, string) {
	if strings.TrimSpace(sub) == "" {
		return "", nil, "The token has no subject (sub claim); mint a token that names the user."
	}
	if org == "" {
		return "", nil, "The token has no organisation (org claim); mint a token that names an organisation code like DINSOS."
	}
	if !validOrgCode(org) {
		return "", nil, fmt.Sprintf("The token's organisation %s is not an organisation code; use a code like DINSOS or CSR-A.", quote(org))
	}
	if orgKind == "" {
		return "", nil, fmt.Sprintf("The token has no organisation kind (org_kind claim); use one of %s.", orgKindList())
	}
	kind, ok := kindFromClaim(orgKind)
	if !ok {
		return "", nil, unknownKind(orgKind)
	}
	if len(roles) == 0 {
		return "", nil, fmt.Sprintf("The token has no roles (roles claim); mint a token with at least one of %s.", roleList())
	}
	out := make([]Role, 0, len(roles))
	for _, s := range roles {
		r := Role(s)
		if !r.Valid() {
			return "", nil, fmt.Sprintf("The token's role %s is unknown; roles are %s.", quote(s), roleList())
		}
		dup := false
		for _, x := range out {
			if x == r {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, r)
		}
	}
	if reg != "" && !region.ValidCode(reg) {
		return "", nil, fmt.Sprintf("The token's region %s is not a region code; use a code like 19, 19.04 or 19.04.01.", quote(reg))
	}
	return kind, out, ""
}

// unknownKind is the reason a token whose org_kind claim is s is refused.
func unknownKind(s string) string {
	return fmt.Sprintf("The token's org_kind %s is not a kind of organisation; use one of %s.", quote(s), orgKindList())
}

// validOrgCode reports whether s can be an organisation code: short, with
// no spaces or control characters. Whether the organisation exists is
// checked by the server.
func validOrgCode(s string) bool {
	if len(s) > maxOrgLen {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

var orgKinds = []jaring.OrgKind{jaring.OrgFrontOffice, jaring.OrgAgency, jaring.OrgDonor, jaring.OrgVillage, jaring.OrgAuditor, jaring.OrgIntegrator}

// kindClaim is how a kind is written in a token: "front_office".
func kindClaim(k jaring.OrgKind) string { return strings.ToLower(string(k)) }

// kindFromClaim maps a token's org_kind to its kind. Only the lowercase
// spelling is accepted.
func kindFromClaim(s string) (jaring.OrgKind, bool) {
	for _, k := range orgKinds {
		if kindClaim(k) == s {
			return k, true
		}
	}
	return "", false
}

func orgKindList() string {
	s := make([]string, len(orgKinds))
	for i, k := range orgKinds {
		s[i] = kindClaim(k)
	}
	return strings.Join(s, ", ")
}

func roleList() string {
	return strings.Join(RoleNames(Roles), ", ")
}

// orList writes "A", "A or B", "A, B or C".
func orList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// quote quotes a caller-supplied string for a message, cut short if long.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

// quoteAlg writes an algorithm name bare when it is a plain word (so the
// message reads "algorithm none"), quoted otherwise.
func quoteAlg(alg string) string {
	if alg == "" || len(alg) > 16 {
		return quote(alg)
	}
	for _, r := range alg {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return quote(alg)
		}
	}
	return alg
}

func unauthenticated(format string, args ...any) *jaring.Error {
	return jaring.Errorf(jaring.EUNAUTHENTICATED, format, args...)
}
