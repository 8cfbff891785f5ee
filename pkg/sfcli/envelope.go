package sfcli

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Envelope is the JSON document every `sf ... --json` prints on stdout:
// either {status, result, warnings} (which includes failed deployments, with
// status 1, 68 or 69) or an error document {name, message, exitCode, ...}.
type Envelope struct {
	// Status is the envelope's status, normally equal to the exit code.
	Status int
	// Result is the raw `result` value; nil for error documents.
	Result []byte
	// ResultValue is the same value as parsed from the validated document,
	// for parsers that need not validate it again.
	ResultValue gjson.Result
	// Warnings are the envelope's warnings as text.
	Warnings []string

	// Error-document fields.
	Name     string
	Message  string
	ExitCode int
	// Code is the error's code as text (a number before mid-2024, a string since).
	Code    string
	Context string
	Actions []string
	// Data is the raw `data` value (e.g. {"deployId": ...} or {"id": ...}).
	Data []byte
}

// IsError reports whether the document is an error document: it has a name
// and a message and no result.
func (e *Envelope) IsError() bool { return e.Name != "" && e.Result == nil }

// DeployID returns the deployment id the document refers to: result.id,
// data.deployId or data.id.
func (e *Envelope) DeployID() string {
	if e.Result != nil {
		if id := gjson.GetBytes(e.Result, "id"); id.Type == gjson.String {
			return id.Str
		}
	}
	for _, path := range []string{"deployId", "id"} {
		if id := gjson.GetBytes(e.Data, path); id.Type == gjson.String {
			return id.Str
		}
	}
	return ""
}

// ResultStatus returns result.status (e.g. "Succeeded", "Queued").
func (e *Envelope) ResultStatus() string {
	return gjson.GetBytes(e.Result, "status").String()
}

// ErrNoJSON means sf printed no JSON document at all.
var ErrNoJSON = errors.New("sf printed no JSON document")

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// maxCandidates bounds how many possible document starts are tried in noisy
// output, so a huge non-JSON output cannot make parsing quadratic.
const maxCandidates = 32

// ParseEnvelope finds and decodes the JSON document in sf's stdout. It
// tolerates ANSI colour codes and noise before the document (warnings that
// some plugins print, Node deprecation notices).
func ParseEnvelope(stdout []byte) (*Envelope, error) {
	doc, err := findDocument(stdout)
	if err != nil {
		return nil, err
	}
	// One pass over the top level: gjson's Get rescans the document for every
	// key, and the result of a large deployment is tens of megabytes.
	e := &Envelope{}
	var status, warnings, actions gjson.Result
	// The document is read in place, not copied: stdout is never changed
	// after sf exits (redaction replaces it whole), and a large result is
	// tens of megabytes.
	gjson.Parse(unsafe.String(unsafe.SliceData(doc), len(doc))).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "status":
			status = v
		case "name":
			e.Name = v.String()
		case "message":
			e.Message = v.String()
		case "exitCode":
			e.ExitCode = int(v.Int())
		case "context":
			e.Context = v.String()
		case "result":
			if v.Type != gjson.Null {
				e.Result = rawOf(doc, v)
				e.ResultValue = v
			}
		case "data":
			e.Data = []byte(v.Raw)
		case "code":
			e.Code = v.String()
		case "warnings":
			warnings = v
		case "actions":
			actions = v
		}
		return true
	})
	e.Status = int(status.Int())
	for _, w := range warnings.Array() {
		if w.IsObject() {
			e.Warnings = append(e.Warnings, w.Get("message").String())
		} else {
			e.Warnings = append(e.Warnings, w.String())
		}
	}
	for _, a := range actions.Array() {
		e.Actions = append(e.Actions, a.String())
	}
	if !status.Exists() && e.ExitCode != 0 {
		e.Status = e.ExitCode
	}
	return e, nil
}

// rawOf returns v's text as a slice of doc when gjson knows where it is
// (no copy of a result that may be tens of megabytes), else a copy.
func rawOf(doc []byte, v gjson.Result) []byte {
	if v.Index > 0 && v.Index+len(v.Raw) <= len(doc) && string(doc[v.Index:v.Index+len(v.Raw)]) == v.Raw {
		return doc[v.Index : v.Index+len(v.Raw) : v.Index+len(v.Raw)]
	}
	return []byte(v.Raw)
}

func findDocument(out []byte) ([]byte, error) {
	if bytes.IndexByte(out, 0x1b) >= 0 {
		out = ansi.ReplaceAll(out, nil)
	}
	out = bytes.TrimSpace(out)
	if len(out) == 0 {
		return nil, ErrNoJSON
	}
	end := bytes.LastIndexByte(out, '}')
	if end < 0 {
		return nil, fmt.Errorf("%w: output has no JSON object (%d bytes)", ErrNoJSON, len(out))
	}
	// Common case first: the whole output is the document.
	if out[0] == '{' && end == len(out)-1 && gjson.ValidBytes(out) {
		return out, nil
	}
	// Otherwise try each '{' that starts a line, in order: sf pretty-prints
	// its document starting on a line of its own.
	tried := 0
	for i := 0; i < end && tried < maxCandidates; i++ {
		if out[i] != '{' || (i > 0 && out[i-1] != '\n') {
			continue
		}
		tried++
		if cand := out[i : end+1]; gjson.ValidBytes(cand) {
			return cand, nil
		}
	}
	return nil, fmt.Errorf("%w: output is not valid JSON (%d bytes; truncated or corrupted?)", ErrNoJSON, len(out))
}
