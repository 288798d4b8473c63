package authz

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Timing and size limits for a key set fetched from a JWKS URL.
const (
	// defaultKeyLifetime is how long a fetched set is used before it is
	// refreshed when the response has no Cache-Control max-age.
	defaultKeyLifetime = time.Hour
	// minKeyLifetime is the least time between periodic refreshes, so a
	// provider answering max-age=0 does not make every request fetch.
	minKeyLifetime = 5 * time.Minute
	// maxKeyLifetime is the most, so a key removed from the set is revoked
	// within a day whatever max-age says.
	maxKeyLifetime = 24 * time.Hour
	// defaultMinRefetch is VerifierConfig.MinRefetchInterval's default.
	defaultMinRefetch = time.Minute
	// defaultFetchTimeout bounds one fetch when the HTTP client sets no
	// timeout of its own: verifications waiting on a fetch must not hang.
	defaultFetchTimeout = 10 * time.Second
	// maxJWKSBytes bounds a fetched set; real ones are a few kilobytes.
	maxJWKSBytes = 1 << 20
)

// jwksURL is the key set an identity provider publishes at a URL, kept
// fresh. Its keys are read without locks (an atomic pointer); fetches are
// serialised by mu, so at most one runs at a time and every caller that
// needs one while it runs waits for that one.
type jwksURL struct {
	url        string // as configured, for requests
	shown      string // with any password redacted, for messages and logs
	client     *http.Client
	timeout    time.Duration // of one fetch
	now        func() time.Time
	minRefetch time.Duration
	log        *slog.Logger
	file       []publicKey // the JWKS file's keys, published ahead of the URL's

	set atomic.Pointer[[]publicKey] // file keys then URL keys: what keyFor reads
	due atomic.Int64                // Unix nanoseconds from when a refresh is due

	ctx    context.Context // every fetch runs under it; close cancels it
	cancel context.CancelFunc
	wg     sync.WaitGroup // fetches running in the background

	mu        sync.Mutex
	inflight  chan struct{} // closed when the running fetch ends; nil if none runs
	lastFetch time.Time     // when the last fetch began
	fetched   []publicKey   // the URL's keys in force, to log what a refresh changed
	closed    bool
}

// newJWKSURL checks cfg.JWKSURL and fetches its key set. Its errors are
// configuration errors naming the URL.
func newJWKSURL(cfg VerifierConfig, now func() time.Time, file []publicKey) (*jwksURL, error) {
	u, err := url.Parse(cfg.JWKSURL)
	if err != nil {
		return nil, fmt.Errorf("authz: JWKS URL %q is not a URL: %w", cfg.JWKSURL, err)
	}
	r := &jwksURL{
		url:        cfg.JWKSURL,
		shown:      u.Redacted(),
		client:     cfg.HTTPClient,
		now:        now,
		minRefetch: cfg.MinRefetchInterval,
		log:        cfg.Logger,
		file:       file,
	}
	if err := checkJWKSURL(u); err != nil {
		return nil, fmt.Errorf("authz: JWKS URL %s %w", r.shown, err)
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: defaultFetchTimeout, CheckRedirect: checkRedirect}
	}
	r.timeout = r.client.Timeout
	if r.timeout <= 0 {
		r.timeout = defaultFetchTimeout
	}
	if r.minRefetch <= 0 {
		r.minRefetch = defaultMinRefetch
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.lastFetch = now()
	keys, lifetime, err := r.fetch()
	if err != nil {
		r.cancel()
		return nil, fmt.Errorf("authz: JWKS URL %s: %w", r.shown, err)
	}
	r.publish(keys, lifetime)
	return r, nil
}

// checkJWKSURL refuses a URL whose keys could be replaced on the way: keys
// fetched over plain http from another host let anyone on the path mint
// tokens. Its error completes a sentence that starts with the URL.
func checkJWKSURL(u *url.URL) error {
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && u.Host != "" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http" && u.Host != "":
		return errors.New("is plain http to another host; use https, or anyone on the way could replace the keys")
	}
	return errors.New("is not an absolute https URL")
}

// checkRedirect is the default client's redirect policy: a redirect from
// https to plain http would undo checkJWKSURL, so it is refused before it
// is followed. (With a caller's client, fetch checks where it ended up.)
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if err := checkJWKSURL(req.URL); err != nil {
		return fmt.Errorf("redirected to %s, which %w", req.URL.Redacted(), err)
	}
	return nil
}

// isLoopback reports whether host is this machine, where plain http is
// safe (a provider or a test server on localhost).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// keys returns the keys in force.
func (r *jwksURL) keys() []publicKey { return *r.set.Load() }

// refreshIfDue starts a refresh in the background if the set is due. The
// caller goes on with the keys in force: one verification must not wait on
// the provider for a refresh that will most likely change nothing.
func (r *jwksURL) refreshIfDue() {
	if r.now().UnixNano() < r.due.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// A fetch that ended since the check above has moved due on.
	if r.inflight == nil && r.now().UnixNano() >= r.due.Load() {
		r.startLocked()
	}
}

// refetch fetches the set at once, for a token whose kid is unknown, and
// returns when the fetch has ended. It does nothing if a fetch began less
// than minRefetch ago, and joins a fetch already running, so a flood of
// tokens with made-up kids costs the provider one request per minRefetch.
func (r *jwksURL) refetch() {
	r.mu.Lock()
	done := r.inflight
	if done == nil && r.now().Sub(r.lastFetch) >= r.minRefetch {
		done = r.startLocked()
	}
	r.mu.Unlock()
	if done != nil {
		<-done
	}
}

