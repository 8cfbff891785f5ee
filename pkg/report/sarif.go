package report

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/org/deploy-guard/pkg/result"
)

// SARIFSchema is the JSON schema URL written in $schema.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// InformationURI is the tool's home page in SARIF.
const InformationURI = "https://github.com/org/deploy-guard"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name,omitempty"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      *sarifText      `json:"fullDescription,omitempty"`
	Help                 *sarifText      `json:"help,omitempty"`
	DefaultConfiguration *sarifRuleLevel `json:"defaultConfiguration,omitempty"`
	Properties           map[string]any  `json:"properties,omitempty"`
}

type sarifRuleLevel struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// SARIF renders the component failures and failed tests of r as a SARIF
// 2.1.0 log for code scanning. Rules are the classifier's pattern ids (or
// "deploy-guard/<category>" when no pattern matched); locations are
// repository-relative with uriBaseId %SRCROOT%. Flaky tests are not results.
func SARIF(r *result.Run, p Project, toolVersion string) ([]byte, error) {
	p = p.prepared()
	log := sarifLog{Schema: SARIFSchema, Version: "2.1.0"}
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "deploy-guard", InformationURI: InformationURI, Version: toolVersion, Rules: []sarifRule{}}}, Results: []sarifResult{}}
	ruleIdx := map[string]int{}
	rule := func(d result.Diagnosis, def result.Category) (string, int) {
		c := d.Category.Or(def)
		id := "deploy-guard/" + string(c)
		if d.PatternID != "" {
			id = d.PatternID
		}
		if i, ok := ruleIdx[id]; ok {
			return id, i
		}
		rl := sarifRule{ID: id, DefaultConfiguration: &sarifRuleLevel{Level: "error"}, Properties: map[string]any{"category": string(c), "transient": d.Transient}}
		pb, hasPB := playbookFor(c)
		short := string(c) + " failure"
		if hasPB {
			short = pb.Title
		}
		if d.Explanation != "" {
			rl.ShortDescription = sarifText{Text: oneLine(d.Explanation, 1000)}
			rl.FullDescription = &sarifText{Text: d.Explanation}
		} else {
			rl.ShortDescription = sarifText{Text: short}
			if hasPB {
				rl.FullDescription = &sarifText{Text: pb.Meaning}
			}
		}
		help := d.Fix
		if help == "" && hasPB {
			help = pb.Fix
		}
		if help != "" {
			rl.Help = &sarifText{Text: help}
		}
		rl.Name = ruleName(id)
		ruleIdx[id] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rl)
		return id, ruleIdx[id]
	}
	loc := func(file string, line, col int) []sarifLocation {
		if file == "" {
			return nil
		}
		l := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: file, URIBaseID: "%SRCROOT%"}}}
		if line > 0 {
			l.PhysicalLocation.Region = &sarifRegion{StartLine: line}
			if col > 0 {
				l.PhysicalLocation.Region.StartColumn = col
			}
		}
		return []sarifLocation{l}
	}
	if r != nil && r.Deploy != nil {
		for _, c := range r.Deploy.ComponentFailures {
			level := "error"
			if c.IsWarning() {
				level = "warning"
			}
			id, idx := rule(c.Diagnosis, result.CategoryMetadata)
			file := p.File(c)
			msg := componentName(c)
			if c.Type != "" {
				msg = c.Type + " " + msg
			}
			msg += ": " + withDiagnosis(c.Problem, c.Diagnosis)
			line, col := 0, 0
			if file != "" {
				line, col = c.Line, c.Column
			}
			run.Results = append(run.Results, sarifResult{RuleID: id, RuleIndex: idx, Level: level, Message: sarifText{Text: msg}, Locations: loc(file, line, col)})
		}
		for _, t := range r.HardTestFailures() {
			id, idx := rule(t.Diagnosis, result.CategoryTest)
			file, line := p.testLocation(t)
			msg := "Test " + t.FullName() + " failed: " + withDiagnosis(t.Message, t.Diagnosis)
			if t.StackTrace != "" {
				msg += "\n" + t.StackTrace
			}
			run.Results = append(run.Results, sarifResult{RuleID: id, RuleIndex: idx, Level: "error", Message: sarifText{Text: msg}, Locations: loc(file, line, 0)})
		}
	}
	// Rules sorted by id for stable output; fix up the indexes.
	rules := run.Tool.Driver.Rules
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	for i, rl := range rules {
		ruleIdx[rl.ID] = i
	}
	for i := range run.Results {
		run.Results[i].RuleIndex = ruleIdx[run.Results[i].RuleID]
	}
	log.Runs = []sarifRun{run}
	b, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ruleName turns "deploy-guard/test" or "apex-variable-missing" into a
// PascalCase name as SARIF viewers show it.
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			if up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		} else {
			up = true
		}
	}
	return b.String()
}
