// Package redact removes secrets from text before it leaves the action: logs,
// outputs, the step summary, artifacts, issues, comments and chat messages.
//
// The runner's own masker only covers the log, so everything the action sends
// elsewhere must pass through a Redactor.
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unsafe"
)

// Mask is what a secret is replaced with.
const Mask = "***"

// minSecretLen is the shortest value worth redacting: masking a one- or
// two-character string would mangle ordinary text without protecting anything.
const minSecretLen = 4

// Redactor replaces registered secrets in text. It is safe for concurrent use.
// The zero value is ready and redacts nothing.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
	rep     *matcher
}

// New returns a Redactor for the given secrets.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers secrets, together with the encoded forms a tool may print
// them in (URL-escaped, base64, JSON-escaped) and each of their lines.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, s := range r.secrets {
		seen[s] = true
	}
	add := func(v string) {
		if len(v) < minSecretLen || seen[v] {
			return
		}
		seen[v] = true
		r.secrets = append(r.secrets, v)
	}
	for _, s := range secrets {
		if strings.TrimSpace(s) == "" {
			continue
		}
		for _, v := range Variants(s) {
			add(v)
		}
	}
	// Longest first, so a secret that contains another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	r.rep = newMatcher(r.secrets)
}

// Variants returns s and the forms it is commonly transformed into: each
// trimmed line of a multi-line value, URL query and path escaping, JSON
// escaping, and standard and URL-safe base64.
func Variants(s string) []string {
	out := []string{s}
	if strings.ContainsAny(s, "\r\n") {
		for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if t := strings.TrimSpace(line); t != "" {
				out = append(out, t)
			}
		}
		out = append(out, strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s))
	}
	out = append(out,
		url.QueryEscape(s),
		url.PathEscape(s),
		base64.StdEncoding.EncodeToString([]byte(s)),
		base64.RawURLEncoding.EncodeToString([]byte(s)),
		strings.NewReplacer(`\`, `\\`, `"`, `\"`, "/", `\/`).Replace(s),
	)
	// JSON as Node's JSON.stringify writes it (sf's documents: "/" kept) and
	// as Go's encoding/json does ("<", ">", "&" as \u escapes: events.jsonl).
	if b, err := json.Marshal(s); err == nil {
		out = append(out, string(b[1:len(b)-1]))
	}
	out = append(out, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
	return out
}

// String returns s with every registered secret replaced by Mask.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	rep := r.rep
	r.mu.RUnlock()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// Bytes is String for byte slices: b itself when no secret occurs in it,
// else one redacted copy. It reads b in place: an sf result can be tens of
// megabytes.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	r.mu.RLock()
	rep := r.rep
	r.mu.RUnlock()
	if rep == nil || len(b) == 0 {
		return b
	}
	sc := rep.scan(unsafe.String(unsafe.SliceData(b), len(b)))
	if !sc.found() {
		return b
	}
	var out bytes.Buffer
	out.Grow(len(b))
	sc.writeTo(&out)
	return out.Bytes()
}

// Secrets returns the registered values (with variants), longest first.
func (r *Redactor) Secrets() []string {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.secrets...)
}

// Walk redacts, in place, every string reachable from v (a pointer, slice
// or map): struct fields, slice and array elements, map keys' values,
// through pointers and interfaces. Types derived from string (categories,
// statuses) are redacted too; unexported fields are left alone.
//
// Sinks escape and cut text; a secret must be masked before either, or an
// escaped or truncated copy no longer matches. Walking the model once before
// it is rendered masks every string in it, whatever field it came from.
func (r *Redactor) Walk(v any) {
	if r == nil || v == nil {
		return
	}
	r.mu.RLock()
	rep := r.rep
	r.mu.RUnlock()
	if rep == nil {
		return
	}
	walk(reflect.ValueOf(v), rep, map[uintptr]bool{})
}

// textless are the types that can hold no text (numbers, booleans and
// what is built of them only): Walk does not look inside them. A large
// run's coverage holds millions of line numbers.
var textless sync.Map // reflect.Type -> bool

func holdsNoText(t reflect.Type) bool {
	if v, ok := textless.Load(t); ok {
		return v.(bool)
	}
	// A type that contains itself is provisionally walked.
	textless.Store(t, false)
	var none bool
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		none = true
	case reflect.Array, reflect.Slice:
		// []byte is text; other lists are as their elements.
		none = t.Elem().Kind() != reflect.Uint8 && holdsNoText(t.Elem())
	case reflect.Struct:
		none = true
		for i := 0; i < t.NumField() && none; i++ {
			none = !t.Field(i).IsExported() || holdsNoText(t.Field(i).Type)
		}
	}
	textless.Store(t, none)
	return none
}

func walk(v reflect.Value, rep *matcher, seen map[uintptr]bool) {
	if holdsNoText(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			if s := v.String(); s != "" {
				if clean := rep.Replace(s); clean != s {
					v.SetString(clean)
				}
			}
		}
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		walk(v.Elem(), rep, seen)
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		switch e.Kind() {
		case reflect.Pointer, reflect.Map, reflect.Slice:
			walk(e, rep, seen)
		default:
			// A value held in an interface cannot be set in place: walk a
			// copy and store it back.
			if v.CanSet() {
				c := reflect.New(e.Type()).Elem()
				c.Set(e)
				walk(c, rep, seen)
				v.Set(c)
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walk(v.Field(i), rep, seen)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			// []byte (raw JSON kept in the model) is text too.
			if v.CanSet() && v.Len() > 0 {
				if clean := rep.Replace(string(v.Bytes())); clean != string(v.Bytes()) {
					v.SetBytes([]byte(clean))
				}
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i), rep, seen)
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i), rep, seen)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			val := reflect.New(iter.Value().Type()).Elem()
			val.Set(iter.Value())
			walk(val, rep, seen)
			v.SetMapIndex(iter.Key(), val)
		}
	}
}
