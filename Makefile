# deploy-guard developer commands. `make demo` and `make test` are the two
# set-up commands in the README; both install what they need.
SHELL := /bin/bash
GO ?= go
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

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

# The whole suite: unit tests, fuzz seed corpora, and end-to-end tests that
# run the action binary with the real sf CLI against the org emulator.
test: sf vet
	DEPLOY_GUARD_REQUIRE_E2E=1 $(GO) test -count=1 -timeout 20m ./...

unit:
	$(GO) test -count=1 -short ./...

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
