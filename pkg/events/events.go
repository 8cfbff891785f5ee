// Package events writes deploy-guard's structured event log: one JSON object
// per line (events.jsonl), ready for Filebeat, Fluent Bit or a Splunk
// forwarder.
//
// # Schema (version 1)
//
// Every event has these fields; the schema only ever adds fields within a
// version, so consumers should ignore fields they do not know.
//
//	schema      "deploy-guard.event"                     constant
//	version     1                                        schema version
//	time        RFC 3339 UTC timestamp with nanoseconds  when the event happened
//	seq         1, 2, ...                                order within the run
//	type        see below
//	run         {id, attempt, repository, workflow, ref, sha, actor}  GitHub run identifiers
//	...         the type's own fields, listed below
//
// Types and their fields:
//
//	run.started       mode, target_org
//	step              name ("preflight", "breaker", "login", "notify.slack", ...), outcome, detail, duration_ms
//	attempt           number, kind, command, start, duration_ms, exit_code, deploy_id, outcome,
//	                  category, decision, delay_ms
//	run.finished      status, category, attempts, deploy_id, flaky_tests, message, duration_ms
//
// Text fields pass through the redactor, like every other output.
package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/org/deploy-guard/pkg/ghenv"
	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/result"
)

// Schema and Version identify the format.
const (
	Schema  = "deploy-guard.event"
	Version = 1
)

// RunInfo identifies the GitHub run.
type RunInfo struct {
	ID         string `json:"id,omitempty"`
	Attempt    string `json:"attempt,omitempty"`
	Repository string `json:"repository,omitempty"`
	Workflow   string `json:"workflow,omitempty"`
	Ref        string `json:"ref,omitempty"`
	SHA        string `json:"sha,omitempty"`
	Actor      string `json:"actor,omitempty"`
}

// InfoFrom is the run's identity as the event log records it; ID and
// attempt are left out outside a workflow run.
func InfoFrom(e ghenv.Env) RunInfo {
	info := RunInfo{Repository: e.Repository, Workflow: e.Workflow, Ref: e.Ref, SHA: e.SHA, Actor: e.Actor}
	if e.RunID != 0 {
		info.ID = strconv.FormatInt(e.RunID, 10)
		info.Attempt = strconv.Itoa(e.RunAttempt)
	}
	return info
}

// Step is a run step other than an sf attempt (preflight, breaker, login,
// notifications), recorded as it happens.
type Step struct {
	Time     time.Time
	Name     string
	Outcome  string
	Detail   string
	Duration time.Duration
}

// Event is one line of the log.
type Event struct {
	Schema  string    `json:"schema"`
	Version int       `json:"version"`
	Time    string    `json:"time"`
	Seq     int       `json:"seq"`
	Type    string    `json:"type"`
	Run     RunInfo   `json:"run"`
	Fields  Fields    `json:"-"`
	sortKey time.Time `json:"-"`
}

// Fields are an event type's own fields.
type Fields map[string]any

// MarshalJSON writes the common fields followed by the type's fields.
func (e Event) MarshalJSON() ([]byte, error) {
	type common Event
	head, err := json.Marshal(common(e))
	if err != nil {
		return nil, err
	}
	if len(e.Fields) == 0 {
		return head, nil
	}
	body, err := json.Marshal(e.Fields)
	if err != nil {
		return nil, err
	}
	// Splice the two objects: {common...,fields...}.
	return append(append(head[:len(head)-1], ','), body[1:]...), nil
}

// Build turns a finished run and the steps recorded along the way into the
// ordered event list.
func Build(run *result.Run, info RunInfo, steps []Step) []Event {
	var evs []Event
	add := func(t time.Time, typ string, f Fields) {
		evs = append(evs, Event{Schema: Schema, Version: Version, Type: typ, Run: info, Fields: f, sortKey: t})
	}
	add(run.Started, "run.started", Fields{"mode": run.Mode, "target_org": run.TargetOrg})
	for _, s := range steps {
		add(s.Time, "step", Fields{"name": s.Name, "outcome": s.Outcome, "detail": s.Detail, "duration_ms": s.Duration.Milliseconds()})
	}
	for _, a := range run.Attempts {
		add(a.Start.Add(a.Duration), "attempt", Fields{
			"number": a.Number, "kind": a.Kind, "command": a.Command,
			"start": a.Start.UTC().Format(time.RFC3339Nano), "duration_ms": a.Duration.Milliseconds(),
			"exit_code": a.ExitCode, "deploy_id": a.DeployID, "outcome": a.Outcome,
			"category": string(a.Category), "decision": a.Decision, "delay_ms": a.Delay.Milliseconds(),
		})
	}
	flaky := run.FlakyTests
	if flaky == nil {
		flaky = []string{}
	}
	add(run.Finished, "run.finished", Fields{
		"status": string(run.Status), "category": string(run.Category), "attempts": run.DeploymentAttempts(),
		"deploy_id": run.DeployID, "flaky_tests": flaky, "message": run.Message,
		"duration_ms": run.Finished.Sub(run.Started).Milliseconds(),
	})
	// Stable order by time; run.started first and run.finished last.
	for i := 1; i < len(evs)-1; i++ {
		for j := i; j > 1 && evs[j].sortKey.Before(evs[j-1].sortKey); j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
	for i := range evs {
		evs[i].Seq = i + 1
		evs[i].Time = evs[i].sortKey.UTC().Format(time.RFC3339Nano)
	}
	return evs
}

// Encode renders events as JSON lines, redacted: each text is redacted (in
// place) before it is JSON-escaped, and the encoded line once more as a
// backstop.
func Encode(evs []Event, red *redact.Redactor) ([]byte, error) {
	red.Walk(evs)
	var b bytes.Buffer
	for _, e := range evs {
		line, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encoding event %d: %w", e.Seq, err)
		}
		b.Write(red.Bytes(line))
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// WriteFile writes the events to path.
func WriteFile(path string, evs []Event, red *redact.Redactor) error {
	data, err := Encode(evs, red)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
