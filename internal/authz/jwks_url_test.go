package authz

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jaring-id/jaring/internal/jaring"
)

// jwksServer is an identity provider's JWKS endpoint that a test can
// rotate, break, slow down and count.
type jwksServer struct {
	*httptest.Server
	requests atomic.Int64
	arrived  chan struct{} // gets a value for each request that waits on the gate

	mu           sync.Mutex
	status       int
	body         []byte
	cacheControl string
	gate         chan struct{} // if not nil, requests wait until it is closed
}

func newJWKSServer(t *testing.T, keys ...map[string]any) *jwksServer {
	t.Helper()
	s := &jwksServer{arrived: make(chan struct{}, 16)}
	s.serve(keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) handle(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	status, body, cc, gate := s.status, s.body, s.cacheControl, s.gate
	s.mu.Unlock()
	if gate != nil {
		select {
		case s.arrived <- struct{}{}:
		default:
		}
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if cc != "" {
		w.Header().Set("Cache-Control", cc)
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.WriteHeader(status)
	w.Write(body)
}

// serve makes the server publish keys from now on.
func (s *jwksServer) serve(keys ...map[string]any) { s.answer(http.StatusOK, jwksJSON(keys...)) }

// answer makes the server answer status and body from now on.
func (s *jwksServer) answer(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *jwksServer) setCacheControl(cc string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cacheControl = cc
}

// hold makes requests wait until the returned func is called.
func (s *jwksServer) hold() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gate := make(chan struct{})
	s.gate = gate
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.gate = nil
			s.mu.Unlock()
			close(gate)
		})
	}
}

func (s *jwksServer) count() int { return int(s.requests.Load()) }

func (s *jwksServer) certsURL() string { return s.URL + "/realms/dinsos/protocol/openid-connect/certs" }

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: testNow} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects log lines written from background fetches.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// urlVerifier returns a Verifier on cfg, its JWKS URL srv's, with clock and
// a logger writing to the returned buffer. It is closed when the test ends.
func urlVerifier(t *testing.T, srv *jwksServer, clock *testClock, cfg VerifierConfig) (*Verifier, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	cfg.JWKSURL = srv.certsURL()
	cfg.Now = clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, logs
}

// longClaims are valid claims that outlive every clock move in these tests.
func longClaims() jwt.MapClaims {
	return claims(map[string]any{"exp": testNow.Add(72 * time.Hour).Unix()})
}

func assertVerifies(t *testing.T, v *Verifier, token string) {
	t.Helper()
	if _, err := v.VerifyToken(token); err != nil {
		t.Fatalf("VerifyToken: %v", err)
	}
}

func assertFetches(t *testing.T, srv *jwksServer, want int) {
	t.Helper()
	if got := srv.count(); got != want {
		t.Fatalf("the JWKS server got %d requests, want %d", got, want)
	}
}

// refresh verifies token, which starts a refresh if the keys are due, and
// waits for that refresh to end.
func refresh(t *testing.T, v *Verifier, token string) {
	t.Helper()
	v.VerifyToken(token)
	v.url.wait()
}

func TestJWKSURLRotatedKey(t *testing.T) {
	k := getKeys(t)
	srv := newJWKSServer(t, rsaJWK("a", &k.rsa1.PublicKey))
	clock := newTestClock()
	v, logs := urlVerifier(t, srv, clock, VerifierConfig{})
	tokA := sign(t, jwt.SigningMethodRS256, k.rsa1, "a", longClaims())
	tokB := sign(t, jwt.SigningMethodRS256, k.rsa2, "b", longClaims())

	assertVerifies(t, v, tokA)
	assertFetches(t, srv, 1)

	// The provider rotates: b replaces a.
	srv.serve(rsaJWK("b", &k.rsa2.PublicKey))
	clock.Advance(defaultMinRefetch)
	assertVerifies(t, v, tokB)
	assertFetches(t, srv, 2)
	if !strings.Contains(logs.String(), "the JWKS changed") || !strings.Contains(logs.String(), "added=[b] removed=[a]") {
		t.Errorf("log does not report the rotation:\n%s", logs)
	}

	// a left the set, so it is revoked; and asking again so soon fetches nothing.
	_, err := v.VerifyToken(tokA)
	assertUnauthenticated(t, err, "unknown key")
	assertFetches(t, srv, 2)
	assertVerifies(t, v, tokB)
	assertFetches(t, srv, 2)
}

