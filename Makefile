# deploy-guard developer commands. `make demo` and `make test` are the two
# set-up commands in the README; both install what they need.
SHELL := /bin/bash
GO ?= go
# The Go release that builds and tests the shipped binary: go.mod's toolchain
# line, fetched by the go command from the module proxy when this machine's
# Go is older (the Dockerfile's builder uses the same release).
export GOTOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.mod)
BIN := bin/deploy-guard
SF_DIR := .cache/sf
SF_BIN := $(SF_DIR)/node_modules/.bin/sf
FUZZTIME ?= 20s

.PHONY: all build sf test unit e2e image-test demo fuzz bench vet fmt clean

all: build

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X github.com/org/deploy-guard/pkg/app.Version=$(VERSION)" -o $(BIN) .

# Node.js 22 and the pinned @salesforce/cli from the npm registry, cached.
# The script is idempotent: it reuses a cache that holds the pinned versions.
sf:
	bash scripts/install-sf.sh

# gofmt, go vet, staticcheck and govulncheck (both pinned and installed from
# the Go module proxy into .cache/bin; the vulnerability database is built
# from golang.org/x/vulndb into .cache/vulndb, see scripts/vulncheck.sh).
vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	GO=$(GO) bash scripts/staticcheck.sh ./...
	GO=$(GO) bash scripts/vulncheck.sh ./...

# The whole suite: unit tests, fuzz seed corpora, and end-to-end tests that
# run the action binary with the real sf CLI against the org emulator. The
# output is go test's, plus the end-to-end suite's per-test times at the end
# (internal/testtimes reads go test -json).
test: sf vet
	set -o pipefail; DEPLOY_GUARD_REQUIRE_E2E=1 $(GO) test -count=1 -timeout 20m -json ./... | $(GO) run ./internal/testtimes -times '/e2e$$'

# Every package but the end-to-end suite (which needs the CLI and does not
# shorten under -short).
unit:
	$(GO) test -count=1 -short $$($(GO) list ./... | grep -v /e2e$$)

e2e: sf
	$(GO) test -count=1 -v ./e2e/...

# The action's image, built from the Dockerfile and run the way the runner runs
# a Docker action, through end-to-end cases (scripts/image-test.sh). Starts its
# own dockerd and builds stand-in base images where none is available (root).
image-test:
	bash scripts/image-test.sh

# A local run against the bundled org emulator: no real org needed.
# SCENARIO=name picks another scenario (go run ./cmd/orgsim -list).
demo: sf build
	$(GO) run ./cmd/demo -scenario "$(or $(SCENARIO),demo)" -bin $(BIN) -sf $(SF_BIN)

fuzz:
	@for target in $$(grep -rho --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' pkg | sed 's/^func //' | sort -u); do \
	  pkg=$$(grep -rl --include='*_test.go' "^func $$target(" pkg | head -1 | xargs dirname); \
	  echo "fuzz $$target in ./$$pkg for $(FUZZTIME)"; \
	  $(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) ./$$pkg || exit 1; \
	done

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

clean:
	rm -rf bin demo-out deploy-guard-artifacts
