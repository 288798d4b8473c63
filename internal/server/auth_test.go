package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgtest"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/server"
)

// Every kind of bad token is refused with UNAUTHENTICATED, its reason, and
// no data; the organisation a token names must exist and be what it says.
func TestTokens(t *testing.T) {
	db := pgtest.Open(t, pgtest.DemoURL(t))
	secret := []byte(strings.Repeat("s", 32))
	verifier, err := authz.NewVerifier(authz.VerifierConfig{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	auth := &authz.Authenticator{Verifier: verifier, Orgs: postgres.NewOrganisationStore(db)}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := authz.FromContext(r.Context())
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"org": p.Org, "orgID": p.OrgID, "region": p.OrgRegion}})
	})
	addr, cancel, done := serve(t, server.New(server.Config{Log: quiet, Auth: auth}, db, echo))
	defer func() { cancel(); <-done }()

	now := time.Now()
	mint := func(c authz.Claims, key []byte, at time.Time) string {
		tok, err := authz.Mint(key, c, at)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	approver := authz.Claims{Subject: "s", Org: "DINSOS", OrgKind: jaring.OrgAgency, Roles: []authz.Role{authz.RoleApprover}, TTL: time.Hour}
	with := func(f func(*authz.Claims)) authz.Claims { c := approver; f(&c); return c }
	b64 := base64.RawURLEncoding.EncodeToString
	exp := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	algNone := "Bearer " + b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		b64([]byte(`{"sub":"s","org":"DINSOS","org_kind":"agency","roles":["approver"],"exp":`+exp+`}`)) + "."
	// Mint refuses an unknown role, so that token is signed by hand.
	unknownRole, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "s", "org": "DINSOS", "org_kind": "agency", "roles": []string{"overlord"}, "exp": now.Add(time.Hour).Unix(),
	}).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		header string
		reason string // a part of the message
	}{
		{"none", "", "No Authorization header"},
		{"garbage", "Bearer not.a.token", "token"},
		{"expired", mint(approver, secret, now.Add(-2*time.Hour)), "expired"},
		{"wrong key", mint(approver, []byte(strings.Repeat("k", 32)), now), "signature"},
		{"alg none", algNone, "none"},
		// The organisation must exist in Jaring.
		{"unknown org", mint(with(func(c *authz.Claims) { c.Org = "PT-NOBODY" }), secret, now), "PT-NOBODY, which Jaring does not know"},
		{"unknown role", "Bearer " + unknownRole, "overlord"},
		// A token may not make an agency a donor.
		{"wrong kind", mint(with(func(c *authz.Claims) { c.OrgKind = jaring.OrgDonor; c.Roles = []authz.Role{authz.RoleDonor} }), secret, now), "is a agency"},
		{"village without region", mint(with(func(c *authz.Claims) {
			c.Org, c.OrgKind, c.Roles = "DESA", jaring.OrgVillage, []authz.Role{authz.RoleOperator}
		}), secret, now), "must carry the region"},
		{"region outside the organisation's", mint(with(func(c *authz.Claims) { c.Region = "19.01" }), secret, now), "outside DINSOS's region 19.04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, addr, tt.header, "")
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"UNAUTHENTICATED"`) || strings.Contains(body, `"data"`) {
				t.Fatalf("%d %s: want 401 UNAUTHENTICATED and no data", resp.StatusCode, body)
			}
			if !strings.Contains(body, tt.reason) {
				t.Errorf("%s: the reason does not say %q", body, tt.reason)
			}
		})
	}
	// A good token passes, with its organisation's ID and region.
	resp, body := post(t, addr, mint(approver, secret, now), "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"org":"DINSOS"`) || !strings.Contains(body, `"region":"19.04"`) || strings.Contains(body, `"orgID":0`) {
		t.Errorf("good token: %d %s", resp.StatusCode, body)
	}
}
