package sfproject

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ForceIgnoreFile is the file of ignore rules the sf CLI reads.
const ForceIgnoreFile = ".forceignore"

// forceIgnoreDefaults are the rules the CLI applies before a project's own
// (source-deploy-retrieve's ForceIgnore.DEFAULT_IGNORE): dot files and
// folders except the CLI's own .sf/orgs metadata, *.dup files and the
// package descriptors of unlocked-package builds.
var forceIgnoreDefaults = []string{
	"**/*.dup",
	"**/.*",
	"!.sf",
	"**/.sf/**",
	"!**/.sf/orgs",
	"!**/.sf/orgs/**",
	"**/.sf/orgs/*/**",
	"!**/.sf/orgs/*/remoteMetadata",
	"!**/.sf/orgs/*/remoteMetadata/**",
	"**/package2-descriptor.json",
	"**/package2-manifest.json",
}

// maxForceIgnore bounds the .forceignore read: real ones are a few hundred
// bytes.
const maxForceIgnore = 1 << 20

// readSmall reads a file of at most max bytes.
func readSmall(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("larger than %d bytes", max)
	}
	return data, nil
}

// ForceIgnore decides which paths the sf CLI leaves out of a deployment. It
// follows the CLI's rules: gitignore syntax as the node "ignore" library
// reads it (case-insensitive, last matching rule wins, nothing inside an
// ignored folder can be re-included), the CLI's defaults first, and paths
// relative to the folder of the .forceignore file.
type ForceIgnore struct {
	dir   string // absolute folder of the .forceignore; "" when there is none
	rules []ignoreRule
}

type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
	// lit is a piece of text every matching path contains: a quick test
	// that spares most paths the regular expression.
	lit string
}

// FindForceIgnore looks for .forceignore in dir and its parents up to and
// including stop (the repository root; empty means up to the file system
// root), as the CLI searches upward from the source it deploys. Without a
// file the result ignores nothing, as with the CLI.
func FindForceIgnore(dir, stop string) (*ForceIgnore, error) {
	dir = filepath.Clean(dir)
	for {
		file := filepath.Join(dir, ForceIgnoreFile)
		data, err := readSmall(file, maxForceIgnore)
		if err == nil {
			return ParseForceIgnore(dir, string(data)), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{File: file, Problem: "cannot read: " + err.Error(), Err: err}
		}
		parent := filepath.Dir(dir)
		if dir == filepath.Clean(stop) || parent == dir {
			return &ForceIgnore{}, nil
		}
		dir = parent
	}
}

// ParseForceIgnore parses the content of the .forceignore in dir, after the
// CLI's default rules.
func ParseForceIgnore(dir, content string) *ForceIgnore {
	fi := &ForceIgnore{dir: filepath.Clean(dir)}
	lines := append(append([]string{}, forceIgnoreDefaults...), strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n")...)
	for i, l := range lines {
		if i == len(forceIgnoreDefaults) {
			l = strings.TrimPrefix(l, "\ufeff")
		}
		if r, ok := compileIgnore(l); ok {
			fi.rules = append(fi.rules, r)
		}
	}
	return fi
}

var invalidTrailingBackslash = regexp.MustCompile(`(?:[^\\]|^)\\$`)

// compileIgnore turns one gitignore line into a rule, as node-ignore does.
func compileIgnore(line string) (ignoreRule, bool) {
	if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") || invalidTrailingBackslash.MatchString(line) {
		return ignoreRule{}, false
	}
	var r ignoreRule
	if strings.HasPrefix(line, "!") {
		r.negate, line = true, line[1:]
	}
	if strings.HasPrefix(line, `\!`) || strings.HasPrefix(line, `\#`) {
		line = line[1:]
	}
	line = trimTrailingSpaces(line)
	if line == "" {
		return ignoreRule{}, false
	}
	// node-ignore compares case-insensitively; lower-casing both sides
	// is the same and keeps the regular expressions fast.
	re, err := regexp.Compile(ignoreRegexp(strings.ToLower(line)))
	if err != nil {
		return ignoreRule{}, false // node-ignore drops what it cannot read, e.g. a range [z-a]
	}
	r.re = re
	r.lit = requiredLiteral(strings.ToLower(line))
	return r, true
}

// trimTrailingSpaces drops trailing spaces unless escaped with a backslash.
func trimTrailingSpaces(s string) string {
	end := len(s)
	for end > 0 && (s[end-1] == ' ' || s[end-1] == '\t') {
		end--
	}
	if end < len(s) && end > 0 && s[end-1] == '\\' {
		return s[:end-1] + " "
	}
	return s[:end]
}