func TestJWKSURLUnknownKidFlood(t *testing.T) {
	k := getKeys(t)
	srv := newJWKSServer(t, rsaJWK("a", &k.rsa1.PublicKey))
	clock := newTestClock()
	const interval = 10 * time.Second
	v, _ := urlVerifier(t, srv, clock, VerifierConfig{MinRefetchInterval: interval})
	_, forger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = sign(t, jwt.SigningMethodEdDSA, forger, fmt.Sprintf("made-up-%d", i), longClaims())
	}
	flood := func(t *testing.T) {
		t.Helper()
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = v.VerifyToken(tokens[i])
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			assertUnauthenticated(t, err, "unknown key")
		}
	}

	tests := []struct {
		name    string
		advance time.Duration
		want    int // requests to the server so far
	}{
		// Right after the first fetch the set is fresh: made-up kids fetch nothing.
		{"within the interval of the first fetch", 0, 1},
		// Once the interval has passed, 200 unknown kids cost the provider one request.
		{"after the interval", interval, 2},
		// The interval runs from that fetch: a second flood just before its end fetches nothing.
		{"just before the next interval ends", interval - time.Second, 2},
		// And one more request once it has passed, however many tokens ask.
		{"after the next interval", time.Second, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(tc.advance)
			flood(t)
			assertFetches(t, srv, tc.want)
		})
	}
}

