package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/jaring-id/jaring/internal/audit"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/postgres"
)

// floor measures the household view served as bare as a server can serve
// it and still do what Jaring must on every read: an HTTP POST whose JSON
// body is decoded, a bearer token verified (the same Verifier, HS256), the
// document built by householdSQL (one prepared statement), and an audit
// event of the read, naming the household and its members, appended by the
// same group-commit writer the hub uses — then the document written back.
// No GraphQL, no field policy, no masking, no loaders. The load is the
// household view's: the same clients, bodies and KKs.
//
// It is the floor under any design of the hub on this machine: what is
// between the floor and Jaring is the price of GraphQL execution and the
// field policy; what is between the raw SQL and the floor is the price of
// HTTP, the token and the audit.
//
// With audited false it writes no event: the floor of HTTP and the token
// alone, to tell the audit's share.
func (b *bench) floor(ctx context.Context, s settings, audited bool) (measurement, error) {
	secret, err := authz.LoadSecret(func(string) string { return "" }, b.dir)
	if err != nil {
		return measurement{}, err
	}
	verifier, err := authz.NewVerifier(authz.VerifierConfig{Secret: secret})
	if err != nil {
		return measurement{}, err
	}
	defer verifier.Close()
	// As the server logs in: the application's login, so that its
	// statements are counted as the server's are.
	password, err := authz.LoadKept(authz.Kept{File: "app-password", What: "database password of " + postgres.AppRole, MinLen: 16},
		func(string) string { return "" }, b.dir)
	if err != nil {
		return measurement{}, err
	}
	app, err := postgres.AppURL(b.cluster.URL("jaring"), string(password))
	if err != nil {
		return measurement{}, err
	}
	db, err := postgres.Open(ctx, app+"&pool_max_conns="+strconv.Itoa(clients+4))
	if err != nil {
		return measurement{}, err
	}
	defer db.Close()
	log := postgres.NewAuditLog(db, postgres.AuditOptions{})
	defer log.Close()

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pr, err := verifier.Verify(r.Header.Get("Authorization"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var req struct {
			Variables struct {
				KK string `json:"kk"`
			} `json:"variables"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req.Variables.KK == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var doc []byte
		var niks []string
		if err := db.Pool.QueryRow(r.Context(), householdSQL+`, (SELECT array_agg(p.nik ORDER BY p.nik) FROM person p JOIN household h ON h.id = p.household_id WHERE h.kk = $1)`,
			req.Variables.KK).Scan(&doc, &niks); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		vars, _ := json.Marshal(req.Variables)
		if audited {
			err = log.Write(r.Context(), &audit.Event{At: time.Now(), Actor: pr.Subject, Org: pr.Org, Roles: authz.RoleNames(pr.Roles),
				Operation: "query household", Persons: niks, Households: []string{req.Variables.KK},
				Fields: []string{"Household.kk", "Person.nik", "Person.name"}, Variables: vars,
				Purpose: r.Header.Get("X-Purpose"), RequestID: r.Header.Get("X-Request-ID")})
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return measurement{}, err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	name := "floor"
	if !audited {
		name = "floor-unaudited"
	}
	return b.attack(ctx, s, name, clients, b.viewTargets("http://"+l.Addr().String()+"/graphql"), func(r *vegeta.Result) bool {
		return r.Code == 200 && r.Error == "" && json.Valid(r.Body) && bytes.Contains(r.Body, []byte(`"kk"`))
	})
}
