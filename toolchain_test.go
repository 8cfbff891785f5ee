package main

import (
	"regexp"
	"strings"
	"testing"
)

// One Go release builds and tests the shipped binary: go.mod's toolchain
// line, which the Makefile exports as GOTOOLCHAIN and the Dockerfile's
// builder stage names as its base image (with GOTOOLCHAIN=local, so the
// image's Go is the one used). The README says which release it is.
func TestOneGoToolchain(t *testing.T) {
	m := regexp.MustCompile(`(?m)^toolchain go(\d+\.\d+\.\d+)$`).FindStringSubmatch(readSource(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no toolchain line naming an exact release (toolchain goX.Y.Z)")
	}
	version := m[1]
	for _, tc := range []struct{ file, want string }{
		{"Dockerfile", "ARG GO_VERSION=" + version + "\n"},
		{"Dockerfile", "FROM golang:${GO_VERSION}-bookworm AS build\n# The image's Go, exactly: never a toolchain fetched behind the build's back.\nENV GOTOOLCHAIN=local\n"},
		{"Makefile", "export GOTOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.mod)\n"},
		{"README.md", "go" + version},
	} {
		if !strings.Contains(readSource(t, tc.file), tc.want) {
			t.Errorf("%s lacks %q (go.mod: toolchain go%s)", tc.file, tc.want, version)
		}
	}
	for _, f := range []string{"Makefile"} {
		for _, target := range []string{"scripts/staticcheck.sh", "scripts/vulncheck.sh"} {
			if !strings.Contains(readSource(t, f), "bash "+target) {
				t.Errorf("%s does not run %s: CI runs make vet", f, target)
			}
		}
	}
}
