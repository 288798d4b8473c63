package authz

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jaring-id/jaring/internal/jaring"
)

// testNow is the fixed clock every test verifier uses.
var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

var testSecret = []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")

// testKeys holds freshly generated keys shared by the tests (RSA key
// generation is slow under -race, so it is done once).
type testKeys struct {
	rsa1, rsa2, rsaOut *rsa.PrivateKey // rsa1, rsa2 go in the JWKS as r1, r2; rsaOut nowhere
	ed1                ed25519.PrivateKey
}

var (
	keysOnce sync.Once
	keys     testKeys
)

func getKeys(t testing.TB) *testKeys {
	t.Helper()
	keysOnce.Do(func() {
		gen := func() *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			return k
		}
		keys.rsa1, keys.rsa2, keys.rsaOut = gen(), gen(), gen()
		_, keys.ed1, _ = ed25519.GenerateKey(rand.Reader)
	})
	return &keys
}

// jwksFile writes a JWKS with r1, r2 (RSA) and e1 (Ed25519) to a temp dir.
func (k *testKeys) jwksFile(t *testing.T) string {
	return writeJWKS(t,
		rsaJWK("r1", &k.rsa1.PublicKey),
		rsaJWK("r2", &k.rsa2.PublicKey),
		edJWK("e1", k.ed1.Public().(ed25519.PublicKey)),
	)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
}

func edJWK(kid string, pub ed25519.PublicKey) map[string]any {
	return map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(pub)}
}

func jwksJSON(keys ...map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return b
}

func writeJWKS(t *testing.T, keys ...map[string]any) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, jwksJSON(keys...), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// claims returns valid claims, changed by the edits: a nil value deletes.
func claims(edits map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub":      "siti",
		"org":      "DINSOS",
		"org_kind": "agency",
		"roles":    []string{"operator", "verifier"},
		"region":   "19.04",
		"iat":      testNow.Add(-time.Minute).Unix(),
		"exp":      testNow.Add(time.Hour).Unix(),
	}
	for k, v := range edits {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// sign signs c with method and key, setting the kid header when not "".
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawToken builds a token by hand from a header, claims and signature.
func rawToken(t *testing.T, header map[string]any, c jwt.MapClaims, sig string) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b64(h) + "." + b64(p) + "." + sig
}

func newVerifier(t testing.TB, cfg VerifierConfig) *Verifier {
	t.Helper()
	cfg.Now = func() time.Time { return testNow }
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// assertUnauthenticated checks that err is an EUNAUTHENTICATED *jaring.Error
// whose message contains want and is a sentence.
func assertUnauthenticated(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want UNAUTHENTICATED containing %q", want)
	}
	var je *jaring.Error
	if !errors.As(err, &je) {
		t.Fatalf("error %v (%T) is not a *jaring.Error", err, err)
	}
	if je.Code != jaring.EUNAUTHENTICATED {
		t.Errorf("code = %s, want %s (message %q)", je.Code, jaring.EUNAUTHENTICATED, je.Message)
	}
	if !strings.Contains(je.Message, want) {
		t.Errorf("message %q does not contain %q", je.Message, want)
	}
	if !strings.HasSuffix(je.Message, ".") || strings.ToUpper(je.Message[:1]) != je.Message[:1] {
		t.Errorf("message %q is not a sentence", je.Message)
	}
}

