# Jaring. `make run` starts the hub on a private PostgreSQL with demo data;
# `make test` runs every test. See README.md.

GO ?= go
# A private cluster and the built binary live here (git-ignored).
DATA_DIR ?= .jaring

.PHONY: run build test test-short test-e2e schema-diff generate check-generate lint bench bench-go migrate clean assets check-assets

run: build
	exec $(DATA_DIR)/bin/jaring dev --data-dir $(DATA_DIR)

build:
	$(GO) build -o $(DATA_DIR)/bin/jaring ./cmd/jaring

# Every test, with the race detector, each package against its own
# throwaway PostgreSQL cluster.
test:
	$(GO) test -race -count=1 ./...

# Jaring as a federation subgraph, end to end: the built binary's `jaring dev`
# composed from graph/schema.graphql with a second subgraph (Node) behind
# Apollo Gateway, the npm packages pinned in e2e/federation/package-lock.json.
# Install scripts stay off: none of those packages needs one.
test-e2e: build
	cd e2e/federation && npm ci --ignore-scripts --no-audit --no-fund
	cd e2e/federation && JARING_BIN=$(abspath $(DATA_DIR)/bin/jaring) node --test

# The changes of graph/schema.graphql since commit BASE, by GraphQL Inspector
# (pinned in e2e/schema/package-lock.json); fails on a breaking change unless
# the HEAD commit's message says BREAKING CHANGE. Before committing, compare
# with the last commit: make schema-diff BASE=HEAD.
BASE ?= HEAD~1
schema-diff:
	cd e2e/schema && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	e2e/schema/diff.sh $(BASE)

# gqlgen's code, the permissions matrix and the printed schema
# (graph/schema.graphql, the contract integrators build on) are committed;
# this reproduces them exactly.
generate:
	$(GO) run ./graph/generate
	$(GO) run ./cmd/jaring policy matrix --out docs/permissions.md
	$(GO) run ./cmd/jaring schema --out graph/schema.graphql

# Fails when the committed generated code is not what `make generate` makes.
check-generate: generate
	@status=$$(git status --porcelain -- graph gqlgen.yml docs/permissions.md); \
	if [ -n "$$status" ]; then \
		echo "generated code is out of date; run 'make generate' and commit:"; echo "$$status"; \
		git --no-pager diff --stat -- graph docs/permissions.md; exit 1; \
	fi

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# Seeds (or reuses) benchmark clusters under .jaring-bench/, measures the
# household view beside raw SQL and a bare server, recordBenefits and
# approvals (recordBenefits, decideReferral) through HTTP, and appends the
# table to docs/performance.md (`go run ./cmd/jaring-bench --help` lists
# the settings). Up to 15 minutes.
bench:
	$(GO) run ./cmd/jaring-bench

# The go test benchmarks of each package.
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Migrates DATABASE_URL if set, else the private cluster in DATA_DIR.
migrate: build
	$(DATA_DIR)/bin/jaring migrate --data-dir $(DATA_DIR)

clean:
	rm -rf $(DATA_DIR)/bin

# GraphiQL's scripts and styles, bundled from the npm packages pinned in
# internal/graphiql/web/package-lock.json into internal/graphiql/dist, which
# is committed and embedded in the binary. Install scripts stay off: esbuild
# runs from its platform package.
assets:
	cd internal/graphiql/web && npm ci --ignore-scripts --no-audit --no-fund && npm run --silent build

# Fails when the committed GraphiQL assets are not what `make assets` builds.
check-assets: assets
	@status=$$(git status --porcelain -- internal/graphiql/dist); \
	if [ -n "$$status" ]; then \
		echo "internal/graphiql/dist is out of date; run 'make assets' and commit:"; echo "$$status"; \
		git --no-pager diff --stat -- internal/graphiql/dist; exit 1; \
	fi
