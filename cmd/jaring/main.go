// Command jaring is the one binary of Jaring, the social-welfare hub: it
// serves the GraphQL API, runs a private development PostgreSQL, migrates
// and seeds databases. `jaring --help` lists the commands and their flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jaring-id/jaring/graph"
	"github.com/jaring-id/jaring/internal/authz"
	"github.com/jaring-id/jaring/internal/demo"
	"github.com/jaring-id/jaring/internal/graphiql"
	"github.com/jaring-id/jaring/internal/hub"
	"github.com/jaring-id/jaring/internal/jaring"
	"github.com/jaring-id/jaring/internal/pgdev"
	"github.com/jaring-id/jaring/internal/postgres"
	"github.com/jaring-id/jaring/internal/registry"
	"github.com/jaring-id/jaring/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "jaring: %v\n", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// usageError is a mistake in the command line.
type usageError struct{ error }

// Main is the program, with its outside world made explicit so that tests
// run it in process.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// OnListen, if set, is told the address the server listens on.
	OnListen func(addr string)
	// OnAdminListen, if set, is told the admin address (--admin-addr)
	// the server listens on.
	OnAdminListen func(addr string)
}

type command struct {
	name, summary string
	usage         []string // how it is called, each line after "jaring "
	details       string   // what else its help says, "" for nothing
	subcommands   []string // the subcommands it needs, if any
	run           func(m *Main, ctx context.Context, args []string) error
}

