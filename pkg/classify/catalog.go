package classify

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safefs"
	"gopkg.in/yaml.v3"
)

//go:embed catalog.yaml
var builtinCatalog []byte

// builtinSource names the embedded catalog in error messages.
const builtinSource = "builtin catalog"

// errPrefix starts every error about a user catalog.
const errPrefix = "error-catalog"

// categoryList is the human list of the categories a pattern may use.
const categoryList = "test, coverage, dependency, limits, metadata, auth, transient, timeout, config, unknown"

// patternCategories are the categories a pattern may use (none is not one).
var patternCategories = map[result.Category]bool{
	result.CategoryTest: true, result.CategoryCoverage: true, result.CategoryDependency: true,
	result.CategoryLimits: true, result.CategoryMetadata: true, result.CategoryAuth: true,
	result.CategoryTransient: true, result.CategoryTimeout: true, result.CategoryConfig: true,
	result.CategoryUnknown: true,
}

var validScopes = map[Scope]bool{ScopeComponent: true, ScopeTest: true, ScopeError: true, ScopeCoverage: true}

// knownFields are the keys a pattern entry may have.
var knownFields = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range Fields() {
		m[f] = true
	}
	return m
}()

// Fields returns the keys a catalog entry may have, in the documented order.
func Fields() []string {
	return []string{"id", "category", "transient", "applies", "match", "explanation", "fix", "examples"}
}

// fieldAliases are keys users write for a known field; the error names the
// right one.
var fieldAliases = map[string]string{
	"pattern": "match", "regex": "match", "regexp": "match", "expression": "match",
	"scope": "applies", "scopes": "applies", "retry": "transient", "retryable": "transient",
}

// unknownField describes an unknown key k.
func unknownField(k string) string {
	if right, ok := fieldAliases[strings.ToLower(k)]; ok {
		return fmt.Sprintf("unknown field %q: the field is called %q", k, right)
	}
	return fmt.Sprintf("unknown field %q", k)
}

var idRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

var (
	builtinOnce     sync.Once
	builtinPatterns []Pattern
	builtinCompiled []compiled
)

func loadBuiltin() {
	builtinOnce.Do(func() {
		ps, err := parseCatalog(builtinCatalog, "catalog.yaml", false)
		if err == nil {
			builtinCompiled, err = compileAll(ps, builtinSource, true)
		}
		for i := range builtinCompiled {
			builtinCompiled[i].builtin = true
		}
		if err != nil {
			panic("classify: embedded catalog is broken: " + err.Error())
		}
		builtinPatterns = ps
	})
}

// Builtin returns a copy of the embedded catalog, in match order.
func Builtin() []Pattern {
	loadBuiltin()
	out := make([]Pattern, len(builtinPatterns))
	for i, p := range builtinPatterns {
		p.Applies = append([]Scope(nil), p.Applies...)
		p.Examples = append([]string(nil), p.Examples...)
		out[i] = p
	}
	return out
}

// Bounds on a user catalog, a file a pull request can change (issue 28).
// Go's regular expressions run in time linear in the text times the
// compiled program, so bounding every program and their sum bounds the cost
// of loading the catalog and of each classification, whatever it holds.
const (
	// MaxCatalogFile bounds the file (the built-in catalog is about 60 KB).
	MaxCatalogFile = 1 << 20
	// MaxUserPatterns bounds the entries (the built-in catalog has ~100).
	MaxUserPatterns = 500
	// MaxPatternProgram bounds one match expression's compiled program,
	// in instructions; MaxCatalogProgram their sum.
	MaxPatternProgram = 5000
	MaxCatalogProgram = 100000
	// MaxExamples bounds each entry's examples, matched at load time, and
	// MaxExampleLen each one's length.
	MaxExamples   = 20
	MaxExampleLen = 2000
)

// checkBounds refuses a user catalog beyond the bounds, naming the entry.
func checkBounds(ps []Pattern) error {
	if len(ps) > MaxUserPatterns {
		return fmt.Errorf("%d patterns, more than the limit of %d: keep the catalog to the errors your team meets", len(ps), MaxUserPatterns)
	}
	total := 0
	for i, p := range ps {
		if len(p.Examples) > MaxExamples {
			return fmt.Errorf("%s: examples: %d, more than the limit of %d", entryName(i, p.ID), len(p.Examples), MaxExamples)
		}
		for j, ex := range p.Examples {
			if len(ex) > MaxExampleLen {
				return fmt.Errorf("%s: examples[%d]: %d bytes, more than the limit of %d", entryName(i, p.ID), j, len(ex), MaxExampleLen)
			}
		}
		parsed, err := syntax.Parse("(?i)"+p.Match, syntax.Perl)
		if err != nil {
			continue // compileAll names the syntax error
		}
		prog, err := syntax.Compile(parsed.Simplify())
		if err != nil {
			continue
		}
		n := len(prog.Inst)
		if n > MaxPatternProgram {
			return fmt.Errorf("%s: match: the expression compiles to %d instructions, more than the limit of %d: simplify it (fewer alternatives or repetitions)", entryName(i, p.ID), n, MaxPatternProgram)
		}
		if total += n; total > MaxCatalogProgram {
			return fmt.Errorf("%s: the match expressions up to this entry compile to %d instructions, more than the catalog's limit of %d: use fewer or simpler patterns", entryName(i, p.ID), total, MaxCatalogProgram)
		}
	}
	return nil
}

