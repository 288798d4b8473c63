package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/cors"

	"github.com/jaring-id/jaring/internal/authz"
)

// corsHeaders are the request headers a browser may send cross-origin:
// the token, the body's type, the purpose of the reading, the request ID,
// and those Apollo Client sends (its CSRF-prevention and client-awareness
// headers; automatic persisted queries travel in the body and need none).
var corsHeaders = []string{"Authorization", "Content-Type", authz.PurposeHeader, RequestIDHeader,
	"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "Apollographql-Client-Name", "Apollographql-Client-Version"}

// CheckOrigins checks a list of CORS origins: each must be an exact origin,
// scheme://host[:port] with http or https and nothing after it. A wildcard
// is refused: Jaring's callers send tokens that reveal personal data, and
// any web site a user visits could make the browser send them.
func CheckOrigins(origins []string) error {
	for _, o := range origins {
		if strings.Contains(o, "*") {
			return fmt.Errorf("origin %q: a wildcard would let any web site call Jaring with its visitors' tokens; list each origin exactly, such as https://silakso.example.go.id", o)
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "/") {
			return fmt.Errorf("origin %q is not an origin: write it as scheme://host[:port], such as https://silakso.example.go.id, without a path or a slash at the end", o)
		}
	}
	return nil
}

// withCORS answers cross-origin requests from origins, and only those:
// preflights (OPTIONS with Access-Control-Request-Method) are answered here,
// before authentication and anything that touches the database, with the
// CORS headers for an allowed origin and without them for any other. No
// credentials (cookies) are allowed: Jaring reads its token from the
// Authorization header. With no origins, next is returned as it is and a
// browser refuses every cross-origin call.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	if err := CheckOrigins(origins); err != nil {
		panic("server: Config.CORSOrigins: " + err.Error())
	}
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   corsHeaders,
		ExposedHeaders:   []string{RequestIDHeader, "Retry-After", "WWW-Authenticate"},
		AllowCredentials: false,
		MaxAge:           600,
	}).Handler(next)
}
