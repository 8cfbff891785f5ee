# Sourced by the scripts that run Go analysers: installs pinned tools from
# the Go module proxy into .cache/bin (git-ignored), with the Go toolchain
# the Makefile selects (GOTOOLCHAIN).
GO=${GO:-go}
cache=$PWD/.cache
bin=$cache/bin
mkdir -p "$bin"

# install <tool> <package> <version>: once per version and Go toolchain
# (go version -m says what an installed binary was built from and with). An
# analyser built with an older Go cannot load code written for a newer one.
install() {
  local tool=$1 pkg=$2 version=$3 info
  if [[ -x "$bin/$tool" ]] && info=$("$GO" version -m "$bin/$tool" 2>/dev/null) \
    && [[ "$(head -1 <<<"$info")" == *": $("$GO" env GOVERSION)" ]] \
    && grep -q "^[[:space:]]*mod[[:space:]].*[[:space:]]$version[[:space:]]" <<<"$info"; then
    return 0
  fi
  echo "installing $pkg@$version" >&2
  GOBIN=$bin "$GO" install "$pkg@$version"
}