// startLocked starts a fetch in the background and returns the channel
// closed when it ends, or nil once the Verifier is closed. r.mu must be
// held and no fetch running.
func (r *jwksURL) startLocked() chan struct{} {
	if r.closed {
		return nil
	}
	done := make(chan struct{})
	r.inflight = done
	r.lastFetch = r.now()
	r.wg.Add(1)
	go r.run(done)
	return done
}

// run is one background fetch. A failure keeps the keys in force and
// retries after minRefetch: a provider briefly down must not log everyone
// out, and a set we could not check is no reason to drop one we could.
func (r *jwksURL) run(done chan struct{}) {
	defer r.wg.Done()
	defer close(done)
	keys, lifetime, err := r.fetch()
	r.mu.Lock()
	var added, removed []string
	if err == nil {
		added, removed = kidChanges(r.fetched, keys)
		r.publish(keys, lifetime)
	} else {
		r.due.Store(r.now().Add(r.minRefetch).UnixNano())
	}
	r.inflight = nil
	r.mu.Unlock()
	switch {
	case err != nil && r.ctx.Err() == nil: // not cancelled by Close
		r.log.Warn("authz: refreshing the JWKS failed; the keys in force stay in force",
			"url", r.shown, "err", err, "retry_in", r.minRefetch.String())
	case err == nil && (len(added) > 0 || len(removed) > 0):
		r.log.Info("authz: the JWKS changed", "url", r.shown, "added", added, "removed", removed)
	}
}

// publish puts keys in force, due for a refresh lifetime from now. The
// file's keys come first and are never dropped. r.mu must be held, or r not
// yet shared.
func (r *jwksURL) publish(keys []publicKey, lifetime time.Duration) {
	set := append(slices.Clip(r.file), keys...)
	r.set.Store(&set)
	r.fetched = keys
	r.due.Store(r.now().Add(lifetime).UnixNano())
}

// fetch gets and parses the set under parseJWKS's rules, and returns it
// with the lifetime its Cache-Control allows.
func (r *jwksURL) fetch() ([]publicKey, time.Duration, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		// A *url.Error repeats the URL, which the caller names already.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, 0, fmt.Errorf("fetching the key set: %w", err)
	}
	defer resp.Body.Close()
	if resp.Request != nil && resp.Request.URL != nil {
		if err := checkJWKSURL(resp.Request.URL); err != nil {
			return nil, 0, fmt.Errorf("redirected to %s, which %w", resp.Request.URL.Redacted(), err)
		}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("the server answered %s, not 200 OK", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("reading the key set: %w", err)
	}
	if len(data) > maxJWKSBytes {
		return nil, 0, fmt.Errorf("the key set is larger than %d bytes", maxJWKSBytes)
	}
	keys, err := parseJWKS(data)
	if err != nil {
		return nil, 0, err
	}
	for _, k := range keys {
		// One kid naming two keys would make keyFor's choice arbitrary.
		if k.kid != "" && findKid(r.file, k.kid) != nil {
			return nil, 0, fmt.Errorf("kid %q is in the JWKS file too; a kid must name one key", k.kid)
		}
	}
	return keys, cacheLifetime(strings.Join(resp.Header.Values("Cache-Control"), ",")), nil
}

// cacheLifetime is how long a set served with the Cache-Control header cc
// is used: its max-age held between minKeyLifetime and maxKeyLifetime;
// minKeyLifetime for no-store or no-cache; defaultKeyLifetime when cc says
// nothing usable.
func cacheLifetime(cc string) time.Duration {
	lifetime := defaultKeyLifetime
	for _, directive := range strings.Split(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "no-store", "no-cache":
			return minKeyLifetime
		case "max-age":
			secs, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(value), `"`), 10, 64)
			if err != nil || secs < 0 {
				continue
			}
			// Compared in seconds: a huge max-age would overflow a Duration.
			if secs >= int64(maxKeyLifetime/time.Second) {
				lifetime = maxKeyLifetime
			} else {
				lifetime = time.Duration(secs) * time.Second
			}
		}
	}
	return max(minKeyLifetime, min(lifetime, maxKeyLifetime))
}

// kidChanges lists the kids in after but not before, and in before but not
// after. A key without a kid is listed by its algorithm.
func kidChanges(before, after []publicKey) (added, removed []string) {
	name := func(k publicKey) string {
		if k.kid == "" {
			return "(no kid, " + k.alg + ")"
		}
		return k.kid
	}
	in := func(keys []publicKey, n string) bool {
		return slices.ContainsFunc(keys, func(k publicKey) bool { return name(k) == n })
	}
	for _, k := range after {
		if !in(before, name(k)) {
			added = append(added, name(k))
		}
	}
	for _, k := range before {
		if !in(after, name(k)) {
			removed = append(removed, name(k))
		}
	}
	return added, removed
}

// wait returns when no fetch is running. Tests use it to see the end of a
// refresh that refreshIfDue started.
func (r *jwksURL) wait() {
	r.mu.Lock()
	done := r.inflight
	r.mu.Unlock()
	if done != nil {
		<-done
	}
}

// close cancels a running fetch, waits for it, and starts no more.
func (r *jwksURL) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}
