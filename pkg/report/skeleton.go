package report

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// methodRE matches an Apex method or constructor declaration: at least one
// access or other modifier, an optional return type, the name and "(".
var methodRE = regexp.MustCompile(`^\s*(?:@\w+(?:\([^)]*\))?\s+)*((?:(?:public|global|private|protected|static|override|virtual|abstract|webservice|testmethod|final|transient)\s+)+)([\w<>\[\],.\s]*?)\b([A-Za-z_]\w*)\s*\(`)

var apexKeywords = map[string]bool{"if": true, "for": true, "while": true, "switch": true, "catch": true, "return": true, "new": true, "class": true, "interface": true, "enum": true}

type apexMethod struct {
	name      string
	signature string
	line      int // declaration line, 1-based
	end       int // last line attributed to it
}

// parseMethods finds method declarations in Apex source. A method owns the
// lines from its declaration up to the line before the next declaration:
// an approximation that is good enough to name where uncovered lines are.
func parseMethods(src string) []apexMethod {
	lines := strings.Split(src, "\n")
	var out []apexMethod
	for i, l := range lines {
		m := methodRE.FindStringSubmatch(l)
		if m == nil || apexKeywords[strings.ToLower(m[3])] || strings.Contains(m[1]+m[2], " class ") {
			continue
		}
		if strings.Contains(l, " class ") || strings.Contains(l, " interface ") {
			continue
		}
		sig := strings.TrimSpace(l)
		if i := strings.IndexByte(sig, '{'); i >= 0 {
			sig = strings.TrimSpace(sig[:i])
		}
		out = append(out, apexMethod{name: m[3], signature: sig, line: i + 1})
	}
	for i := range out {
		if i+1 < len(out) {
			out[i].end = out[i+1].line - 1
		} else {
			out[i].end = len(lines)
		}
	}
	return out
}

var identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// SkeletonClasses picks the classes and triggers of r under the coverage
// threshold that get a test skeleton, in the order they matter: those in
// this deployment first, then the most uncovered lines, then by name. At
// most limit are picked (0 or less: none); more is
// how many others fall under the threshold (coverage.json lists them all).
func SkeletonClasses(r *result.Run, threshold float64, limit int) (picked []result.ClassCoverage, more int) {
	if r == nil || r.Deploy == nil {
		return nil, 0
	}
	deployed := map[string]bool{}
	for _, c := range r.Deploy.Components {
		if strings.EqualFold(c.Type, "ApexClass") || strings.EqualFold(c.Type, "ApexTrigger") {
			deployed[strings.ToLower(c.FullName)] = true
		}
	}
	// Each class's rank is decided once, not in every comparison: a large
	// org has thousands of classes under the threshold.
	type ranked struct {
		c        result.ClassCoverage
		deployed bool
	}
	var cands []ranked
	for _, c := range r.Deploy.Coverage {
		if c.Locations > 0 && c.Percent() < threshold && identRE.MatchString(c.Name) {
			cands = append(cands, ranked{c, deployed[strings.ToLower(c.Name)]})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := &cands[i], &cands[j]
		if a.deployed != b.deployed {
			return a.deployed
		}
		if a.c.NotCovered != b.c.NotCovered {
			return a.c.NotCovered > b.c.NotCovered
		}
		return a.c.Name < b.c.Name
	})
	under := make([]result.ClassCoverage, len(cands))
	for i := range cands {
		under[i] = cands[i].c
	}
	n := min(len(under), max(0, limit))
	return under[:n], len(under) - n
}