var commands = []command{
	{"dev", "run the hub on a private PostgreSQL with demo data (what `make run` does)",
		[]string{"dev [flags]"}, "Starts (or reuses) the private cluster in --data-dir, or uses DATABASE_URL; migrates, seeds the demo regency into an empty database, prints a token for each demo role and serves.", nil, (*Main).dev},
	{"serve", "run the hub on an existing, migrated database (DATABASE_URL or --data-dir)",
		[]string{"serve [flags]"}, "Refuses a database whose schema is not the one this build knows: `jaring migrate` brings it up to date.", nil, (*Main).serve},
	{"migrate", "bring a database's schema up to date",
		[]string{"migrate [flags]"}, "Refuses a database migrated by a newer Jaring. Run it as the database's owner; it gives the application's login jaring_app its password.", nil, (*Main).migrate},
	{"seed", "fill an empty, migrated database with the demo regency",
		[]string{"seed --demo [flags]"}, "", nil, (*Main).seed},
	{"import", "take a register export or a benefits file in (docs/imports.md)",
		[]string{"import register [flags] FILE", "import benefits --org CODE [flags] FILE"},
		"Imports a register export (pipe-delimited) or a benefits file (CSV); FILE - reads standard input. Rows that cannot be taken are kept as data issues; the exit status is 0 when the file was read to its end, whatever was held back, and 1 when the import failed (and wrote nothing).",
		[]string{"register", "benefits"}, (*Main).importFiles},
	{"token", "mint a token for the configured secret",
		[]string{"token --org CODE --role ROLE[,ROLE] [--region CODE] [flags]"},
		"Refuses a token the server would refuse, in the server's words. It knows the demo organisations; with --database-url (or DATABASE_URL) it reads the organisation from the database, as the server does. Without either, it cannot know another organisation's region, and says so: the server checks that.",
		nil, (*Main).token},
	{"policy", "write what the policy grants to docs/permissions.md",
		[]string{"policy matrix [flags]"}, "", []string{"matrix"}, (*Main).policy},
	{"audit", "check the audit log's hash chain and name the first broken event",
		[]string{"audit verify [flags]"}, "", []string{"verify"}, (*Main).audit},
	{"export", "write the approved register changes as CSV for the national register",
		[]string{exportUsage}, "Records the export in the audit log (docs/verival.md).", []string{"register-changes"}, (*Main).export},
	{"schema", "print the GraphQL schema (SDL) Jaring serves as a federation subgraph, as graph/schema.graphql holds it",
		[]string{"schema [flags]"}, "", nil, (*Main).schema},
	{"version", "print this build's version, its VCS revision and the schema version it knows",
		[]string{"version", "--version"}, "", nil, (*Main).version},
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// Run runs the command that args name. A command asked for help (--help or
// -h, after the command or its subcommand) prints it and returns
// flag.ErrHelp.
func (m *Main) Run(ctx context.Context, args []string) error {
	switch {
	case len(args) == 0:
		m.help()
		return usageError{errors.New("no command given")}
	case args[0] == "--version" || args[0] == "-version":
		return m.version(ctx, args[1:])
	case len(args) == 2 && args[0] == "help":
		args = []string{args[1], "--help"}
	case isHelp(args[0]):
		m.help()
		return flag.ErrHelp
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		rest := args[1:]
		var err error
		if len(c.subcommands) > 0 && len(rest) > 0 && isHelp(rest[0]) {
			err = flag.ErrHelp
		} else {
			err = c.run(m, ctx, rest)
		}
		if errors.Is(err, flag.ErrHelp) {
			m.commandHelp(m.Stdout, c)
		}
		return err
	}
	return usageError{fmt.Errorf("unknown command %q; `jaring --help` lists the commands", args[0])}
}

// help prints every command with its flags and their variables.
func (m *Main) help() {
	w := m.Stdout
	fmt.Fprintln(w, "Jaring: one GraphQL graph for a regency's social-welfare services.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: jaring COMMAND [flags]   (jaring COMMAND --help says more of one; jaring --version)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	for _, c := range commands {
		fmt.Fprintln(w)
		m.commandHelp(w, c)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every flag may also be set by the environment variable named after it; a flag given on the command line wins.")
}

// commandHelp prints what c does, how it is called and its flags.
func (m *Main) commandHelp(w io.Writer, c command) {
	fmt.Fprintf(w, "jaring %s: %s\n", c.name, c.summary)
	for i, u := range c.usage {
		lead := "Usage: "
		if i > 0 {
			lead = "       "
		}
		fmt.Fprintf(w, "%sjaring %s\n", lead, strings.TrimPrefix(u, "jaring "))
	}
	if c.details != "" {
		fmt.Fprintln(w, c.details)
	}
	fs := m.flagsFor(c.name, &config{})
	fs.printFlags(w)
}

// config is every setting of every command.
type config struct {
	addr            string
	databaseURL     string
	dataDir         string
	shutdownTimeout time.Duration
	logLevel        string
	logFormat       string
	adminAddr       string
	corsOrigins     string
	origins         []string // corsOrigins, split and checked
	jwksURL         string
	demo            bool
	demoSeed        int
	demoHouseholds  int
	asOf            string
	jwksFile        string
	policyDir       string
	appPassword     string
	allowOwner      bool
	limits          graph.Limits
	requestTimeout  time.Duration
	maxConcurrent   int
	maxBodyBytes    int
	maxUploadBytes  int
	introspection   bool
	graphiql        bool
	persistedOnly   bool
	manifestFile    string
	manifest        *graph.Manifest // read from manifestFile before the database is opened
	// token
	org, orgKind, region, subject string
	roles                         string
	ttl                           time.Duration
	// policy matrix
	out string
	// import
	dryRun, quiet bool
	report        string
	// export register-changes
	export exportConfig
}

// flagsFor declares the flags of command name into cfg.
func (m *Main) flagsFor(name string, cfg *config) *flags {
	fs := newFlags(name, m.Getenv)
	db := func(defaultDir string) {
		fs.String(&cfg.databaseURL, "database-url", "DATABASE_URL", "", "PostgreSQL URL, postgres://user:password@host:5432/db; when empty, a private cluster in --data-dir is used")
		fs.String(&cfg.dataDir, "data-dir", "JARING_DATA_DIR", defaultDir, "folder of the private PostgreSQL cluster (started for the command if it is not running)")
	}
	appLogin := func() {
		fs.String(&cfg.appPassword, "app-password", "JARING_APP_PASSWORD", "", "password of the application's database login jaring_app (at least 16 characters); by default one is kept in --data-dir")
	}
	serve := func(dev bool) {
		fs.String(&cfg.addr, "addr", "JARING_ADDR", "127.0.0.1:8080", "address to listen on")
		fs.Duration(&cfg.shutdownTimeout, "shutdown-timeout", "JARING_SHUTDOWN_TIMEOUT", 30*time.Second, "how long requests in flight may take to finish at shutdown")
		fs.Int(&cfg.limits.MaxDepth, "max-depth", "JARING_MAX_DEPTH", graph.DefaultLimits.MaxDepth, "deepest nesting of fields a query may have")
		fs.Int(&cfg.limits.MaxComplexity, "max-complexity", "JARING_MAX_COMPLEXITY", graph.DefaultLimits.MaxComplexity, "most fields a query may resolve, each list counted as long as it may be")
		fs.Int(&cfg.limits.MaxAliases, "max-aliases", "JARING_MAX_ALIASES", graph.DefaultLimits.MaxAliases, "most aliases a query may use")
		fs.Duration(&cfg.requestTimeout, "request-timeout", "JARING_REQUEST_TIMEOUT", graph.DefaultTimeout, "deadline of each request")
		fs.Int(&cfg.maxConcurrent, "max-concurrent", "JARING_MAX_CONCURRENT", 8*runtime.GOMAXPROCS(0), "most GraphQL requests executing at once; more wait up to 2 s, then answer LIMIT_EXCEEDED")
		fs.Int(&cfg.maxBodyBytes, "max-body-bytes", "JARING_MAX_BODY_BYTES", 1<<20, "largest request body taken, in bytes")
		fs.Int(&cfg.maxUploadBytes, "max-upload-bytes", "JARING_MAX_UPLOAD_BYTES", 8<<20, "largest file upload taken (importBenefits), in bytes; larger files go through jaring import")
		fs.Bool(&cfg.introspection, "introspection", "JARING_INTROSPECTION", dev, "let callers read the schema (__schema, __type)")
		fs.Bool(&cfg.graphiql, "graphiql", "JARING_GRAPHIQL", dev, "serve the GraphiQL page at /")
		fs.Bool(&cfg.persistedOnly, "persisted-only", "JARING_PERSISTED_ONLY", false, "serve only the operations of --persisted-manifest, by id or by their exact text (docs/persisted-operations.md)")
		fs.String(&cfg.manifestFile, "persisted-manifest", "JARING_PERSISTED_MANIFEST", "", "persisted operations served by id: an Apollo persisted query manifest or a Relay query map (JSON), checked against the schema at start-up")
		fs.String(&cfg.adminAddr, "admin-addr", "JARING_ADMIN_ADDR", "", "address of the admin listener, serving /debug/pprof/ and /metrics, such as 127.0.0.1:6060; empty: none (keep it off the internet)")
		fs.String(&cfg.corsOrigins, "cors-origins", "JARING_CORS_ORIGINS", "", "origins whose web pages may call /graphql, separated by commas, each exactly scheme://host[:port] (no *); empty: CORS off")
		format := "json"
		if dev {
			format = "text"
		}
		fs.String(&cfg.logFormat, "log-format", "JARING_LOG_FORMAT", format, "json (one object a line, for a log collector) or text")
	}
	demoFlags := func() {
		fs.Int(&cfg.demoSeed, "demo-seed", "JARING_DEMO_SEED", 1, "seed of the demo data: the same seed gives the same regency")
		fs.Int(&cfg.demoHouseholds, "demo-households", "JARING_DEMO_HOUSEHOLDS", 2000, "households in the demo regency")
		fs.String(&cfg.asOf, "demo-as-of", "JARING_DEMO_AS_OF", "", "the day the demo data describes, YYYY-MM-DD (default 2026-06-30, the day the README's examples are written for)")
	}
	auth := func() {
		fs.String(&cfg.jwksFile, "jwks-file", "JARING_JWKS_FILE", "", "JWKS file of the public keys (RS256, EdDSA) that sign tokens; tokens signed with the HS256 secret (JARING_JWT_SECRET, or kept in --data-dir) are accepted too")
		fs.String(&cfg.jwksURL, "jwks-url", "JARING_JWKS_URL", "", "URL of the identity provider's JWKS (https, or http to localhost), such as Keycloak's https://sso.example.go.id/realms/dinsos/protocol/openid-connect/certs; fetched at start, kept fresh, refetched (at most once a minute) for a token with an unknown key id")
		fs.String(&cfg.policyDir, "policy-dir", "JARING_POLICY_DIR", "", "folder with model.conf and policy.csv to use instead of the built-in policy; SIGHUP reloads it")
	}
	switch name {
	case "dev":
		serve(true)
		db(".jaring")
		appLogin()
		demoFlags()
		fs.Bool(&cfg.quiet, "quiet", "JARING_QUIET", false, "show no progress while migrating and seeding, only their closing lines")
		auth()
	case "serve":
		serve(false)
		db("")
		appLogin()
		auth()
		fs.Bool(&cfg.allowOwner, "allow-owner", "JARING_ALLOW_OWNER", false, "serve even as a superuser or the audit log's owner, who could edit the log (not for production)")
	case "token":
		fs.String(&cfg.dataDir, "data-dir", "JARING_DATA_DIR", ".jaring", "folder whose jwt-secret signs the token (JARING_JWT_SECRET wins)")
		fs.String(&cfg.databaseURL, "database-url", "DATABASE_URL", "", "PostgreSQL URL of the database the token is for: the organisation is read from it and the token checked as the server will (default: only the demo organisations are known)")
		fs.String(&cfg.org, "org", "JARING_TOKEN_ORG", "", "organisation code, such as DINSOS, CSR-A or DESA (required)")
		fs.String(&cfg.orgKind, "org-kind", "JARING_TOKEN_ORG_KIND", "", "front_office, agency, donor, village, auditor or integrator (known for the demo organisations, and read from --database-url)")
		fs.String(&cfg.roles, "role", "JARING_TOKEN_ROLE", "", "role, or roles separated by commas: operator, verifier, approver, supervisor, viewer, auditor, donor, admin (required)")
		fs.String(&cfg.region, "region", "JARING_TOKEN_REGION", "", "region-code prefix the token is limited to, within the organisation's region (required for a village, such as DESA), such as 19.04.01")
		fs.String(&cfg.subject, "sub", "JARING_TOKEN_SUB", "", "the person's login (default: the organisation and role)")
		fs.Duration(&cfg.ttl, "ttl", "JARING_TOKEN_TTL", 8*time.Hour, "how long the token is valid")
	case "policy":
		fs.String(&cfg.policyDir, "policy-dir", "JARING_POLICY_DIR", "", "folder with model.conf and policy.csv (default: the built-in policy)")
		fs.String(&cfg.out, "out", "JARING_MATRIX_OUT", "docs/permissions.md", "file to write the matrix to; - for standard output")
	case "schema":
		fs.String(&cfg.out, "out", "JARING_SCHEMA_OUT", "-", "file to write the schema to; - for standard output")
	case "audit":
		db("")
	case "export":
		db("")
		exportFlags(fs, &cfg.export)
	case "migrate":
		db("")
		appLogin()
		fs.Bool(&cfg.quiet, "quiet", "JARING_QUIET", false, "show no progress, only the closing line")
	case "import":
		db("")
		fs.String(&cfg.org, "org", "JARING_IMPORT_ORG", "", "code of the organisation that imports: the payer of a benefits file (required for benefits); for the register, the front office by default")
		fs.Bool(&cfg.dryRun, "dry-run", "JARING_IMPORT_DRY_RUN", false, "read, check and merge everything, report what would change, and write nothing")
		fs.String(&cfg.report, "report", "JARING_IMPORT_REPORT", "", "file to write the import's report to, as JSON")
		fs.Bool(&cfg.quiet, "quiet", "JARING_QUIET", false, "show no progress, only the closing report")
	case "seed":
		db("")
		fs.Bool(&cfg.demo, "demo", "JARING_SEED_DEMO", false, "seed the demo regency, Kabupaten Bangka Tengah (the only seed there is)")
		demoFlags()
		fs.Bool(&cfg.quiet, "quiet", "JARING_QUIET", false, "show no progress, only the closing line")
	}
	if name != "version" && name != "token" && name != "policy" && name != "schema" {
		fs.String(&cfg.logLevel, "log-level", "JARING_LOG_LEVEL", "info", "debug, info, warn or error")
	}
	return fs
}

// parse reads the flags of command name.
func (m *Main) parse(name string, args []string) (*config, *slog.Logger, error) {
	cfg := &config{}
	fs := m.flagsFor(name, cfg)
	if err := fs.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, err
		}
		return nil, nil, usageError{err}
	}
	log, err := m.logger(cfg)
	if err != nil {
		return nil, nil, err
	}
	if cfg.origins, err = corsOrigins(cfg.corsOrigins); err != nil {
		return nil, nil, err
	}
	return cfg, log, nil
}

