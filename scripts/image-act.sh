# Sourced by scripts/image-test.sh after its cases (IMAGE_TEST_ACT=0 skips
# it): the README's quick start, examples/deploy-on-push.yml and
# quick-deploy.yml, as users copy them, run by nektos/act, a runner nobody here wrote: `uses:
# org/deploy-guard@v1` is this repository (act --local-repository, so its
# action.yml) and the image just built, tagged as action.yml names it (act
# --pull=false); the examples' third-party actions are the stand-ins of
# testdata/act-stubs. The job image is the node:22-bookworm-slim stand-in,
# the engine the one image-test started. The cases are e2e TestActQuickStart (pkg/harness RunAct): the
# containers share the host network, so they reach the emulator on loopback.
# Uses from image-test.sh: image, state, node_base, say, die, phase.
#
#   DEPLOY_GUARD_ACT_DIR   where act is installed (default: beside the engine's
#                          data, so it is built once per machine)

act_version=v0.2.89
act_dir="${DEPLOY_GUARD_ACT_DIR:-$state/act-$act_version}"
act_bin="$act_dir/act"
if [[ -x "$act_bin" ]]; then
  say "act $act_version: cached"
else
  say "installing act $act_version (go install, about 2 minutes once)"
  GOBIN="$act_dir" go install "github.com/nektos/act@$act_version" >"$state/act-install.log" 2>&1 \
    || { tail -20 "$state/act-install.log" >&2; die "go install act failed (log: $state/act-install.log)"; }
fi
phase "act install"

# action.yml pulls a published image; act must find it in the engine.
action_image=$(sed -n 's|^ *image: *docker://||p' action.yml | head -1)
[[ -n "$action_image" ]] || die "action.yml names no docker:// image for act to run"
docker tag "$image" "$action_image"

set +e
DEPLOY_GUARD_ACT="$act_bin" DEPLOY_GUARD_ACT_JOB_IMAGE="$node_base" \
  go test -count=1 -timeout 15m -v -run '^TestActQuickStart$' ./e2e/ >"$state/act.log" 2>&1
act_rc=$?
set -e
grep -E '^(\s*--- |ok|FAIL|panic)' "$state/act.log" || true
# A run that skipped proved nothing.
if [[ $act_rc == 0 ]] && ! grep -qE '^\s*--- PASS: TestActQuickStart/' "$state/act.log"; then
  echo "image-test: the act cases did not run" >&2
  act_rc=1
fi
phase "act"