// ignoreRegexp translates a gitignore pattern into a regular expression
// matched against slash-separated relative paths, folders with a trailing
// slash.
func ignoreRegexp(p string) string {
	var b strings.Builder
	dirOnly := strings.HasSuffix(p, "/")
	body := strings.TrimSuffix(p, "/")
	switch {
	case strings.HasPrefix(body, "/"):
		b.WriteString("^")
		body = body[1:]
	case strings.HasPrefix(body, "**/"):
		b.WriteString("^(?:.*/)?")
		body = body[3:]
	case strings.Contains(body, "/"):
		b.WriteString("^") // a slash at the start or in the middle anchors the pattern
	default:
		b.WriteString("(?:^|/)")
	}
	segs := strings.Split(body, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		if seg == "**" {
			if last {
				if i == 0 {
					b.WriteString("[^/]*")
				} else {
					b.WriteString(".+") // "a/**": everything inside a, not a itself
				}
				break
			}
			b.WriteString("(?:[^/]+/)*") // "a/**/b": zero or more folders
			continue
		}
		if last && seg == "*" && !dirOnly {
			b.WriteString("[^/]+")
		} else {
			b.WriteString(globSegment(seg))
		}
		if !last {
			b.WriteString("/")
		}
	}
	if dirOnly {
		b.WriteString("/$")
	} else {
		b.WriteString("(?:$|/$)")
	}
	return b.String()
}

// globSegment translates *, ? and [...] of one path segment.
func globSegment(seg string) string {
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch c {
		case '*':
			for i+1 < len(seg) && seg[i+1] == '*' {
				i++
			}
			b.WriteString("[^/]*")
		case '?':
			b.WriteString("[^/]")
		case '\\':
			if i+1 < len(seg) {
				i++
				b.WriteString(regexp.QuoteMeta(seg[i : i+1]))
			}
		case '[':
			end := strings.IndexByte(seg[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := seg[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// Denies reports whether the CLI leaves the path out. path is absolute or
// relative to the .forceignore's folder; dir says whether it is a folder.
func (fi *ForceIgnore) Denies(path string, dir bool) bool {
	if fi == nil || fi.dir == "" {
		return false
	}
	if filepath.IsAbs(path) {
		rel, err := filepath.Rel(fi.dir, path)
		if err != nil {
			return false
		}
		path = rel
	}
	path = strings.ToLower(filepath.ToSlash(path))
	if path == "." || path == ".." || strings.HasPrefix(path, "../") || strings.HasPrefix(path, "/") {
		return false
	}
	// Nothing inside an ignored folder can be re-included: test the parents.
	for i := 0; i < len(path); i++ {
		if path[i] == '/' && fi.match(path[:i+1]) {
			return true
		}
	}
	return fi.match(path) || (dir && fi.match(path+"/"))
}

// deniesInWalk is Denies for a path relative to the .forceignore's folder
// whose parent folders a walk has already accepted.
func (fi *ForceIgnore) deniesInWalk(path string, dir bool) bool {
	if path == "" {
		return false
	}
	path = strings.ToLower(path)
	return fi.match(path) || (dir && fi.match(path+"/"))
}

// requiredLiteral returns the longest run of plain characters of a
// pattern, without the slashes at its ends.
func requiredLiteral(p string) string {
	best, cur := "", ""
	flush := func() {
		cur = strings.Trim(cur, "/")
		if len(cur) > len(best) {
			best = cur
		}
		cur = ""
	}
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '*', '?':
			flush()
		case '\\':
			flush()
			i++ // the escaped character may be written differently in the regexp
		case '[':
			flush()
			if end := strings.IndexByte(p[i:], ']'); end > 0 {
				i += end
			}
		default:
			cur += p[i : i+1]
		}
	}
	flush()
	return best
}

// match applies the rules in order; the last one that matches decides.
func (fi *ForceIgnore) match(p string) bool {
	ignored := false
	for _, r := range fi.rules {
		if r.negate != ignored {
			continue // only a rule of the other polarity can change the outcome
		}
		if r.lit != "" && !strings.Contains(p, r.lit) {
			continue
		}
		if r.re.MatchString(p) {
			ignored = !r.negate
		}
	}
	return ignored
}

// rel is path relative to the .forceignore's folder with '/' separators, or
// "" when the rules do not apply to it.
func (fi *ForceIgnore) rel(path string) string {
	if fi == nil || fi.dir == "" {
		return ""
	}
	r, err := filepath.Rel(fi.dir, path)
	if err != nil {
		return ""
	}
	r = filepath.ToSlash(r)
	if r == "." || r == ".." || strings.HasPrefix(r, "../") {
		return ""
	}
	return r
}