// LoadFile reads a user catalog. Files ending in .json are read as JSON,
// everything else as YAML. The document is either a list of patterns or an
// object with a `patterns` list. Unknown keys are rejected and every pattern
// is validated (see New); errors name the file, the 1-based entry number and
// id, and the field.
func LoadFile(path string) ([]Pattern, error) {
	b, err := safefs.ReadFile(path, MaxCatalogFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", errPrefix, path, err)
	}
	ext := strings.ToLower(filepath.Ext(path))
	ps, err := parseCatalog(b, path, ext == ".json")
	if err == nil {
		err = checkBounds(ps)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", errPrefix, path, err)
	}
	if _, err := compileAll(ps, "", true); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", errPrefix, path, err)
	}
	return ps, nil
}

// parseCatalog decodes a catalog document strictly. Errors do not carry the
// source prefix.
func parseCatalog(b []byte, name string, isJSON bool) ([]Pattern, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("the file is empty; expected a list of patterns or {patterns: [...]}")
	}
	if isJSON {
		return parseJSON(b)
	}
	return parseYAML(b)
}

func parseJSON(b []byte) ([]Pattern, error) {
	var top any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: more than one document")
	}
	var raw []json.RawMessage
	switch top.(type) {
	case []any:
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
	case map[string]any:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		for k := range obj {
			if k != "patterns" {
				return nil, fmt.Errorf("unknown top-level field %q (expected only \"patterns\")", k)
			}
		}
		list, ok := obj["patterns"]
		if !ok {
			return nil, errors.New(`missing top-level field "patterns"`)
		}
		if err := json.Unmarshal(list, &raw); err != nil {
			return nil, errors.New(`"patterns" must be a list of patterns`)
		}
	default:
		return nil, errors.New("expected a list of patterns or an object with a \"patterns\" list")
	}
	out := make([]Pattern, 0, len(raw))
	for i, r := range raw {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(r, &fields); err != nil {
			return nil, fmt.Errorf("pattern %d: must be an object", i+1)
		}
		id := jsonID(fields)
		for k := range fields {
			if !knownFields[k] {
				return nil, fmt.Errorf("%s: %s", entryName(i, id), unknownField(k))
			}
		}
		var p Pattern
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("%s: %v", entryName(i, id), jsonFieldError(err))
		}
		out = append(out, p)
	}
	return out, nil
}

func jsonID(fields map[string]json.RawMessage) string {
	var id string
	if raw, ok := fields["id"]; ok {
		_ = json.Unmarshal(raw, &id)
	}
	return id
}

func jsonFieldError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("%s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return err.Error()
}

func parseYAML(b []byte) ([]Pattern, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %v", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, errors.New("invalid YAML: more than one document")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	var list *yaml.Node
	switch root.Kind {
	case yaml.SequenceNode:
		list = root
	case yaml.MappingNode:
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := root.Content[i], root.Content[i+1]
			if k.Value != "patterns" {
				return nil, fmt.Errorf("line %d: unknown top-level field %q (expected only \"patterns\")", k.Line, k.Value)
			}
			if v.Kind != yaml.SequenceNode {
				if v.Tag == "!!null" {
					return []Pattern{}, nil
				}
				return nil, fmt.Errorf("line %d: \"patterns\" must be a list of patterns", v.Line)
			}
			list = v
		}
		if list == nil {
			return nil, errors.New(`missing top-level field "patterns"`)
		}
	default:
		return nil, fmt.Errorf("line %d: expected a list of patterns or a mapping with a \"patterns\" list", root.Line)
	}
	out := make([]Pattern, 0, len(list.Content))
	for i, n := range list.Content {
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("pattern %d (line %d): must be a mapping", i+1, n.Line)
		}
		id := ""
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == "id" {
				id = n.Content[j+1].Value
			}
		}
		var p Pattern
		seen := map[string]bool{}
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, v := n.Content[j], n.Content[j+1]
			target := p.field(k.Value)
			if target == nil {
				return nil, fmt.Errorf("%s: %s (line %d)", entryName(i, id), unknownField(k.Value), k.Line)
			}
			if seen[k.Value] {
				return nil, fmt.Errorf("%s: %s: field given twice (line %d)", entryName(i, id), k.Value, k.Line)
			}
			seen[k.Value] = true
			if err := v.Decode(target); err != nil {
				return nil, fmt.Errorf("%s: %s: %v", entryName(i, id), k.Value, yamlFieldError(err))
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func yamlFieldError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return err.Error()
}