// logger is the log of --log-level and --log-format, on standard error. A
// line logged during a request names the request (request_id).
func (m *Main) logger(cfg *config) (*slog.Logger, error) {
	var level slog.Level
	if cfg.logLevel == "" {
		cfg.logLevel = "info"
	}
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", cfg.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch cfg.logFormat {
	case "", "text":
		h = slog.NewTextHandler(m.Stderr, opts)
	case "json":
		h = slog.NewJSONHandler(m.Stderr, opts)
	default:
		return nil, usageError{fmt.Errorf("--log-format %q: want json or text", cfg.logFormat)}
	}
	return slog.New(server.LogHandler(h)), nil
}

// database is an open database and, when Jaring started it, its cluster.
type database struct {
	url     string // as given, or the private cluster's owner
	private bool   // url is the private cluster's, in --data-dir
	cluster *pgdev.Cluster
}

// close stops the cluster if this command started it.
func (d *database) close() error {
	if d.cluster == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return d.cluster.Stop(ctx)
}

// openDatabase finds the database the flags name: DATABASE_URL, or the
// private cluster in --data-dir, started if it is not running.
func (m *Main) openDatabase(ctx context.Context, cfg *config) (*database, error) {
	switch {
	case cfg.databaseURL != "":
		return &database{url: cfg.databaseURL}, nil
	case cfg.dataDir == "":
		return nil, usageError{errors.New("no database: set DATABASE_URL (or --database-url), or --data-dir for a private PostgreSQL cluster")}
	}
	if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	say := m.Stdout
	if cfg.quiet {
		say = io.Discard
	}
	c, err := pgdev.Open(ctx, pgdev.Options{Dir: filepath.Join(cfg.dataDir, "postgres"), Log: say})
	if err != nil {
		return nil, fmt.Errorf("private PostgreSQL in %s: %w", cfg.dataDir, err)
	}
	d := &database{url: c.URL("jaring"), private: true}
	if c.Owned() {
		d.cluster = c
	}
	return d, nil
}

