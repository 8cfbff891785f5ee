package report

import (
	"encoding/xml"
	"sort"
	"strconv"
	"strings"

	"github.com/org/deploy-guard/pkg/result"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties *junitProps     `xml:"properties,omitempty"`
	Cases      []junitTestCase `xml:"testcase"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Name       string        `xml:"name,attr"`
	Classname  string        `xml:"classname,attr"`
	Time       string        `xml:"time,attr"`
	Properties *junitProps   `xml:"properties,omitempty"`
	Failure    *junitFailure `xml:"failure,omitempty"`
	SystemOut  string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit renders the Apex test results of r as JUnit XML: one testsuite per
// test class, one testcase per method, with classname, name and time in
// seconds. Failed tests carry a <failure> with the message attribute and the
// message and stack trace as text. Tests listed in r.FlakyTests are reported
// as passed with a "flaky" property and a <system-out> note, because they
// passed when re-run. It returns nil, nil when no test ran.
func JUnit(r *result.Run) ([]byte, error) {
	if r == nil || r.Deploy == nil || (len(r.Deploy.TestFailures) == 0 && len(r.Deploy.TestSuccesses) == 0) {
		return nil, nil
	}
	d := r.Deploy
	suites := map[string]*junitSuite{}
	times := map[string]float64{}
	var order []string
	suite := func(ns, cls string) *junitSuite {
		n := cls
		if ns != "" {
			n = ns + "." + cls
		}
		if s := suites[n]; s != nil {
			return s
		}
		s := &junitSuite{Name: n}
		suites[n] = s
		order = append(order, n)
		return s
	}
	root := junitSuites{Name: "deploy-guard Apex tests"}
	var total float64
	for _, t := range d.TestFailures {
		s := suite(t.Namespace, t.Class)
		tc := junitTestCase{Name: t.Method, Classname: s.Name, Time: seconds(t.TimeMS)}
		if r.IsFlaky(t.FullName()) {
			tc.Properties = &junitProps{Props: []junitProp{{Name: "flaky", Value: "true"}}}
			tc.SystemOut = "Flaky: failed in the deployment, passed when re-run alone.\nFirst failure: " + xmlSafe(t.Message) + "\n" + xmlSafe(t.StackTrace)
		} else {
			typ := ""
			if i := strings.Index(t.Message, ":"); i > 0 && !strings.ContainsAny(t.Message[:i], " \n") {
				typ = t.Message[:i]
			}
			text := xmlSafe(t.Message)
			if t.StackTrace != "" {
				text += "\n" + xmlSafe(t.StackTrace)
			}
			tc.Failure = &junitFailure{Message: xmlSafe(oneLine(t.Message, 1000)), Type: xmlSafe(typ), Text: text}
			s.Failures++
			root.Failures++
		}
		s.Tests++
		root.Tests++
		times[s.Name] += t.TimeMS
		total += t.TimeMS
		s.Cases = append(s.Cases, tc)
	}
	for _, t := range d.TestSuccesses {
		s := suite(t.Namespace, t.Class)
		s.Tests++
		root.Tests++
		times[s.Name] += t.TimeMS
		total += t.TimeMS
		s.Cases = append(s.Cases, junitTestCase{Name: t.Method, Classname: s.Name, Time: seconds(t.TimeMS)})
	}
	sort.Strings(order)
	for _, n := range order {
		s := suites[n]
		sort.SliceStable(s.Cases, func(i, j int) bool { return s.Cases[i].Name < s.Cases[j].Name })
		s.Time = seconds(times[n])
		root.Suites = append(root.Suites, *s)
	}
	if d.TestTimeMS > 0 {
		total = d.TestTimeMS
	}
	root.Time = seconds(total)
	out, err := xml.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

func seconds(ms float64) string {
	if ms < 0 {
		ms = 0
	}
	return strconv.FormatFloat(ms/1000, 'f', 3, 64)
}

// xmlSafe drops characters XML 1.0 cannot carry (encoding/xml would replace
// them with U+FFFD anyway; this keeps the text readable).
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