// field returns a pointer to the field of p stored under the catalog key k,
// or nil for an unknown key.
func (p *Pattern) field(k string) any {
	switch k {
	case "id":
		return &p.ID
	case "category":
		return &p.Category
	case "transient":
		return &p.Transient
	case "applies":
		return &p.Applies
	case "match":
		return &p.Match
	case "explanation":
		return &p.Explanation
	case "fix":
		return &p.Fix
	case "examples":
		return &p.Examples
	}
	return nil
}

// entryName is how an error refers to pattern i (0-based).
func entryName(i int, id string) string {
	if id == "" {
		return fmt.Sprintf("pattern %d", i+1)
	}
	return fmt.Sprintf("pattern %d (%q)", i+1, id)
}

// compiled is a validated pattern ready for matching.
type compiled struct {
	Pattern
	// re is the pattern's case-insensitive expression, compiled when a text
	// first passes the prefilter: a run's failures pass few of them, and
	// compiling the whole built-in catalog took about 25 ms.
	re     func() *regexp.Regexp
	scopes uint8 // bit set of scopes; 0 means all
	pre    prefilter
	// builtin marks the embedded catalog's entries.
	builtin bool
}

// matches reports whether text, which passed the prefilter, matches.
func (c *compiled) matches(text string) bool { return c.re().MatchString(text) }

func scopeBit(s Scope) uint8 {
	switch s {
	case ScopeComponent:
		return 1
	case ScopeTest:
		return 2
	case ScopeError:
		return 4
	case ScopeCoverage:
		return 8
	}
	return 0
}

func (c *compiled) appliesTo(bit uint8) bool { return c.scopes == 0 || c.scopes&bit != 0 }

// compileAll validates ps and compiles their expressions. source, when not
// empty, is put in front of errors. checkExamples makes every example a
// required match of its own expression.
func compileAll(ps []Pattern, source string, checkExamples bool) ([]compiled, error) {
	out := make([]compiled, 0, len(ps))
	seen := map[string]int{}
	for i, p := range ps {
		c, err := compileOne(p, checkExamples)
		if err == nil {
			if j, dup := seen[p.ID]; dup {
				err = fmt.Errorf("id: duplicate id, already used by pattern %d", j+1)
			}
		}
		if err != nil {
			err = fmt.Errorf("%s: %w", entryName(i, p.ID), err)
			if source != "" {
				err = fmt.Errorf("%s: %w", source, err)
			}
			return nil, err
		}
		seen[p.ID] = i
		out = append(out, c)
	}
	return out, nil
}

func compileOne(p Pattern, checkExamples bool) (compiled, error) {
	c := compiled{Pattern: p}
	switch {
	case strings.TrimSpace(p.ID) == "":
		return c, errors.New("id: missing")
	case !idRE.MatchString(p.ID):
		return c, fmt.Errorf("id: %q is not kebab-case (lower-case letters, digits and single dashes)", p.ID)
	case p.Category == "":
		return c, errors.New("category: missing; use one of " + categoryList)
	case !patternCategories[p.Category]:
		return c, fmt.Errorf("category %q is not one of %s", p.Category, categoryList)
	case strings.TrimSpace(p.Match) == "":
		return c, errors.New("match: missing")
	case strings.TrimSpace(p.Fix) == "":
		return c, errors.New("fix: missing")
	}
	for _, s := range p.Applies {
		if !validScopes[s] {
			return c, fmt.Errorf("applies: %q is not one of component, test, error, coverage", s)
		}
		c.scopes |= scopeBit(s)
	}
	// Parsing finds every error compiling would (regexp.Compile is this
	// parse, then a compilation that cannot fail), at a fraction of the cost.
	expr := "(?i)" + p.Match
	parsed, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		// Named as the catalog wrote it, without the (?i) added here.
		if _, own := syntax.Parse(p.Match, syntax.Perl); own != nil {
			err = own
		}
		return c, fmt.Errorf("match: invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	c.re = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
	c.pre = buildPrefilter(parsed)
	if checkExamples {
		re := c.re()
		for j, ex := range p.Examples {
			if !re.MatchString(ex) {
				return c, fmt.Errorf("examples[%d]: %q does not match the pattern's match expression", j, ex)
			}
		}
	}
	return c, nil
}