func (m *Main) version(ctx context.Context, args []string) error {
	if _, _, err := m.parse("version", args); err != nil {
		return err
	}
	v, err := postgres.KnownVersion()
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "jaring %s, schema version %d\n", buildVersion(), v)
	return nil
}

// buildVersion is the module version this binary was built as, with the
// VCS revision it was built from when the build recorded one.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" {
		v += fmt.Sprintf(", revision %s%s", rev, modified)
	}
	return v
}

// withDatabase parses the flags of command name, finds the database they
// name and runs f on it; a private cluster that this command started is
// stopped afterwards.
func (m *Main) withDatabase(ctx context.Context, name string, args []string, f func(cfg *config, log *slog.Logger, url string) error) error {
	return m.withDatabaseOf(ctx, name, args, func(cfg *config, log *slog.Logger, d *database) error { return f(cfg, log, d.url) })
}

// withDatabaseOf is withDatabase, telling f whether the database is the
// private cluster's.
func (m *Main) withDatabaseOf(ctx context.Context, name string, args []string, f func(cfg *config, log *slog.Logger, d *database) error) (err error) {
	cfg, log, err := m.parse(name, args)
	if err != nil {
		return err
	}
	if name == "seed" && !cfg.demo {
		return usageError{errors.New("seed needs --demo: the demo regency is the only seed there is")}
	}
	if name == "serve" || name == "dev" {
		if err := loadManifest(cfg); err != nil {
			return err
		}
	}
	d, err := m.openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, d.close()) }()
	return f(cfg, log, d)
}

