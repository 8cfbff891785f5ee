# deploy-guard action image: a static Go binary on a slim Node.js base with a
# pinned Salesforce CLI. Built and published by .github/workflows/release.yml;
# action.yml pulls the published image instead of building this per job.
#
# Run it locally like the runner does:
#   docker run --rm -v "$PWD:/github/workspace" -w /github/workspace \
#     -e GITHUB_WORKSPACE=/github/workspace -e INPUT_AUTH-URL="$SFDX_AUTH_URL" \
#     -e INPUT_MANIFEST=manifest/package.xml ghcr.io/org/deploy-guard:v1

# go.mod's toolchain line (a test keeps them equal): go1.26.8 carries 13
# standard-library vulnerabilities that go1.27.3 fixes.
ARG GO_VERSION=1.27.3
# The pinned CLI (2.150.6) requires Node.js >= 22 (package.json engines.node).
ARG NODE_VERSION=22

FROM golang:${GO_VERSION}-bookworm AS build
# The image's Go, exactly: never a toolchain fetched behind the build's back.
ENV GOTOOLCHAIN=local
WORKDIR /src
# Dependencies first, so source-only changes reuse the module layer.
COPY go.mod go.sum ./
RUN go mod download
# The standard library compiled once in its own layer (same flags as below):
# a source change then recompiles only the module's packages.
RUN CGO_ENABLED=0 go build -trimpath std
COPY main.go ./
COPY pkg ./pkg
ARG VERSION=dev
# The version goes into the report and `deploy-guard --version`.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/org/deploy-guard/pkg/app.Version=${VERSION}" -o /out/deploy-guard . \
    && /out/deploy-guard --version

FROM node:${NODE_VERSION}-bookworm-slim
ARG SF_CLI_VERSION=2.150.6
# sfdx-git-delta for delta-from (pinned as in scripts/install-sf.sh), and the
# git it runs.
ARG SGD_VERSION=6.31.0
LABEL org.opencontainers.image.source="https://github.com/org/deploy-guard" \
      org.opencontainers.image.description="Salesforce deployments that survive failure"
# Defaults only: the binary sets the security-relevant switches on every sf
# child itself, because runs.env and GITHUB_ENV can override image ENV.
ENV SF_CONTAINER_MODE=true \
    SFDX_CONTAINER_MODE=true \
    SF_DISABLE_AUTOUPDATE=true \
    SF_AUTOUPDATE_DISABLE=true \
    SF_DISABLE_TELEMETRY=true \
    SF_SKIP_NEW_VERSION_CHECK=true \
    SF_USE_GENERIC_UNIX_KEYCHAIN=true \
    NPM_CONFIG_UPDATE_NOTIFIER=false
# The published @salesforce/cli ships an npm-shrinkwrap.json, so the exact
# version pins its whole dependency tree. Fail the build, not a user's
# deploy, if the CLI does not start.
RUN npm install --global --omit=dev --no-fund --no-audit "@salesforce/cli@${SF_CLI_VERSION}" \
    && npm cache clean --force \
    && sf --version
# sgd has no bin: scripts/sgd-run.mjs is oclif's entry point for it, run as
# `sgd source delta ...` (the arguments of `sf sgd source delta`).
COPY scripts/sgd-run.mjs /tmp/sgd-run.mjs
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/* \
    && npm install --global --omit=dev --no-fund --no-audit "sfdx-git-delta@${SGD_VERSION}" \
    && npm cache clean --force \
    && mv /tmp/sgd-run.mjs "$(npm root -g)/sfdx-git-delta/sgd-run.mjs" \
    && printf '#!/bin/sh\nexec node "%s/sfdx-git-delta/sgd-run.mjs" "$@"\n' "$(npm root -g)" > /usr/local/bin/sgd \
    && chmod 755 /usr/local/bin/sgd \
    && sgd sgd source delta --help > /dev/null
COPY --from=build /out/deploy-guard /usr/local/bin/deploy-guard
# Docker actions must run as the default user (root) to use the mounted
# workspace, so there is no USER line; the action chowns what it writes.
# No WORKDIR either: the runner mounts the workspace and sets it.
ENTRYPOINT ["/usr/local/bin/deploy-guard"]
