package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/sfcli"
)

// The sf flags passed through with rules: what each input accepts and the
// config error for what it does not, naming the input and the fix.
func TestPassThroughs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		// wantInput and wantText name the refusal; empty means accepted.
		wantInput, wantText string
		check               func(*Config) bool
	}{
		{"formatters", map[string]string{InputCoverageFormatters: "json, cobertura\nlcovonly,json"}, "", "",
			func(c *Config) bool {
				return slices.Equal(c.CoverageFormatters, []string{"json", "cobertura", "lcovonly"})
			}},
		{"formatter unknown", map[string]string{InputCoverageFormatters: "json,sonar"}, InputCoverageFormatters, `"sonar" is not a coverage format of the pinned sf CLI; use one or more of: clover`, nil},
		{"formatter case", map[string]string{InputCoverageFormatters: "JSON"}, InputCoverageFormatters, `"JSON" is not`, nil},
		{"formatters with quick", map[string]string{InputMode: "quick", InputJobID: "0Af000000000001AAA", InputCoverageFormatters: "json"}, InputCoverageFormatters, "set it on the validate run", nil},
		{"formatters with validate", map[string]string{InputMode: "validate", InputCoverageFormatters: "json"}, "", "", func(c *Config) bool { return len(c.CoverageFormatters) == 1 }},
		{"ignore-errors deploy", map[string]string{InputIgnoreErrors: "true"}, "", "", func(c *Config) bool { return c.IgnoreErrors }},
		{"ignore-errors dry-run", map[string]string{InputMode: "dry-run", InputIgnoreErrors: "true"}, "", "", func(c *Config) bool { return c.IgnoreErrors }},
		{"ignore-errors validate", map[string]string{InputMode: "validate", InputIgnoreErrors: "true"}, InputIgnoreErrors, "use mode: deploy or dry-run", nil},
		{"ignore-errors quick", map[string]string{InputMode: "quick", InputJobID: "0Af000000000001AAA", InputIgnoreErrors: "true"}, InputIgnoreErrors, "only sf project deploy start has --ignore-errors", nil},
		{"ignore-errors word", map[string]string{InputIgnoreErrors: "sometimes"}, InputIgnoreErrors, "true or false", nil},
		{"gate validate", map[string]string{InputMode: "validate", InputCoverageGate: "true"}, "", "", func(c *Config) bool { return c.CoverageGate }},
		{"gate dry-run", map[string]string{InputMode: "dry-run", InputCoverageGate: "true", InputTestLevel: "RunLocalTests"}, "", "", func(c *Config) bool { return c.CoverageGate }},
		{"gate deploy", map[string]string{InputCoverageGate: "true"}, InputCoverageGate, "only applies to the check-only modes", nil},
		{"gate without tests", map[string]string{InputMode: "dry-run", InputCoverageGate: "true", InputTestLevel: "NoTestRun"}, InputCoverageGate, "needs tests", nil},
		{"relevant on 66", map[string]string{InputTestLevel: "RunRelevantTests", InputAPIVersion: "66.0"}, "", "", func(c *Config) bool { return c.TestLevel == "RunRelevantTests" }},
		{"relevant on 67", map[string]string{InputTestLevel: "RunRelevantTests", InputAPIVersion: "67.0"}, "", "", func(c *Config) bool { return true }},
		{"relevant without version", map[string]string{InputTestLevel: "RunRelevantTests"}, "", "", func(c *Config) bool { return true }},
		{"relevant on 62", map[string]string{InputTestLevel: "RunRelevantTests", InputAPIVersion: "62.0"}, InputTestLevel, `RunRelevantTests needs Metadata API 66.0 or later, and this deployment uses 62.0 (api-version); raise api-version to "66.0"`, nil},
		{"local on 62", map[string]string{InputTestLevel: "RunLocalTests", InputAPIVersion: "62.0"}, "", "", func(c *Config) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]string{InputAuthURL: goodAuthURL}
			for k, v := range tc.inputs {
				in[k] = v
			}
			c, err := Parse(env(in))
			if tc.wantInput != "" {
				if err == nil || !strings.Contains(err.Error(), `input "`+tc.wantInput+`"`) || !strings.Contains(err.Error(), tc.wantText) {
					t.Fatalf("got %v, want an error naming %s and saying %q", err, tc.wantInput, tc.wantText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !tc.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}

// sourceApiVersion is checked by the same rule, naming the file.
func TestCheckRelevantTests(t *testing.T) {
	for _, tc := range []struct {
		level, version string
		refused        bool
	}{
		{"RunRelevantTests", "65.0", true},
		{"RunRelevantTests", "58.0", true},
		{"RunRelevantTests", "66.0", false},
		{"RunRelevantTests", "", false},
		{"RunLocalTests", "50.0", false},
	} {
		err := CheckRelevantTests(tc.level, tc.version, "sfdx-project.json sourceApiVersion")
		if (err != nil) != tc.refused {
			t.Errorf("%s on %q: err = %v, want refused %v", tc.level, tc.version, err, tc.refused)
		}
		if err != nil && !strings.Contains(err.Error(), "sfdx-project.json sourceApiVersion") {
			t.Errorf("the refusal does not name where the version comes from: %v", err)
		}
	}
}

// The formats accepted are exactly those the pinned CLI accepts on every
// deploy command that has the flag.
func TestCoverageFormattersMatchPinnedCLI(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sf-commands-2.150.6.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Commands []struct {
			ID    string `json:"id"`
			Flags map[string]struct {
				Options []string `json:"options"`
			} `json:"flags"`
		} `json:"commands"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, c := range meta.Commands {
		f, ok := c.Flags["coverage-formatters"]
		if !ok || !strings.HasPrefix(c.ID, "project:deploy:") {
			continue
		}
		seen++
		if !slices.Equal(f.Options, sfcli.CoverageFormatters) {
			t.Errorf("%s accepts %v, deploy-guard %v", c.ID, f.Options, sfcli.CoverageFormatters)
		}
	}
	if seen < 3 {
		t.Errorf("only %d deploy commands have --coverage-formatters in the snapshot", seen)
	}
}
