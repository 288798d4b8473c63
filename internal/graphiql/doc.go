// Package graphiql serves GraphiQL, the in-browser GraphQL IDE, from files
// embedded in the binary, so that it works on an office network with no way
// out to the internet: nothing on the page comes from a CDN.
//
// The files under dist/ are built from the pinned npm packages in web/ by
// `make assets` (esbuild, deterministic, minified) and committed;
// `make check-assets` rebuilds them and fails if they differ from the
// committed ones. GraphiQL 5 edits with Monaco, whose language services run
// in web workers; those workers are bundled too and load from this origin.
package graphiql