// TestSkeletons returns, for the classes SkeletonClasses picks (at most
// limit, with its meaning), a failing Apex test class ("<Name>CoverageTest.cls" plus
// its -meta.xml) that lists the uncovered lines, grouped by the methods found
// in the local source when it is readable. Its one test method calls
// Assert.fail until someone writes real tests: it never passes as is.
func TestSkeletons(r *result.Run, p Project, threshold float64, limit int) map[string][]byte {
	picked, _ := SkeletonClasses(r, threshold, limit)
	if len(picked) == 0 {
		return nil
	}
	p = p.prepared()
	api := apiVersion(p)
	out := map[string][]byte{}
	for _, c := range picked {
		base := c.Name
		if len(base) > 28 { // Apex names are at most 40 characters
			base = base[:28]
		}
		testName := base + "CoverageTest"
		if _, dup := out[testName+".cls"]; dup {
			continue
		}
		var methods []apexMethod
		file := ""
		if strings.EqualFold(c.Type, "Trigger") {
			file = p.componentFile("ApexTrigger", c.Name)
		} else {
			file = p.ClassFile(c.Name)
		}
		if file != "" {
			if b, err := os.ReadFile(filepath.Join(p.root(), filepath.FromSlash(file))); err == nil && len(b) < 4<<20 {
				methods = parseMethods(string(b))
			}
		}
		out[testName+".cls"] = skeleton(c, testName, threshold, file, methods)
		out[testName+".cls-meta.xml"] = []byte(fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApexClass xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <apiVersion>%s</apiVersion>\n    <status>Active</status>\n</ApexClass>\n", api))
	}
	return out
}

func skeleton(c result.ClassCoverage, testName string, threshold float64, file string, methods []apexMethod) []byte {
	kind := "class"
	if strings.EqualFold(c.Type, "Trigger") {
		kind = "trigger"
	}
	ranges := lineRanges(c.UncoveredLines, 30)
	var b strings.Builder
	b.WriteString("/**\n")
	fmt.Fprintf(&b, " * Generated by deploy-guard: %s %s has %s coverage (%d of %d lines), below the %s threshold.\n",
		kind, c.Name, pct(c.Percent()), c.Covered(), c.Locations, pct(threshold))
	if file != "" {
		fmt.Fprintf(&b, " * Source: %s\n", commentSafe(file))
	}
	fmt.Fprintf(&b, " * Uncovered lines: %s\n", ranges)
	// Group the uncovered lines by enclosing method.
	if len(methods) > 0 && len(c.UncoveredLines) > 0 {
		byMethod := map[int][]int{}
		var outside []int
		for _, l := range c.UncoveredLines {
			i := sort.Search(len(methods), func(i int) bool { return methods[i].end >= l })
			if i < len(methods) && methods[i].line <= l {
				byMethod[i] = append(byMethod[i], l)
			} else {
				outside = append(outside, l)
			}
		}
		b.WriteString(" *\n * Uncovered lines by method:\n")
		for i, m := range methods {
			if ls := byMethod[i]; len(ls) > 0 {
				fmt.Fprintf(&b, " *   %s (line %d): lines %s\n", commentSafe(m.signature), m.line, lineRanges(ls, 20))
			}
		}
		if len(outside) > 0 {
			fmt.Fprintf(&b, " *   outside any method: lines %s\n", lineRanges(outside, 20))
		}
	}
	b.WriteString(" *\n * Replace the failing method below with tests that run these lines and\n * assert their results, then delete this comment.\n */\n")
	b.WriteString("@isTest\n")
	fmt.Fprintf(&b, "private class %s {\n", testName)
	b.WriteString("    @isTest\n    static void coverUncoveredLines() {\n")
	if len(methods) > 0 {
		seen := map[string]bool{}
		for _, m := range methods {
			for _, l := range c.UncoveredLines {
				if l >= m.line && l <= m.end && !seen[m.name] {
					seen[m.name] = true
					fmt.Fprintf(&b, "        // TODO: call %s.%s(...) so that its uncovered lines run.\n", c.Name, m.name)
				}
			}
		}
	}
	fmt.Fprintf(&b, "        Assert.fail('Write tests for %s lines %s before deploying this %s');\n", c.Name, apexString(ranges), kind)
	b.WriteString("    }\n}\n")
	return []byte(b.String())
}

func commentSafe(s string) string {
	s = collapse(s)
	return strings.ReplaceAll(s, "*/", "* /")
}

func apexString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, `'`, `\'`)
}

func apiVersion(p Project) string {
	if p.Dir != "" || p.Root != "" {
		if sp, err := sfproject.Read(p.dir()); err == nil && regexp.MustCompile(`^\d+\.\d$`).MatchString(sp.APIVersion) {
			return sp.APIVersion
		}
	}
	return "62.0"
}
