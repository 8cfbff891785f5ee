#!/usr/bin/env bash
# govulncheck against a vulnerability database built from the Go module
# proxy: vuln.go.dev may be unreachable (it is on the CI machines), while
# golang.org/x/vulndb, the database's source, is an ordinary module there.
#
# The tools (pinned) go to .cache/bin and the database to .cache/vulndb/<rev>;
# both are reused while the pins do not change, so a warm run costs only the
# scan. Bump VULNDB_REV to pick up newer advisories (any pseudo-version the
# proxy serves for golang.org/x/vulndb).
#
# Usage: scripts/vulncheck.sh [packages...]   (default ./...)
set -euo pipefail
cd "$(dirname "$0")/.."

GOVULNCHECK_VERSION=v1.9.0
VULNDB_REV=v0.0.0-20261105234957-e22db6528018

# shellcheck source=scripts/gotool.sh
. scripts/gotool.sh
db=$cache/vulndb/$VULNDB_REV
mkdir -p "$cache/vulndb"

install govulncheck golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION"

if [[ ! -f "$db/index/db.json" ]]; then
  install indexdb golang.org/x/vulndb/cmd/indexdb "$VULNDB_REV"
  echo "vulncheck: building the vulnerability database golang.org/x/vulndb@$VULNDB_REV" >&2
  src=$("$GO" mod download -json "golang.org/x/vulndb@$VULNDB_REV" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d "$src/data/osv" ]] || { echo "vulncheck: no data/osv in golang.org/x/vulndb@$VULNDB_REV ($src)" >&2; exit 1; }
  tmp=$(mktemp -d "$cache/vulndb/tmp.XXXXXX")
  "$bin/indexdb" -vulns "$src/data/osv" -out "$tmp/db" || { rm -rf "$tmp"; exit 1; }
  rm -rf "$db"
  mv "$tmp/db" "$db"
  rm -rf "$tmp"
fi

[[ $# -gt 0 ]] || set -- ./...
echo "vulncheck: govulncheck with $("$GO" env GOVERSION) against golang.org/x/vulndb@$VULNDB_REV" >&2
exec "$bin/govulncheck" -db "file://$db" "$@"
