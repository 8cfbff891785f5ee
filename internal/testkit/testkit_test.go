package testkit

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/sfcli"
)

// recTB records what a helper reports instead of failing this test.
type recTB struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recTB) Helper()                      {}
func (r *recTB) Errorf(f string, args ...any) { r.errs = append(r.errs, fmt.Sprintf(f, args...)) }
func (r *recTB) Fatalf(f string, args ...any) { r.Errorf(f, args...) }
func (r *recTB) Failed() bool                 { return len(r.errs) > 0 }
func (r *recTB) Cleanup(f func())             { r.cleanups = append(r.cleanups, f) }
func (r *recTB) Name() string                 { return "TestX" }
func (r *recTB) end() {
	for _, f := range r.cleanups {
		f()
	}
}
func call(sf *SF, args ...string) (*sfcli.Output, error) {
	return sf.Run(context.Background(), sfcli.Invocation{Args: args})
}

func TestScriptedSF(t *testing.T) {
	t.Parallel()
	rec := &recTB{TB: t}
	sf := NewSF(rec, map[string][]Reply{
		"project deploy start": {{JSON: `{"status":0,"result":{"id":"0Af1"}}`}},
		"apex run test":        {{JSON: `{"status":0,"result":{}}`}, {JSON: `{"status":1,"result":{}}`, Exit: 1}},
	})
	out, err := call(sf, "project", "deploy", "start", "--async")
	if err != nil || out.Envelope == nil || out.ExitCode != 0 {
		t.Fatalf("out %+v, err %v", out, err)
	}
	if _, err := call(sf, "project", "deploy", "start"); err == nil || !strings.Contains(err.Error(), "unexpected call") {
		t.Errorf("a call past the script: err = %v", err)
	}
	if _, err := call(sf, "apex", "run", "test"); err != nil {
		t.Fatal(err)
	}
	rec.end()
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "apex run test ×1") {
		t.Errorf("an unused reply was not reported: %v", rec.errs)
	}
	if sf.Count("project deploy start") != 2 || len(sf.Calls()) != 3 {
		t.Errorf("calls %v", sf.Calls())
	}
}

func TestScriptedSFAllUsed(t *testing.T) {
	t.Parallel()
	rec := &recTB{TB: t}
	sf := NewSF(rec, map[string][]Reply{"org login sfdx-url": {{JSON: `{"status":0,"result":{}}`}}})
	if _, err := call(sf, "org", "login", "sfdx-url"); err != nil {
		t.Fatal(err)
	}
	rec.end()
	if len(rec.errs) != 0 {
		t.Errorf("a fully used script was reported: %v", rec.errs)
	}
}

func TestStrictEnv(t *testing.T) {
	t.Parallel()
	rec := &recTB{TB: t}
	get := StrictEnv(rec, map[string]string{"INPUT_MODE": "deploy"}, "INPUT_WAIT")
	if get("INPUT_MODE") != "deploy" || get("INPUT_WAIT") != "" || len(rec.errs) != 0 {
		t.Fatalf("given and unset keys: %v", rec.errs)
	}
	if get("HOME") != "" || len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "HOME") {
		t.Errorf("an unknown key was not reported: %v", rec.errs)
	}
}
