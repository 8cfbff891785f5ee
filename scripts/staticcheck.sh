#!/usr/bin/env bash
# staticcheck, pinned, installed from the Go module proxy into .cache/bin.
# (The 2025.1.1 tag is refused by the proxy; v0.8.2 is the same release line's
# module version.)
#
# Usage: scripts/staticcheck.sh [packages...]   (default ./...)
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2

# shellcheck source=scripts/gotool.sh
. scripts/gotool.sh
install staticcheck honnef.co/go/tools/cmd/staticcheck "$STATICCHECK_VERSION"

[[ $# -gt 0 ]] || set -- ./...
exec "$bin/staticcheck" "$@"