// loadManifest reads and checks --persisted-manifest, before anything is
// started: a manifest whose operations do not all validate refuses to serve.
func loadManifest(cfg *config) error {
	switch {
	case cfg.manifestFile == "" && cfg.persistedOnly:
		return usageError{errors.New("--persisted-only needs --persisted-manifest FILE (or JARING_PERSISTED_MANIFEST): the operations to serve")}
	case cfg.manifestFile == "":
		return nil
	}
	m, err := graph.LoadManifest(cfg.manifestFile)
	if err != nil {
		return fmt.Errorf("--persisted-manifest: %w", err)
	}
	cfg.manifest = m
	return nil
}

// appLogin is the kept password of the application's database login.
var appLogin = authz.Kept{Env: "JARING_APP_PASSWORD", File: "app-password", What: "database password of " + postgres.AppRole, MinLen: 16}

// appPassword returns the password of the application's login: --app-password,
// or the one kept in --data-dir (made on first use); "" when there is
// neither.
func (m *Main) appPassword(cfg *config) (string, error) {
	if cfg.appPassword != "" {
		if len(cfg.appPassword) < appLogin.MinLen {
			return "", usageError{fmt.Errorf("--app-password has %d characters; give at least %d", len(cfg.appPassword), appLogin.MinLen)}
		}
		return cfg.appPassword, nil
	}
	if cfg.dataDir == "" {
		return "", nil
	}
	p, err := authz.LoadKept(appLogin, func(string) string { return "" }, cfg.dataDir)
	return string(p), err
}

// setAppPassword gives the application's login its password, as the owner
// at url, when one is known; it returns the application's URL, or "".
func (m *Main) setAppPassword(ctx context.Context, cfg *config, url string) (string, error) {
	pw, err := m.appPassword(cfg)
	if err != nil || pw == "" {
		return "", err
	}
	if err := postgres.SetAppPassword(ctx, url, pw); err != nil {
		return "", err
	}
	return postgres.AppURL(url, pw)
}

