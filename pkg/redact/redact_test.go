package redact

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// hostile holds every character an escaper rewrites, so a form of the secret
// that was escaped before redaction would no longer match.
const hostile = `ghs_Ab1*Cd2|Ef3[Gh4<Ij5&Kl6\Mn7_Op8"Qr9/St0`

func TestStringMasksEveryForm(t *testing.T) {
	t.Parallel()
	multi := "-----BEGIN KEY-----\nMIIEkeybodyline1\r\nMIIEkeybodyline2\n-----END KEY-----"
	goJSON, _ := json.Marshal(hostile)
	cases := []struct {
		name, secret, text string
	}{
		{"plain", hostile, "token " + hostile + " rejected"},
		{"url query", hostile, "GET /x?t=" + url.QueryEscape(hostile)},
		{"url path", hostile, "GET /x/" + url.PathEscape(hostile)},
		{"base64", hostile, "Basic " + base64.StdEncoding.EncodeToString([]byte(hostile))},
		{"base64 url", hostile, "jwt." + base64.RawURLEncoding.EncodeToString([]byte(hostile))},
		{"json as sf prints it", hostile, `{"message":"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(hostile) + `"}`},
		{"json with escaped slashes", hostile, `{"m":"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `/`, `\/`).Replace(hostile) + `"}`},
		{"json as Go writes it", hostile, `{"m":` + string(goJSON) + `}`},
		{"multi-line whole", multi, "key: " + multi},
		{"multi-line one line", multi, "line MIIEkeybodyline2 seen"},
		{"multi-line json", multi, `{"key":"` + strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(multi) + `"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := New(tc.secret).String(tc.text)
			if !strings.Contains(got, Mask) {
				t.Fatalf("nothing masked in %q", got)
			}
			for _, frag := range []string{"Ab1", "Kl6", "St0", "keybodyline"} {
				if strings.Contains(tc.text, frag) && strings.Contains(got, frag) {
					t.Errorf("%q still holds %q", got, frag)
				}
			}
		})
	}
}

func TestStringLeavesOrdinaryTextAlone(t *testing.T) {
	t.Parallel()
	r := New("abc", "   ", "", "tok3n_value")
	for _, s := range []string{"abc is too short to mask", "nothing here", ""} {
		if got := r.String(s); got != s {
			t.Errorf("String(%q) = %q", s, got)
		}
	}
	var nilRed *Redactor
	if got := nilRed.String("tok3n_value"); got != "tok3n_value" {
		t.Errorf("nil redactor changed text: %q", got)
	}
	if got := r.String("a tok3n_value b"); got != "a *** b" {
		t.Errorf("got %q", got)
	}
}

// The longest secret wins, so one that contains another is masked whole.
func TestStringLongestFirst(t *testing.T) {
	t.Parallel()
	r := New("secretpart", "prefix-secretpart-suffix")
	if got := r.String("x prefix-secretpart-suffix y"); got != "x *** y" {
		t.Errorf("got %q", got)
	}
}

type inner struct {
	Text  string
	Raw   []byte
	Kind  kind
	Any   any
	Boxed any
	Items []string
}

type kind string

type outer struct {
	Name     string
	Ptr      *inner
	Nested   []inner
	ByName   map[string]string
	ByKey    map[string]*inner
	ByAny    map[string]any
	Arr      [2]string
	private  string
	Loop     *outer
	Untouchy int
}

func TestWalkMasksEveryString(t *testing.T) {
	t.Parallel()
	s := "in " + hostile + " out"
	v := &outer{
		Name:    s,
		Ptr:     &inner{Text: s, Raw: []byte(s), Kind: kind(s), Any: s, Boxed: inner{Text: s}, Items: []string{"ok", s}},
		Nested:  []inner{{Text: s}},
		ByName:  map[string]string{"k": s},
		ByKey:   map[string]*inner{"k": {Text: s}},
		ByAny:   map[string]any{"s": s, "list": []string{s}, "struct": inner{Text: s}},
		Arr:     [2]string{s, "fine"},
		private: s,
	}
	v.Loop = v
	New(hostile).Walk(v)
	want := "in *** out"
	got := []string{v.Name, v.Ptr.Text, string(v.Ptr.Raw), string(v.Ptr.Kind), v.Ptr.Any.(string), v.Ptr.Items[1],
		v.Ptr.Boxed.(inner).Text, v.Nested[0].Text, v.ByName["k"], v.ByKey["k"].Text, v.Arr[0],
		v.ByAny["s"].(string), v.ByAny["list"].([]string)[0], v.ByAny["struct"].(inner).Text}
	for i, g := range got {
		if g != want {
			t.Errorf("field %d = %q, want %q", i, g, want)
		}
	}
	if v.Ptr.Items[0] != "ok" || v.Arr[1] != "fine" {
		t.Errorf("clean strings changed: %q %q", v.Ptr.Items[0], v.Arr[1])
	}
	if v.private != s {
		t.Errorf("unexported field changed")
	}
}

func TestWalkNilAndEmpty(t *testing.T) {
	t.Parallel()
	var nilRed *Redactor
	v := &outer{Name: hostile}
	nilRed.Walk(v)
	New().Walk(v)
	New(hostile).Walk(nil)
	New(hostile).Walk((*outer)(nil))
	if v.Name != hostile {
		t.Errorf("a redactor without secrets changed %q", v.Name)
	}
}

func TestBytesCopiesOnlyWhatItMasks(t *testing.T) {
	r := New("00Dxx!AQsecretvalue")
	clean := []byte(`{"status":0,"result":{"id":"0Af000000000001AAA"}}`)
	if got := r.Bytes(clean); len(got) != len(clean) || &got[0] != &clean[0] {
		t.Error("a text without secrets was copied; a 50 MB result must be read in place")
	}
	dirty := []byte(`{"accessToken":"00Dxx!AQsecretvalue","n":1}`)
	orig := string(dirty)
	got := r.Bytes(dirty)
	if want := `{"accessToken":"` + Mask + `","n":1}`; string(got) != want {
		t.Errorf("Bytes = %s, want %s", got, want)
	}
	if string(dirty) != orig {
		t.Errorf("Bytes changed its input: %s", dirty)
	}
}

// tree contains itself through a slice, and numbers beside its text.
type tree struct {
	Label string
	Lines []int
	Kids  []tree
	At    struct{ X, Y float64 }
}

func TestWalkReachesTextBesideNumbers(t *testing.T) {
	t.Parallel()
	v := &tree{Label: "a " + hostile, Lines: []int{1, 2, 3}, Kids: []tree{{Label: "b", Kids: []tree{{Label: hostile, Lines: []int{7}}}}}}
	New(hostile).Walk(v)
	if v.Label != "a ***" || v.Kids[0].Label != "b" || v.Kids[0].Kids[0].Label != "***" {
		t.Errorf("labels = %q %q %q", v.Label, v.Kids[0].Label, v.Kids[0].Kids[0].Label)
	}
	if len(v.Lines) != 3 || v.Kids[0].Kids[0].Lines[0] != 7 {
		t.Errorf("numbers changed: %v", v.Lines)
	}
	for _, c := range []struct {
		v    any
		none bool
	}{{[]int{}, true}, {struct{ A, B int }{}, true}, {[]byte{}, false}, {tree{}, false}, {[3]float64{}, true}, {struct{ s string }{}, true}} {
		if got := holdsNoText(reflect.TypeOf(c.v)); got != c.none {
			t.Errorf("holdsNoText(%T) = %v, want %v", c.v, got, c.none)
		}
	}
}
