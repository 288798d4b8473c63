package authz

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/jaring-id/jaring/internal/jaring"
)

// orgCacheTTL is how long an organisation looked up for a token is trusted:
// an organisation removed or changed takes effect within it.
const orgCacheTTL = time.Minute

// Authenticator turns an Authorization header into a principal whose
// organisation exists and is what the token says it is.
type Authenticator struct {
	Verifier *Verifier
	Orgs     jaring.OrganisationStore

	mu    sync.Mutex
	cache map[string]cachedOrg
}

type cachedOrg struct {
	org *jaring.Organisation
	at  time.Time
}

// Authenticate verifies the header's token and checks it against the
// organisation it names. Every refusal is UNAUTHENTICATED with the reason.
func (a *Authenticator) Authenticate(ctx context.Context, authorization string) (*Principal, error) {
	p, err := a.Verifier.Verify(authorization)
	if err != nil {
		return nil, err
	}
	org, err := a.org(ctx, p.Org)
	if jaring.ErrorCode(err) == jaring.ENOTFOUND {
		org, err = nil, nil
	} else if err != nil {
		return nil, err
	}
	if err := CheckOrganisation(p.Org, p.OrgKind, p.Region, org); err != nil {
		return nil, err
	}
	p.OrgID, p.OrgRegion = org.ID, org.RegionCode
	return p, nil
}

// CheckOrganisation checks what a token says of its organisation (its
// code, kind and region) against org, the organisation Jaring holds under
// that code, nil if none: the organisation must exist and be of that kind,
// a village operator's token must carry a region, and the region must lie
// within the organisation's own (one without a region serves everywhere).
// It returns an EUNAUTHENTICATED *jaring.Error saying why the token is
// refused, or nil. Authenticate refuses a token with it, and jaring token
// checks with it the token it is about to mint, so that both say the same.
func CheckOrganisation(code string, kind jaring.OrgKind, region string, org *jaring.Organisation) error {
	switch {
	case org == nil:
		return jaring.Errorf(jaring.EUNAUTHENTICATED, "The token names organisation %s, which Jaring does not know.", code)
	case org.Kind != kind:
		return jaring.Errorf(jaring.EUNAUTHENTICATED, "The token says %s is a %s, but it is a %s.", code, kindClaim(kind), kindClaim(org.Kind))
	case kind == jaring.OrgVillage && region == "":
		return jaring.Errorf(jaring.EUNAUTHENTICATED, "A village operator's token must carry the region it serves (claim region, such as 19.04.01.2003).")
	case region != "" && org.RegionCode != "" && !within(region, org.RegionCode):
		return jaring.Errorf(jaring.EUNAUTHENTICATED, "The token's region %s lies outside %s's region %s.", region, org.Code, org.RegionCode)
	}
	return nil
}

// within reports whether region code lies in (or is) prefix.
func within(code, prefix string) bool {
	return code == prefix || strings.HasPrefix(code, prefix+".")
}

func (a *Authenticator) org(ctx context.Context, code string) (*jaring.Organisation, error) {
	a.mu.Lock()
	c, ok := a.cache[code]
	a.mu.Unlock()
	if ok && time.Since(c.at) < orgCacheTTL {
		return c.org, nil
	}
	org, err := a.Orgs.FindOrganisationByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.cache == nil {
		a.cache = map[string]cachedOrg{}
	}
	a.cache[code] = cachedOrg{org: org, at: time.Now()}
	a.mu.Unlock()
	return org, nil
}

type contextKey struct{}

type requestInfo struct {
	principal *Principal
	purpose   string
}

// NewContext returns a context carrying the authenticated principal and the
// purpose the caller declared (X-Purpose).
func NewContext(ctx context.Context, p *Principal, purpose string) context.Context {
	return context.WithValue(ctx, contextKey{}, requestInfo{principal: p, purpose: purpose})
}

// FromContext returns the principal and purpose of the request; nil if the
// request was not authenticated.
func FromContext(ctx context.Context) (*Principal, string) {
	ri, _ := ctx.Value(contextKey{}).(requestInfo)
	return ri.principal, ri.purpose
}