// openMigrated connects to url; the schema must be the one this build
// knows. When it is not, the error says which command to run: `jaring
// migrate` with the flags that named the database, or a newer jaring.
func openMigrated(ctx context.Context, cfg *config, url string) (*postgres.DB, error) {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		var pgErr *pgconn.PgError
		var ce *postgres.ConnectError
		if errors.As(err, &ce) && strings.HasPrefix(ce.Target, postgres.AppRole+"@") && errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "28") {
			// The application's login is made by the migrations, and
			// PostgreSQL does not say whether a login exists.
			return nil, fmt.Errorf("%w. If the database was never migrated, it has no login %s yet: %s; else give the password jaring migrate gave it (--app-password)",
				err, postgres.AppRole, migrateHint(cfg))
		}
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		var se *postgres.SchemaError
		switch {
		case !errors.As(err, &se):
			return nil, err
		case se.Current > se.Known:
			return nil, fmt.Errorf("the database's schema is at version %d, newer than the %d this jaring knows: a newer Jaring migrated it, and this binary is too old for it; run that version (or a newer one)", se.Current, se.Known)
		case se.Current == 0:
			return nil, fmt.Errorf("the database has no Jaring schema yet (this jaring needs version %d): %s", se.Known, migrateHint(cfg))
		default:
			return nil, fmt.Errorf("the database's schema is at version %d, older than the %d this jaring needs: %s", se.Current, se.Known, migrateHint(cfg))
		}
	}
	return db, nil
}

// migrateHint says how to migrate the database cfg names: the private
// cluster's folder, or the URL of the database's owner (the application's
// login may not migrate).
func migrateHint(cfg *config) string {
	if cfg.databaseURL != "" {
		return "run `jaring migrate` first, with DATABASE_URL (or --database-url) set to the URL of the database's owner"
	}
	return fmt.Sprintf("run `jaring migrate --data-dir %s` first", cfg.dataDir)
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	return m.withDatabase(ctx, "migrate", args, func(cfg *config, _ *slog.Logger, url string) error {
		if err := m.migrateDB(ctx, cfg, url); err != nil {
			return err
		}
		appURL, err := m.setAppPassword(ctx, cfg, url)
		if err != nil {
			return err
		}
		if appURL == "" {
			fmt.Fprintf(m.Stderr, "jaring migrate: the application's login %s has no password from this run: give one with --app-password (or JARING_APP_PASSWORD), then serve with DATABASE_URL=postgres://%s:<password>@<host>/<database>\n",
				postgres.AppRole, postgres.AppRole)
		} else if !cfg.quiet {
			fmt.Fprintf(m.Stdout, "the application's login %s has its password; jaring serve connects as it\n", postgres.AppRole)
		}
		return nil
	})
}

// migrateDB migrates the database at url, showing its progress, and closes
// with a line of what it did.
func (m *Main) migrateDB(ctx context.Context, cfg *config, url string) error {
	start := time.Now()
	var p *progress
	r, err := postgres.MigrateReporting(ctx, url, func(n, total int, name string) {
		if p == nil {
			p = newProgress(m.Stderr, "migrating", int64(total), false, cfg.quiet)
		}
		p.step(int64(n-1), name)
	})
	if p != nil {
		p.done()
	}
	if err != nil {
		return err
	}
	if r.From == r.To {
		fmt.Fprintf(m.Stdout, "the schema is at version %d already: no migrations to apply; %d region codes added or renamed, in %s\n",
			r.To, r.Regions, time.Since(start).Round(time.Millisecond))
		return nil
	}
	fmt.Fprintf(m.Stdout, "migrated the schema from version %d to %d: %d migrations applied, %d region codes added or renamed, in %s\n",
		r.From, r.To, r.To-r.From, r.Regions, time.Since(start).Round(time.Millisecond))
	return nil
}

func (m *Main) seed(ctx context.Context, args []string) error {
	return m.withDatabase(ctx, "seed", args, func(cfg *config, _ *slog.Logger, url string) error {
		db, err := openMigrated(ctx, cfg, url)
		if err != nil {
			return err
		}
		defer db.Close()
		return m.seedDemo(ctx, db, cfg)
	})
}

// maxDemoHouseholds is the largest demo regency: a province's worth, as
// many as the NIK and KK serials of its districts leave room for.
const maxDemoHouseholds = 10_000_000