func TestVerify(t *testing.T) {
	k := getKeys(t)
	hsV := newVerifier(t, VerifierConfig{Secret: testSecret})
	jwks := k.jwksFile(t)
	jwksV := newVerifier(t, VerifierConfig{JWKSFile: jwks})
	bothV := newVerifier(t, VerifierConfig{Secret: testSecret, JWKSFile: jwks})

	hs := func(c jwt.MapClaims) string { return "Bearer " + sign(t, jwt.SigningMethodHS256, testSecret, "", c) }
	valid := hs(claims(nil))

	pubDER, err := x509.MarshalPKIXPublicKey(&k.rsa1.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubJWK, _ := json.Marshal(rsaJWK("r1", &k.rsa1.PublicKey))

	tampered := func() string {
		parts := strings.Split(strings.TrimPrefix(valid, "Bearer "), ".")
		p, _ := json.Marshal(claims(map[string]any{"roles": []string{"admin"}}))
		return "Bearer " + parts[0] + "." + b64(p) + "." + parts[2]
	}()

	wantSiti := func(t *testing.T, p *Principal) {
		t.Helper()
		want := &Principal{Subject: "siti", Org: "DINSOS", OrgKind: jaring.OrgAgency,
			Roles: []Role{"operator", "verifier"}, Region: "19.04", Expires: testNow.Add(time.Hour)}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("principal = %+v, want %+v", p, want)
		}
	}

	tests := []struct {
		name   string
		v      *Verifier
		header string
		want   string                           // for a rejection: a word the message must contain
		check  func(t *testing.T, p *Principal) // for an acceptance
	}{
		// The everyday single-regency case must work and fill every field.
		{name: "valid HS256", v: hsV, header: valid, check: wantSiti},
		// RFC 7235: the scheme is case-insensitive; some clients send "bearer".
		{name: "lowercase scheme", v: hsV, header: "bearer  " + strings.TrimPrefix(valid, "Bearer "), check: wantSiti},
		// A tab between scheme and token is still one Bearer header.
		{name: "tab after Bearer", v: hsV, header: "Bearer\t" + strings.TrimPrefix(valid, "Bearer "), check: wantSiti},
		// An RSA key from the JWKS, chosen by kid.
		{name: "valid RS256 kid r1", v: jwksV, header: "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, "r1", claims(nil)), check: wantSiti},
		// With two RSA keys the kid must pick the second one, not the first.
		{name: "valid RS256 kid r2", v: jwksV, header: "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa2, "r2", claims(nil)), check: wantSiti},
		// Ed25519 keys from the JWKS, chosen by kid.
		{name: "valid EdDSA kid e1", v: jwksV, header: "Bearer " + sign(t, jwt.SigningMethodEdDSA, k.ed1, "e1", claims(nil)), check: wantSiti},
		// No kid and exactly one key of the family: that key is used.
		{name: "valid EdDSA no kid", v: jwksV, header: "Bearer " + sign(t, jwt.SigningMethodEdDSA, k.ed1, "", claims(nil)), check: wantSiti},
		// A secret and a JWKS together accept both kinds of token.
		{name: "valid RS256 with secret and JWKS", v: bothV, header: "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, "r1", claims(nil)), check: wantSiti},
		// Region and duplicate roles are optional niceties: no region is no limit, duplicates collapse.
		{name: "no region, duplicate roles", v: hsV, header: hs(claims(map[string]any{"region": nil, "roles": []string{"admin", "admin"}, "org_kind": "front_office"})),
			check: func(t *testing.T, p *Principal) {
				if p.Region != "" || !reflect.DeepEqual(p.Roles, []Role{"admin"}) || p.OrgKind != jaring.OrgFrontOffice {
					t.Errorf("principal = %+v", p)
				}
			}},
		// 30 s of leeway: a token that expired 10 s ago on a skewed clock still passes.
		{name: "expired within leeway", v: hsV, header: hs(claims(map[string]any{"exp": testNow.Add(-10 * time.Second).Unix()})), check: func(*testing.T, *Principal) {}},

		// The commonest client mistake: forgetting the header.
		{name: "no header", v: hsV, header: "", want: "No Authorization header"},
		// Another scheme must be named, so the caller sees what they sent.
		{name: "Basic scheme", v: hsV, header: "Basic xyz", want: "Basic"},
		// A bare token without the scheme gets a hint, not a scheme error.
		{name: "no scheme", v: hsV, header: strings.TrimPrefix(valid, "Bearer "), want: "no scheme"},
		// "Bearer" alone must not reach the parser.
		{name: "Bearer with nothing", v: hsV, header: "Bearer", want: "no token"},
		// Only spaces after Bearer is the same mistake.
		{name: "Bearer with spaces", v: hsV, header: "Bearer    ", want: "no token"},
		// Random text is malformed, not a crash.
		{name: "garbage", v: hsV, header: "Bearer abc", want: "malformed"},
		// Three segments of nonsense are malformed too.
		{name: "garbage three parts", v: hsV, header: "Bearer a.b.c", want: "malformed"},
		// Oversized tokens are refused before any decoding work.
		{name: "too long", v: hsV, header: "Bearer " + strings.Repeat("a", maxTokenLen+1), want: "bytes"},
		// Expired tokens are refused and the time is said, so the user knows to log in.
		{name: "expired", v: hsV, header: hs(claims(map[string]any{"exp": testNow.Add(-time.Hour).Unix()})), want: "expired (at 2026-11-22T08:00:00Z)"},
		// A token must expire: no exp is refused.
		{name: "no exp", v: hsV, header: hs(claims(map[string]any{"exp": nil})), want: "exp"},
		// nbf in the future is honoured.
		{name: "not yet valid", v: hsV, header: hs(claims(map[string]any{"nbf": testNow.Add(time.Hour).Unix()})), want: "not valid yet"},
		// iat in the future means a broken issuer clock.
		{name: "issued in the future", v: hsV, header: hs(claims(map[string]any{"iat": testNow.Add(time.Hour).Unix()})), want: "issued in the future"},
		// A token signed with another install's secret must fail.
		{name: "wrong secret", v: hsV, header: "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(strings.Repeat("x", 32)), "", claims(nil)), want: "signature does not verify"},
		// Changing the claims after signing (here: becoming admin) must fail.
		{name: "tampered claims", v: hsV, header: tampered, want: "signature does not verify"},
		// An RSA key that is not in the JWKS, claiming a known kid, must fail.
		{name: "RS256 foreign key known kid", v: jwksV, header: "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsaOut, "r1", claims(nil)), want: "signature does not verify"},
		// An unknown kid is an unknown key.
		{name: "RS256 unknown kid", v: jwksV, header: "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsaOut, "zz", claims(nil)), want: "unknown key"},
		// No kid with two RSA keys is ambiguous: refuse rather than try each.
		{name: "RS256 no kid two keys", v: jwksV, header: "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, "", claims(nil)), want: "kid"},
		// A kid naming an RSA key on an EdDSA token must not be used across families.
		{name: "kid of other family", v: jwksV, header: "Bearer " + sign(t, jwt.SigningMethodEdDSA, k.ed1, "r1", claims(nil)), want: "wrong key"},
		// The classic alg:none forgery must be refused.
		{name: "alg none", v: hsV, header: "Bearer " + rawToken(t, map[string]any{"alg": "none", "typ": "JWT"}, claims(nil), ""), want: "algorithm none is not accepted; tokens are signed with HS256"},
		// alg:none against a JWKS install too.
		{name: "alg none JWKS", v: jwksV, header: "Bearer " + rawToken(t, map[string]any{"alg": "none", "typ": "JWT"}, claims(nil), ""), want: "algorithm none is not accepted"},
		// A header without alg cannot be verified.
		{name: "no alg", v: hsV, header: "Bearer " + rawToken(t, map[string]any{"typ": "JWT"}, claims(nil), "c2ln"), want: "no algorithm"},
		// HS256 is off when only a JWKS is configured, whatever key signed it.
		{name: "HS256 with only JWKS", v: jwksV, header: hs(claims(nil)), want: "algorithm HS256 is not accepted; tokens are signed with RS256 or EdDSA"},
		// Key confusion: the public key's PEM used as an HMAC secret must fail on a JWKS-only install.
		{name: "confusion PEM JWKS only", v: jwksV, header: "Bearer " + sign(t, jwt.SigningMethodHS256, pubPEM, "r1", claims(nil)), want: "not accepted"},
		// Key confusion where HS256 is on: the public key is never the HMAC key.
		{name: "confusion PEM with secret", v: bothV, header: "Bearer " + sign(t, jwt.SigningMethodHS256, pubPEM, "r1", claims(nil)), want: "signature does not verify"},
		// The same with the JWK JSON as the HMAC secret.
		{name: "confusion JWK with secret", v: bothV, header: "Bearer " + sign(t, jwt.SigningMethodHS256, pubJWK, "r1", claims(nil)), want: "signature does not verify"},
		// RS256 is off when only a secret is configured.
		{name: "RS256 with only secret", v: hsV, header: "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, "r1", claims(nil)), want: "algorithm RS256 is not accepted"},
		// Other HMAC strengths are not configured either.
		{name: "HS384", v: hsV, header: "Bearer " + sign(t, jwt.SigningMethodHS384, testSecret, "", claims(nil)), want: "algorithm HS384 is not accepted"},
		// RFC 7515: unknown critical header extensions must be refused.
		{name: "crit header", v: hsV, header: "Bearer " + func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
			tok.Header["crit"] = []string{"b64"}
			s, _ := tok.SignedString(testSecret)
			return s
		}(), want: "crit"},
		// A role outside the list must not slip through to authorisation.
		{name: "unknown role", v: hsV, header: hs(claims(map[string]any{"roles": []string{"operator", "superuser"}})), want: `role "superuser" is unknown`},
		// A token with no roles can do nothing; it is a minting mistake.
		{name: "empty roles", v: hsV, header: hs(claims(map[string]any{"roles": []string{}})), want: "no roles"},
		// Missing roles is the same.
		{name: "missing roles", v: hsV, header: hs(claims(map[string]any{"roles": nil})), want: "no roles"},
		// roles must be an array; a bare string is a type error, named.
		{name: "roles as string", v: hsV, header: hs(claims(map[string]any{"roles": "admin"})), want: "roles"},
		// org_kind decides permissions: unknown kinds are refused.
		{name: "bad org_kind", v: hsV, header: hs(claims(map[string]any{"org_kind": "bank"})), want: "org_kind"},
		// Only the lowercase spelling is accepted in tokens.
		{name: "uppercase org_kind", v: hsV, header: hs(claims(map[string]any{"org_kind": "AGENCY"})), want: "org_kind"},
		// Missing org_kind is refused.
		{name: "missing org_kind", v: hsV, header: hs(claims(map[string]any{"org_kind": nil})), want: "org_kind"},
		// Every token names an organisation.
		{name: "missing org", v: hsV, header: hs(claims(map[string]any{"org": nil})), want: "no organisation"},
		// An org with spaces is not a code.
		{name: "org with space", v: hsV, header: hs(claims(map[string]any{"org": "DIN SOS"})), want: "not an organisation code"},
		// Every token names a person.
		{name: "missing sub", v: hsV, header: hs(claims(map[string]any{"sub": nil})), want: "no subject"},
		// A malformed region would match nothing or too much in prefix checks.
		{name: "bad region", v: hsV, header: hs(claims(map[string]any{"region": "19.4"})), want: `region "19.4"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.v.Verify(tc.header)
			if tc.check != nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				tc.check(t, p)
				return
			}
			if p != nil {
				t.Errorf("principal = %+v, want nil", p)
			}
			assertUnauthenticated(t, err, tc.want)
			t.Log(jaring.ErrorMessage(err))
		})
	}
}

func TestVerifyTokenEmpty(t *testing.T) {
	v := newVerifier(t, VerifierConfig{Secret: testSecret})
	_, err := v.VerifyToken("")
	// A bare empty token gets the same kind of answer as a missing header.
	assertUnauthenticated(t, err, "No token")
}

func TestNewVerifierConfig(t *testing.T) {
	k := getKeys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	file := func(data string) string {
		p := filepath.Join(t.TempDir(), "jwks.json")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withD := rsaJWK("r1", &k.rsa1.PublicKey)
	withD["d"] = "AAAA"
	badX := edJWK("e1", k.ed1.Public().(ed25519.PublicKey))
	badX["x"] = "AAAA"

	tests := []struct {
		name string
		cfg  VerifierConfig
		want string // in the error
	}{
		// RSA keys under 2048 bits are factorable in practice and must be refused.
		{"RSA 1024", VerifierConfig{JWKSFile: writeJWKS(t, rsaJWK("small", &small.PublicKey))}, "1024 bits"},
		// A short HMAC secret can be brute-forced offline from any token.
		{"short secret", VerifierConfig{Secret: []byte("short")}, "at least 32"},
		// Nothing configured would accept nothing; say so at start-up.
		{"neither", VerifierConfig{}, "neither"},
		// A wrong path is a start-up error, not a run of failed logins.
		{"missing file", VerifierConfig{JWKSFile: filepath.Join(t.TempDir(), "nope.json")}, "reading JWKS"},
		// Not JSON.
		{"not JSON", VerifierConfig{JWKSFile: file("{")}, "not a JSON Web Key Set"},
		// JSON but not a key set.
		{"no keys member", VerifierConfig{JWKSFile: file(`{"kty":"RSA"}`)}, `no "keys"`},
		// An empty set verifies nothing.
		{"empty set", VerifierConfig{JWKSFile: file(`{"keys":[]}`)}, "no keys"},
		// Private keys do not belong on the verifier.
		{"private key", VerifierConfig{JWKSFile: writeJWKS(t, withD)}, "private key"},
		// An Ed25519 x of the wrong length is not a key.
		{"short x", VerifierConfig{JWKSFile: writeJWKS(t, badX)}, "32"},
		// Key types we cannot use are reported, not skipped.
		{"EC key", VerifierConfig{JWKSFile: file(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`)}, `kty "EC"`},
		// Two keys with one kid make selection ambiguous.
		{"duplicate kid", VerifierConfig{JWKSFile: writeJWKS(t, rsaJWK("r1", &k.rsa1.PublicKey), rsaJWK("r1", &k.rsa2.PublicKey))}, "earlier key"},
		// An RSA key declared for another algorithm is refused.
		{"RSA alg PS256", VerifierConfig{JWKSFile: func() string {
			j := rsaJWK("r1", &k.rsa1.PublicKey)
			j["alg"] = "PS256"
			return writeJWKS(t, j)
		}()}, "PS256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewVerifier(tc.cfg)
			if err == nil {
				t.Fatalf("NewVerifier succeeded (%+v); want error containing %q", v, tc.want)
			}
			if je := (*jaring.Error)(nil); errors.As(err, &je) {
				t.Errorf("error %v is a *jaring.Error; config errors are plain", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestMintVerify(t *testing.T) {
	v := newVerifier(t, VerifierConfig{Secret: testSecret})
	// Every demo organisation can be minted for and verified as its kind.
	for org, kind := range DemoOrgKinds {
		c := Claims{Subject: "budi", Org: org, OrgKind: kind, Roles: []Role{"viewer", "supervisor"}, Region: "19.04.01", TTL: 8 * time.Hour}
		tok, err := Mint(testSecret, c, testNow)
		if err != nil {
			t.Fatalf("Mint %s: %v", org, err)
		}
		p, err := v.VerifyToken(tok)
		if err != nil {
			t.Fatalf("Verify %s: %v", org, err)
		}
		want := &Principal{Subject: "budi", Org: org, OrgKind: kind, Roles: []Role{"viewer", "supervisor"}, Region: "19.04.01", Expires: testNow.Add(8 * time.Hour)}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("%s: principal = %+v, want %+v", org, p, want)
		}
	}
	if len(DemoOrgKinds) != 11 {
		t.Errorf("DemoOrgKinds has %d entries, want 11", len(DemoOrgKinds))
	}

	// The token carries the documented claim names, org_kind lowercase.
	tok, err := Mint(testSecret, Claims{Subject: "a", Org: "SILAKSO", OrgKind: jaring.OrgFrontOffice, Roles: []Role{"operator"}, TTL: time.Hour}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	if m["org_kind"] != "front_office" || m["sub"] != "a" || m["org"] != "SILAKSO" || m["exp"] == nil {
		t.Errorf("payload = %s", payload)
	}
	if _, ok := m["region"]; ok {
		t.Errorf("payload has a region though none was given: %s", payload)
	}

	// A minted token expires like any other.
	later, err := NewVerifier(VerifierConfig{Secret: testSecret, Now: func() time.Time { return testNow.Add(2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = later.VerifyToken(tok)
	assertUnauthenticated(t, err, "expired")
}

func TestMintRefuses(t *testing.T) {
	ok := Claims{Subject: "a", Org: "DINSOS", OrgKind: jaring.OrgAgency, Roles: []Role{"operator"}, TTL: time.Hour}
	tests := []struct {
		name   string
		secret []byte
		edit   func(c *Claims)
		want   string
	}{
		// Minting a role that Verify would refuse must fail at once.
		{"unknown role", testSecret, func(c *Claims) { c.Roles = []Role{"superuser"} }, `role "superuser" is unknown`},
		// No roles means a useless token.
		{"no roles", testSecret, func(c *Claims) { c.Roles = nil }, "no roles"},
		// The OrgKind must be one of jaring's constants.
		{"bad kind", testSecret, func(c *Claims) { c.OrgKind = "agency" }, "not a kind of organisation"},
		// Bad regions are caught before signing.
		{"bad region", testSecret, func(c *Claims) { c.Region = "19.4" }, "region"},
		// A token must expire in the future.
		{"zero TTL", testSecret, func(c *Claims) { c.TTL = 0 }, "TTL"},
		// No subject.
		{"no subject", testSecret, func(c *Claims) { c.Subject = "" }, "subject"},
		// A short secret would make a weak token.
		{"short secret", []byte("short"), func(*Claims) {}, "at least 32"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			tok, err := Mint(tc.secret, c, testNow)
			if err == nil {
				t.Fatalf("Mint = %q; want error containing %q", tok, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			// Bad claims are the caller's input (EINVALID); a bad secret is configuration (plain).
			wantCode := jaring.EINVALID
			if len(tc.secret) < 32 {
				wantCode = jaring.EINTERNAL
			}
			if got := jaring.ErrorCode(err); got != wantCode {
				t.Errorf("code = %s, want %s", got, wantCode)
			}
		})
	}
}

func TestLoadSecret(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	long := strings.Repeat("s", 40)

	t.Run("env wins", func(t *testing.T) {
		// An operator-provided secret overrides the file, and no file is made.
		dir := t.TempDir()
		got, err := LoadSecret(env(map[string]string{"JARING_JWT_SECRET": long}), dir)
		if err != nil || string(got) != long {
			t.Fatalf("LoadSecret = %q, %v", got, err)
		}
		if _, err := os.Stat(filepath.Join(dir, SecretFile)); !os.IsNotExist(err) {
			t.Errorf("secret file made though the variable was set: %v", err)
		}
		// Even when a file exists.
		if err := os.WriteFile(filepath.Join(dir, SecretFile), []byte(strings.Repeat("f", 64)), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err = LoadSecret(env(map[string]string{"JARING_JWT_SECRET": long}), dir)
		if err != nil || string(got) != long {
			t.Fatalf("LoadSecret = %q, %v", got, err)
		}
	})

	t.Run("env too short", func(t *testing.T) {
		// A short secret is refused, not padded or ignored.
		_, err := LoadSecret(env(map[string]string{"JARING_JWT_SECRET": "tooshort"}), t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "at least 32") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("no env no dir", func(t *testing.T) {
		// The user is told both ways out.
		_, err := LoadSecret(env(nil), "")
		if err == nil || !strings.Contains(err.Error(), "JARING_JWT_SECRET") || !strings.Contains(err.Error(), "--data-dir") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("file created once and reused", func(t *testing.T) {
		// First use makes a private 64-hex-digit file; later uses read it back.
		dir := filepath.Join(t.TempDir(), "data")
		a, err := LoadSecret(env(nil), dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 64 || strings.Trim(string(a), "0123456789abcdef") != "" {
			t.Errorf("secret = %q, want 64 hex digits", a)
		}
		fi, err := os.Stat(filepath.Join(dir, SecretFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
		}
		b, err := LoadSecret(env(nil), dir)
		if err != nil || string(a) != string(b) {
			t.Errorf("second LoadSecret = %q, %v; want %q", b, err, a)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("data dir holds %d entries, want only %s (temp files left behind?)", len(entries), SecretFile)
		}
		// And the secret works.
		if _, err := NewVerifier(VerifierConfig{Secret: a}); err != nil {
			t.Error(err)
		}
	})

	t.Run("short file", func(t *testing.T) {
		// A truncated file is an error, not a weak secret.
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, SecretFile), []byte("abc\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadSecret(env(nil), dir)
		if err == nil || !strings.Contains(err.Error(), "delete the file") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		// Processes starting together must agree, or half their tokens fail.
		for round := 0; round < 20; round++ {
			dir := t.TempDir()
			const n = 8
			got := make([][]byte, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					got[i], errs[i] = LoadSecret(env(nil), dir)
				}()
			}
			close(start)
			wg.Wait()
			for i := 0; i < n; i++ {
				if errs[i] != nil {
					t.Fatalf("goroutine %d: %v", i, errs[i])
				}
				if string(got[i]) != string(got[0]) {
					t.Fatalf("round %d: goroutine %d got %q, goroutine 0 got %q", round, i, got[i], got[0])
				}
			}
			onDisk, err := os.ReadFile(filepath.Join(dir, SecretFile))
			if err != nil || string(onDisk) != string(got[0]) {
				t.Fatalf("file = %q, %v; goroutines got %q", onDisk, err, got[0])
			}
		}
	})
}

func TestVerifyConcurrent(t *testing.T) {
	// One Verifier serves every request; it must be safe to share.
	v := newVerifier(t, VerifierConfig{Secret: testSecret})
	tok := "Bearer " + sign(t, jwt.SigningMethodHS256, testSecret, "", claims(nil))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if _, err := v.Verify(tok); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkVerifyHS256(b *testing.B) {
	v := newVerifier(b, VerifierConfig{Secret: testSecret})
	tok := "Bearer " + sign(b, jwt.SigningMethodHS256, testSecret, "", claims(nil))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}