// The provider rotates its key while a flood of tokens with made-up kids
// arrives: the first token of the new key verifies after one refetch,
// shared by every verification racing it, and the flood costs the provider
// that one request, then none until the interval has passed.
func TestJWKSURLRotationUnderFlood(t *testing.T) {
	k := getKeys(t)
	srv := newJWKSServer(t, rsaJWK("a", &k.rsa1.PublicKey))
	clock := newTestClock()
	const interval = 30 * time.Second
	v, _ := urlVerifier(t, srv, clock, VerifierConfig{MinRefetchInterval: interval})
	_, forger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tokB := sign(t, jwt.SigningMethodRS256, k.rsa2, "b", longClaims())
	forged := make([]string, 300)
	for i := range forged {
		forged[i] = sign(t, jwt.SigningMethodEdDSA, forger, fmt.Sprintf("made-up-%d", i), longClaims())
	}
	flood := func(rotated int) (okB, okForged int) {
		var wg sync.WaitGroup
		var nB, nForged atomic.Int64
		start := make(chan struct{})
		for i := range 300 {
			wg.Go(func() {
				<-start
				if i < rotated {
					if _, err := v.VerifyToken(tokB); err == nil {
						nB.Add(1)
					}
					return
				}
				if _, err := v.VerifyToken(forged[i]); err == nil {
					nForged.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		return int(nB.Load()), int(nForged.Load())
	}

	// The provider rotates from a to b once the first fetch is an
	// interval old; 50 holders of b race 250 made-up kids.
	srv.serve(rsaJWK("b", &k.rsa2.PublicKey))
	clock.Advance(interval)
	if okB, okForged := flood(50); okB != 50 || okForged != 0 {
		t.Fatalf("%d of 50 tokens of the rotated key verified, %d forged ones; want 50 and 0", okB, okForged)
	}
	assertFetches(t, srv, 2) // the first fetch, and one refetch for all 300
	// Right after, a second flood costs nothing, and b still verifies.
	clock.Advance(interval - time.Second)
	if okB, okForged := flood(1); okB != 1 || okForged != 0 {
		t.Fatalf("second flood: %d of 1 token of b verified, %d forged", okB, okForged)
	}
	assertFetches(t, srv, 2)
}

func TestJWKSURLRotationConcurrent(t *testing.T) {
	// Verifications of the new key that race the refetch must all succeed,
	// whether they started it, joined it or came after it.
	k := getKeys(t)
	srv := newJWKSServer(t, rsaJWK("a", &k.rsa1.PublicKey))
	clock := newTestClock()
	v, _ := urlVerifier(t, srv, clock, VerifierConfig{})
	for round := range 5 {
		// Each round the provider rotates to a new Ed25519 kid.
		kid := fmt.Sprintf("e%d", round)
		srv.serve(rsaJWK("a", &k.rsa1.PublicKey), edJWK(kid, k.ed1.Public().(ed25519.PublicKey)))
		clock.Advance(defaultMinRefetch)
		tok := sign(t, jwt.SigningMethodEdDSA, k.ed1, kid, longClaims())
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 200 {
			wg.Go(func() {
				<-start
				if _, err := v.VerifyToken(tok); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			})
		}
		close(start)
		wg.Wait()
		assertFetches(t, srv, 2+round)
	}
}

func TestNewVerifierJWKSURL(t *testing.T) {
	k := getKeys(t)
	withD := rsaJWK("a", &k.rsa1.PublicKey)
	withD["d"] = "AAAA"
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	redirect := httptest.NewServer(http.RedirectHandler("http://idp.invalid/certs", http.StatusFound))
	t.Cleanup(redirect.Close)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(jwksJSON(rsaJWK("a", &k.rsa1.PublicKey)))
	}))
	t.Cleanup(tlsSrv.Close)
	fileWithA := writeJWKS(t, rsaJWK("a", &k.rsa2.PublicKey))

	answering := func(status int, body string) string {
		srv := newJWKSServer(t)
		srv.answer(status, []byte(body))
		return srv.certsURL()
	}
	serving := func(keys ...map[string]any) string { return newJWKSServer(t, keys...).certsURL() }

	tests := []struct {
		name string
		cfg  VerifierConfig
		want string // in the error, besides the URL
	}{
		// A provider that is down at start-up is a deployment problem to see at once.
		{"server error", VerifierConfig{JWKSURL: answering(500, "oops")}, "500 Internal Server Error"},
		// A wrong path (Keycloak's is /realms/R/protocol/openid-connect/certs) answers 404.
		{"not found", VerifierConfig{JWKSURL: answering(404, "")}, "404"},
		// A login page or proxy error is not a key set.
		{"not JSON", VerifierConfig{JWKSURL: answering(200, "<html>")}, "not a JSON Web Key Set"},
		// An empty set would verify nothing.
		{"empty set", VerifierConfig{JWKSURL: answering(200, `{"keys":[]}`)}, "no keys"},
		// parseJWKS's rules hold for a URL as for a file: no private keys.
		{"private key", VerifierConfig{JWKSURL: serving(withD)}, "private key"},
		// Nor key types we cannot use (Keycloak also publishes ES256 keys if asked).
		{"EC key", VerifierConfig{JWKSURL: answering(200, `{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`)}, `kty "EC"`},
		// A set too large to be one is refused before it is parsed.
		{"too large", VerifierConfig{JWKSURL: answering(200, `{"keys":[`+strings.Repeat(" ", maxJWKSBytes)+`]}`)}, "larger than"},
		// Nobody listening: the network error is told.
		{"unreachable", VerifierConfig{JWKSURL: closed.URL + "/certs"}, "fetching the key set"},
		// Keys over plain http from another host could be swapped on the way.
		{"plain http", VerifierConfig{JWKSURL: "http://idp.example/certs"}, "use https"},
		// Nor may a redirect lead there.
		{"redirect to plain http", VerifierConfig{JWKSURL: redirect.URL + "/certs"}, "redirected to http://idp.invalid/certs"},
		// A relative or non-http URL is a typo, not a provider.
		{"relative", VerifierConfig{JWKSURL: "realms/dinsos/certs"}, "not an absolute https URL"},
		// Other schemes are refused.
		{"ftp", VerifierConfig{JWKSURL: "ftp://idp.example/certs"}, "not an absolute https URL"},
		// The default client trusts only the system's roots; a self-signed provider needs HTTPClient.
		{"unknown certificate", VerifierConfig{JWKSURL: tlsSrv.URL + "/certs"}, "certificate"},
		// One kid in the file and the URL would make the key a token gets arbitrary.
		{"kid in file and URL", VerifierConfig{JWKSFile: fileWithA, JWKSURL: serving(rsaJWK("a", &k.rsa1.PublicKey))}, "JWKS file too"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewVerifier(tc.cfg)
			if err == nil {
				v.Close()
				t.Fatalf("NewVerifier succeeded; want error containing %q", tc.want)
			}
			if je := (*jaring.Error)(nil); errors.As(err, &je) {
				t.Errorf("error %v is a *jaring.Error; config errors are plain", err)
			}
			if !strings.Contains(err.Error(), "JWKS URL "+tc.cfg.JWKSURL) {
				t.Errorf("error %q does not name the URL %s", err, tc.cfg.JWKSURL)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}

	t.Run("HTTPClient", func(t *testing.T) {
		// The caller's client is used: here one that trusts the test server's certificate.
		v, err := NewVerifier(VerifierConfig{JWKSURL: tlsSrv.URL + "/certs", HTTPClient: tlsSrv.Client(), Now: func() time.Time { return testNow }})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		assertVerifies(t, v, sign(t, jwt.SigningMethodRS256, k.rsa1, "a", claims(nil)))
	})

	t.Run("password redacted", func(t *testing.T) {
		// A URL with credentials must not print them in an error or a log.
		u := strings.Replace(closed.URL, "http://", "http://jaring:s3cret@", 1)
		_, err := NewVerifier(VerifierConfig{JWKSURL: u})
		if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "jaring:xxxxx@") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestJWKSURLFailedRefreshKeepsKeys(t *testing.T) {
	k := getKeys(t)
	tokA := sign(t, jwt.SigningMethodRS256, k.rsa1, "a", longClaims())
	tokB := sign(t, jwt.SigningMethodRS256, k.rsa2, "b", longClaims())
	tests := []struct {
		name string
		fail func(srv *jwksServer) (mend func())
		want string // in the log
	}{
		// The provider is down for maintenance.
		{"server error", func(srv *jwksServer) func() {
			srv.answer(http.StatusServiceUnavailable, nil)
			return func() {}
		}, "503 Service Unavailable"},
		// A proxy answers with its own page.
		{"not JSON", func(srv *jwksServer) func() {
			srv.answer(http.StatusOK, []byte("<html>"))
			return func() {}
		}, "not a JSON Web Key Set"},
		// A misconfigured realm publishes nothing: that must not revoke every key.
		{"empty set", func(srv *jwksServer) func() {
			srv.answer(http.StatusOK, []byte(`{"keys":[]}`))
			return func() {}
		}, "no keys"},
		// The provider hangs: the fetch times out (HTTPClient's timeout, 50 ms here).
		{"hangs", func(srv *jwksServer) func() { return srv.hold() }, "deadline exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newJWKSServer(t, rsaJWK("a", &k.rsa1.PublicKey))
			clock := newTestClock()
			v, logs := urlVerifier(t, srv, clock, VerifierConfig{HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
			mend := tc.fail(srv)
			defer mend()

			clock.Advance(defaultKeyLifetime)
			refresh(t, v, tokA)
			assertFetches(t, srv, 2)
			assertVerifies(t, v, tokA)
			if l := logs.String(); !strings.Contains(l, "refreshing the JWKS failed") || !strings.Contains(l, srv.certsURL()) || !strings.Contains(l, tc.want) {
				t.Errorf("log does not report the failure with %q:\n%s", tc.want, l)
			}
			// A failed refresh is retried after MinRefetchInterval, not on every request.
			refresh(t, v, tokA)
			assertFetches(t, srv, 2)
			clock.Advance(defaultMinRefetch)
			refresh(t, v, tokA)
			assertFetches(t, srv, 3)
			assertVerifies(t, v, tokA)

			// Once the provider is back (with a new key), the next retry picks it up.
			mend()
			srv.serve(rsaJWK("a", &k.rsa1.PublicKey), rsaJWK("b", &k.rsa2.PublicKey))
			clock.Advance(defaultMinRefetch)
			refresh(t, v, tokA)
			assertFetches(t, srv, 4)
			assertVerifies(t, v, tokB)
			assertFetches(t, srv, 4)
		})
	}
}

func TestJWKSURLUnknownKidWhileDown(t *testing.T) {
	// A refetch that fails refuses the new token with the usual message and
	// keeps the known keys working.
	k := getKeys(t)
	srv := newJWKSServer(t, rsaJWK("a", &k.rsa1.PublicKey))
	clock := newTestClock()
	v, _ := urlVerifier(t, srv, clock, VerifierConfig{})
	srv.answer(http.StatusBadGateway, nil)
	clock.Advance(defaultMinRefetch)
	_, err := v.VerifyToken(sign(t, jwt.SigningMethodRS256, k.rsa2, "b", longClaims()))
	assertUnauthenticated(t, err, "unknown key")
	assertFetches(t, srv, 2)
	assertVerifies(t, v, sign(t, jwt.SigningMethodRS256, k.rsa1, "a", longClaims()))
}

func TestCacheLifetime(t *testing.T) {
	tests := []struct {
		cc   string
		want time.Duration
	}{
		// No header: the default hour.
		{"", time.Hour},
		// Keycloak's own answer for its certs endpoint.
		{"no-cache", 5 * time.Minute},
		// no-store means "do not keep": refresh as often as we allow.
		{"no-store", 5 * time.Minute},
		// A max-age in range is honoured.
		{"max-age=7200", 2 * time.Hour},
		// Directives are case-insensitive and come in any order with others.
		{"public, MAX-AGE=600, must-revalidate", 10 * time.Minute},
		// A short max-age is raised, so a provider cannot make us poll.
		{"max-age=0", 5 * time.Minute},
		// A long one is cut to a day, so a removed key is revoked within one.
		{"max-age=604800", 24 * time.Hour},
		// A max-age too large for a Duration must not overflow into the past.
		{"max-age=99999999999999999", 24 * time.Hour},
		// A quoted value is tolerated.
		{`max-age="900"`, 15 * time.Minute},
		// A malformed max-age is ignored, not read as zero.
		{"max-age=soon", time.Hour},
		// A negative one too.
		{"max-age=-5", time.Hour},
		// s-maxage is for shared caches, not for us.
		{"s-maxage=60", time.Hour},
		// Two header lines are joined with a comma; no-cache wins.
		{"max-age=7200,no-cache", 5 * time.Minute},
	}
	for _, tc := range tests {
		if got := cacheLifetime(tc.cc); got != tc.want {
			t.Errorf("cacheLifetime(%q) = %s, want %s", tc.cc, got, tc.want)
		}
	}
}

func TestJWKSURLCacheControl(t *testing.T) {
	k := getKeys(t)
	tokA := sign(t, jwt.SigningMethodRS256, k.rsa1, "a", longClaims())
	tests := []struct {
		name string
		cc   string
		want time.Duration // when the first refresh is due
	}{
		// Without Cache-Control the set is refreshed hourly.
		{"none", "", time.Hour},
		// A provider asking for 10 minutes gets them.
		{"max-age 600", "max-age=600", 10 * time.Minute},
		// One asking for seconds gets five minutes.
		{"max-age 10", "max-age=10", 5 * time.Minute},
		// One asking for a week gets a day.
		{"max-age week", "max-age=604800", 24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newJWKSServer(t, rsaJWK("a", &k.rsa1.PublicKey))
			srv.setCacheControl(tc.cc)
			clock := newTestClock()
			v, _ := urlVerifier(t, srv, clock, VerifierConfig{})
			clock.Advance(tc.want - time.Second)
			refresh(t, v, tokA)
			assertFetches(t, srv, 1)
			clock.Advance(time.Second)
			refresh(t, v, tokA)
			assertFetches(t, srv, 2)
			// The refreshed set's max-age counts from the refresh.
			clock.Advance(tc.want - time.Second)
			refresh(t, v, tokA)
			assertFetches(t, srv, 2)
			clock.Advance(time.Second)
			refresh(t, v, tokA)
			assertFetches(t, srv, 3)
		})
	}
}

func TestJWKSURLRemovedKey(t *testing.T) {
	// A key the provider drops is revoked at the next refresh.
	k := getKeys(t)
	srv := newJWKSServer(t, rsaJWK("a", &k.rsa1.PublicKey), rsaJWK("b", &k.rsa2.PublicKey))
	clock := newTestClock()
	v, _ := urlVerifier(t, srv, clock, VerifierConfig{})
	tokA := sign(t, jwt.SigningMethodRS256, k.rsa1, "a", longClaims())
	tokB := sign(t, jwt.SigningMethodRS256, k.rsa2, "b", longClaims())
	assertVerifies(t, v, tokA)
	assertVerifies(t, v, tokB)

	srv.serve(rsaJWK("b", &k.rsa2.PublicKey))
	clock.Advance(defaultKeyLifetime)
	refresh(t, v, tokB)
	assertFetches(t, srv, 2)
	_, err := v.VerifyToken(tokA)
	assertUnauthenticated(t, err, "unknown key")
	// Later, a refetch for a's kid still does not bring it back.
	clock.Advance(defaultMinRefetch)
	_, err = v.VerifyToken(tokA)
	assertUnauthenticated(t, err, "unknown key")
	assertFetches(t, srv, 3)
	assertVerifies(t, v, tokB)

	// Without kids, removing the second RSA key makes the first unambiguous
	// again, and removing the last makes the family unknown.
	noKid := sign(t, jwt.SigningMethodRS256, k.rsa2, "", longClaims())
	assertVerifies(t, v, noKid)
	srv.serve(edJWK("e", k.ed1.Public().(ed25519.PublicKey)))
	clock.Advance(defaultKeyLifetime)
	refresh(t, v, tokB)
	_, err = v.VerifyToken(noKid)
	assertUnauthenticated(t, err, "holds no RS256 key")
}

func TestJWKSURLWithFileAndSecret(t *testing.T) {
	// All three sources at once: HS256 tokens, the file's keys and the URL's.
	k := getKeys(t)
	file := writeJWKS(t, rsaJWK("r1", &k.rsa1.PublicKey))
	srv := newJWKSServer(t, rsaJWK("u1", &k.rsa2.PublicKey))
	clock := newTestClock()
	v, _ := urlVerifier(t, srv, clock, VerifierConfig{Secret: testSecret, JWKSFile: file})
	hs := sign(t, jwt.SigningMethodHS256, testSecret, "", longClaims())
	fromFile := sign(t, jwt.SigningMethodRS256, k.rsa1, "r1", longClaims())
	fromURL := sign(t, jwt.SigningMethodRS256, k.rsa2, "u1", longClaims())
	edURL := sign(t, jwt.SigningMethodEdDSA, k.ed1, "e1", longClaims())
	assertVerifies(t, v, hs)
	assertVerifies(t, v, fromFile)
	assertVerifies(t, v, fromURL)

	// EdDSA is accepted with a URL even before the provider has such a key:
	// its kid is unknown, not its algorithm refused.
	_, err := v.VerifyToken(edURL)
	assertUnauthenticated(t, err, "unknown key")

	// The provider replaces its key with an Ed25519 one: the file's key and
	// the secret are untouched, the URL's old key is gone.
	srv.serve(edJWK("e1", k.ed1.Public().(ed25519.PublicKey)))
	clock.Advance(defaultKeyLifetime)
	refresh(t, v, hs) // HS256 tokens need no public keys and so start no refresh
	assertFetches(t, srv, 1)
	refresh(t, v, fromFile)
	assertFetches(t, srv, 2)
	assertVerifies(t, v, hs)
	assertVerifies(t, v, fromFile)
	assertVerifies(t, v, edURL)
	_, err = v.VerifyToken(fromURL)
	assertUnauthenticated(t, err, "unknown key")

	// A refresh that gives a file kid to another key is refused, keeping the keys.
	srv.serve(rsaJWK("r1", &k.rsaOut.PublicKey))
	clock.Advance(defaultKeyLifetime)
	refresh(t, v, fromFile)
	assertFetches(t, srv, 3)
	assertVerifies(t, v, fromFile)
	assertVerifies(t, v, edURL)

	// Key confusion: the URL's public key, as JSON, is never the HMAC secret.
	pub, err := json.Marshal(edJWK("e1", k.ed1.Public().(ed25519.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.VerifyToken(sign(t, jwt.SigningMethodHS256, pub, "e1", longClaims()))
	assertUnauthenticated(t, err, "signature does not verify")
}

func TestVerifierClose(t *testing.T) {
	k := getKeys(t)
	srv := newJWKSServer(t, rsaJWK("a", &k.rsa1.PublicKey))
	clock := newTestClock()
	v, logs := urlVerifier(t, srv, clock, VerifierConfig{HTTPClient: &http.Client{}})
	tokA := sign(t, jwt.SigningMethodRS256, k.rsa1, "a", longClaims())

	// A refresh is under way, stuck on a provider that does not answer
	// (and a client with no timeout).
	release := srv.hold()
	defer release()
	clock.Advance(defaultKeyLifetime)
	assertVerifies(t, v, tokA)
	select {
	case <-srv.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the due keys started no refresh")
	}

	// Close cancels it rather than waiting for the provider.
	closed := make(chan struct{})
	go func() {
		v.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while a fetch was stuck")
	}
	if strings.Contains(logs.String(), "failed") {
		t.Errorf("a fetch cancelled by Close was logged as a failure:\n%s", logs)
	}

	// After Close the keys still verify, and nothing is fetched any more.
	release()
	clock.Advance(defaultKeyLifetime)
	assertVerifies(t, v, tokA)
	_, err := v.VerifyToken(sign(t, jwt.SigningMethodRS256, k.rsa2, "b", longClaims()))
	assertUnauthenticated(t, err, "unknown key")
	assertFetches(t, srv, 2)

	// Close twice, and Close without a URL, are harmless.
	if err := v.Close(); err != nil {
		t.Error(err)
	}
	if err := newVerifier(t, VerifierConfig{Secret: testSecret}).Close(); err != nil {
		t.Error(err)
	}
}

func TestJWKSURLFileUnchanged(t *testing.T) {
	// A file alone fetches nothing and, as before, accepts only the
	// families it holds keys for.
	k := getKeys(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(path, jwksJSON(rsaJWK("r1", &k.rsa1.PublicKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, VerifierConfig{JWKSFile: path})
	if v.url != nil {
		t.Fatal("a file-only verifier has a URL")
	}
	_, err := v.VerifyToken(sign(t, jwt.SigningMethodEdDSA, k.ed1, "e1", claims(nil)))
	assertUnauthenticated(t, err, "algorithm EdDSA is not accepted; tokens are signed with RS256")
}