func (m *Main) seedDemo(ctx context.Context, db *postgres.DB, cfg *config) error {
	opts := demo.Options{Seed: uint64(cfg.demoSeed), Households: cfg.demoHouseholds, AsOf: demo.DefaultAsOf}
	if cfg.asOf != "" {
		d, err := jaring.ParseDate(cfg.asOf)
		if err != nil {
			return usageError{fmt.Errorf("--demo-as-of %q is not a date written as YYYY-MM-DD", cfg.asOf)}
		}
		opts.AsOf = d
	}
	if opts.Households < 1 || opts.Households > maxDemoHouseholds {
		return usageError{fmt.Errorf("--demo-households %d: want 1 to %d", opts.Households, maxDemoHouseholds)}
	}
	start := time.Now()
	if !cfg.quiet {
		fmt.Fprintf(m.Stdout, "seeding the demo regency, Kabupaten Bangka Tengah (seed %d, %d households, as of %s)…\n",
			opts.Seed, opts.Households, opts.AsOf.Format(jaring.DateLayout))
	}
	// Drawn and written block by block, in memory that does not grow with
	// the number of households.
	p := newProgress(m.Stderr, "seeding", int64(opts.Households), false, cfg.quiet)
	n, err := demo.SeedReporting(ctx, db.Pool, opts, func(step string, households int) {
		p.step(int64(households), step)
	})
	p.done()
	if jaring.ErrorCode(err) == jaring.ECONFLICT {
		return errors.New(jaring.ErrorMessage(err))
	} else if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(m.Stdout, "seeded %d households, %d persons, %d benefits, %d applications, %d referrals in %s\n",
		n.Households, n.Persons, n.Benefits, n.Applications, n.Referrals, time.Since(start).Round(time.Millisecond))
	return nil
}

func (m *Main) serve(ctx context.Context, args []string) error {
	return m.withDatabaseOf(ctx, "serve", args, func(cfg *config, log *slog.Logger, d *database) error {
		url := d.url
		if d.private || cfg.appPassword != "" {
			// The private cluster's URL is its owner's: serve as the
			// application's login, with the password kept beside it,
			// once the owner has seen that the schema (and with it
			// the login) is there.
			owner, err := openMigrated(ctx, cfg, url)
			if err != nil {
				return err
			}
			owner.Close()
			pw, err := m.appPassword(cfg)
			if err != nil {
				return err
			}
			if url, err = postgres.AppURL(url, pw); err != nil {
				return err
			}
		}
		db, err := openMigrated(ctx, cfg, url)
		if err != nil {
			return err
		}
		defer db.Close()
		if !cfg.allowOwner {
			if err := db.CheckRole(ctx); err != nil {
				return err
			}
		}
		return m.listenAndServe(ctx, cfg, log, db, false)
	})
}

// dev migrates, seeds an empty database and serves, as the application's
// login.
func (m *Main) dev(ctx context.Context, args []string) error {
	return m.withDatabase(ctx, "dev", args, func(cfg *config, log *slog.Logger, url string) error {
		if err := m.migrateDB(ctx, cfg, url); err != nil {
			return err
		}
		appURL, err := m.setAppPassword(ctx, cfg, url)
		if err != nil {
			return err
		}
		if appURL == "" {
			return usageError{errors.New("dev needs --data-dir or --app-password, to log in as the application's login")}
		}
		owner, err := openMigrated(ctx, cfg, url)
		if err != nil {
			return err
		}
		n, err := postgres.NewRegistryStore(owner).CountHouseholds(ctx, jaring.Unrestricted(), registry.HouseholdFilter{})
		if err == nil && n == 0 {
			err = m.seedDemo(ctx, owner, cfg)
		} else if err == nil {
			fmt.Fprintf(m.Stdout, "the database holds %d households: not seeding\n", n)
		}
		owner.Close()
		if err != nil {
			return err
		}
		db, err := openMigrated(ctx, cfg, appURL)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.CheckRole(ctx); err != nil {
			return err
		}
		return m.listenAndServe(ctx, cfg, log, db, true)
	})
}

// verifier builds the token verifier: the HS256 secret (JARING_JWT_SECRET,
// or the one kept in the data directory), the JWKS file and the JWKS URL,
// any that are given. Close it to stop refreshing the URL's keys.
func (m *Main) verifier(cfg *config, log *slog.Logger) (*authz.Verifier, error) {
	vc := authz.VerifierConfig{JWKSFile: cfg.jwksFile, JWKSURL: cfg.jwksURL, Logger: log}
	secret, err := authz.LoadSecret(m.Getenv, cfg.dataDir)
	switch {
	case err == nil:
		vc.Secret = secret
	case cfg.jwksFile == "" && cfg.jwksURL == "":
		return nil, err
	}
	v, err := authz.NewVerifier(vc)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return v, nil
}

// serverGOGC is the garbage collector's target for a server when the
// environment sets no GOGC. An answer allocates some 300 KB and keeps none
// of it once written, while the heap that lives between requests is small:
// at Go's default of 100 the collector ran many times a second under load.
// At 400 the heap may grow to five times what is live, still tens of
// megabytes; make bench's household view went from 866 to 998 requests a
// second. GOGC and GOMEMLIMIT in the environment still win.
const serverGOGC = 400

func serverGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGOGC)
	}
}

func (m *Main) listenAndServe(ctx context.Context, cfg *config, log *slog.Logger, db *postgres.DB, printTokens bool) error {
	serverGC(m.Getenv)
	verifier, err := m.verifier(cfg, log)
	if err != nil {
		return err
	}
	defer verifier.Close()
	policy, err := authz.NewHolder(cfg.policyDir, graph.CheckPolicy)
	if err != nil {
		return err
	}
	reload := make(chan os.Signal, 1)
	signal.Notify(reload, syscall.SIGHUP)
	defer signal.Stop(reload)
	go func() {
		for range reload {
			if err := policy.Reload(); err != nil {
				log.Error("SIGHUP", "err", err)
			} else {
				log.Info("SIGHUP: policy reloaded", "dir", cfg.policyDir)
			}
		}
	}()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w; pass another --addr or set JARING_ADDR", cfg.addr, err)
	}
	var admin net.Listener
	if cfg.adminAddr != "" {
		if admin, err = net.Listen("tcp", cfg.adminAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on the admin address %s: %w; pass another --admin-addr or set JARING_ADMIN_ADDR", cfg.adminAddr, err)
		}
	}
	sc := server.Config{ShutdownTimeout: cfg.shutdownTimeout, MaxConcurrent: cfg.maxConcurrent, MaxBodyBytes: int64(cfg.maxBodyBytes),
		MaxUploadBytes: int64(cfg.maxUploadBytes), CORSOrigins: cfg.origins}
	if cfg.graphiql {
		sc.GraphiQL = &graphiql.Config{Title: "Jaring", Endpoint: "/graphql", DefaultQuery: firstQuery,
			DefaultHeaders: `{"Authorization": "Bearer <a token that jaring dev printed>", "X-Purpose": "verifikasi permohonan SLK-2026-000136"}`}
	}
	h := hub.New(hub.Config{DB: db, Log: log, Policy: policy, Verifier: verifier, Limits: cfg.limits,
		Timeout: cfg.requestTimeout, Introspection: cfg.introspection, Persisted: cfg.manifest, PersistedOnly: cfg.persistedOnly,
		Server: sc})
	if cfg.manifest != nil {
		log.Info("persisted operations", "manifest", cfg.manifestFile, "operations", cfg.manifest.Len(), "only", cfg.persistedOnly)
	}
	defer h.Close()
	srv := h.Server
	addr := ln.Addr().String()
	if printTokens {
		if err := m.printDemoTokens(cfg, addr); err != nil {
			ln.Close()
			if admin != nil {
				admin.Close()
			}
			return err
		}
	}
	fmt.Fprintf(m.Stdout, "\nJaring is listening on http://%s/  (GraphiQL; the API is at /graphql)\nPress Ctrl-C to stop.\n\n", addr)
	if m.OnListen != nil {
		m.OnListen(addr)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	adminDone := make(chan error, 1)
	if admin != nil {
		fmt.Fprintf(m.Stdout, "The admin address is http://%s/  (/debug/pprof/, /metrics)\n\n", admin.Addr())
		if m.OnAdminListen != nil {
			m.OnAdminListen(admin.Addr().String())
		}
		go func() {
			err := srv.ServeAdmin(ctx, admin)
			if err != nil {
				log.Error("admin address stopped", "addr", admin.Addr().String(), "err", err)
			}
			adminDone <- err
		}()
	} else {
		adminDone <- nil
	}
	err = srv.Serve(ctx, ln)
	cancel() // the admin address stops with the main one
	if aerr := <-adminDone; aerr != nil {
		err = errors.Join(err, fmt.Errorf("admin address: %w", aerr))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "stopped")
	return nil
}

// corsOrigins splits --cors-origins and checks each origin.
func corsOrigins(list string) ([]string, error) {
	var origins []string
	for o := range strings.SplitSeq(list, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	if err := server.CheckOrigins(origins); err != nil {
		return nil, usageError{fmt.Errorf("--cors-origins: %w", err)}
	}
	return origins, nil
}

// firstQuery is the query GraphiQL opens with: the README's first.
const firstQuery = `# The household view an agency runs before it approves anything new.
# Paste a token that jaring dev printed into the headers below.
{
  household(kk: "1904011509090001") {
    kk
    region { name parent { name } }
    desil
    registerStatus
    members { nik name relationship }
    benefits {
      kind { code }
      program { code }
      source
      payer { code }
      person { name }
      amount
      period { start end }
      status
    }
    applications { number status referrals { to { code } status } }
  }
}
`
