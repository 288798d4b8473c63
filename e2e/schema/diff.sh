#!/usr/bin/env bash
# diff.sh [BASE]: the changes of graph/schema.graphql (the work tree's) since
# commit BASE (default HEAD~1), by GraphQL Inspector from ./node_modules
# (`make schema-diff` installs it). It fails on a breaking change unless the
# HEAD commit's message says BREAKING CHANGE, and passes when there is no
# BASE or BASE has no graph/schema.graphql, saying so.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
base=${1:-HEAD~1}
schema=graph/schema.graphql

if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
	echo "schema-diff: there is no commit $base to compare $schema with: passing"
	exit 0
fi
at="$base ($(git log -1 --format='%h %s' "$base" | cut -c1-72))"
if ! git cat-file -e "$base:$schema" 2>/dev/null; then
	echo "schema-diff: $at has no $schema: nothing to compare, passing"
	exit 0
fi
old=$(mktemp --suffix=.graphql)
trap 'rm -f "$old"' EXIT
git show "$base:$schema" >"$old"

echo "schema-diff: $schema against $at"
rc=0
# --federationV2: the federation directives (@link, @key) and _entities
# are known to Inspector, as Jaring's SDL uses them without declaring them.
"$here/node_modules/.bin/graphql-inspector" diff "$old" "$schema" --federationV2 \
	--onComplete "$here/on-complete.cjs" || rc=$?
case $rc in
0) exit 0 ;;
3) ;;
*)
	echo "schema-diff: GraphQL Inspector failed (exit $rc)"
	exit 2
	;;
esac
if git log -1 --format=%B HEAD | grep -q 'BREAKING CHANGE'; then
	echo "schema-diff: the breaking changes above are accepted: the HEAD commit's message says BREAKING CHANGE"
	exit 0
fi
echo "schema-diff: breaking changes against $base (above). If they are meant, say BREAKING CHANGE in the commit's message, with what integrators must change."
exit 1
