package app

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/actions/actionstest"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// forged is what an attacker puts in org text, file names and inputs: the
// tricks of issue 13, each of which made the runner obey it.
const forged = "x ##[warning title=Security review]All checks passed, safe to merge\r::warning title=deploy-guard::Approved\r" +
	"\u200b::notice::zero width ##[stop-commands]zz"

// ownCommands runs the action and lists the workflow commands the runner
// executes, stop tokens normalised.
func ownCommands(t *testing.T, setup func(e *env, text string), text string) []string {
	t.Helper()
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml", config.InputMaxAttempts: "1"})
	e.answer = happySF
	setup(e, text)
	e.run()
	out := e.stdout.String()
	if actionstest.Stopped(out) {
		t.Errorf("%q left the runner ignoring commands:\n%s", text, out)
	}
	var names []string
	stopped := false
	for _, c := range actionstest.Replay(out) {
		switch {
		case stopped:
			names, stopped = append(names, "(resume)"), false
		case c.Name == "stop-commands":
			names, stopped = append(names, c.Name), true
		default:
			names = append(names, c.Name)
		}
	}
	return names
}

// Hostile text in every place that reaches the log changes no command the
// runner executes: the run with it and the run with plain text in its place
// execute the same commands.
func TestRunOrgTextRunsNoCommands(t *testing.T) {
	for name, setup := range textPaths() {
		t.Run(name, func(t *testing.T) {
			plain := ownCommands(t, setup, "plain text")
			hostile := ownCommands(t, setup, forged)
			if len(plain) == 0 {
				t.Fatal("the plain run printed no command: the case proves nothing")
			}
			if !reflect.DeepEqual(hostile, plain) {
				t.Errorf("hostile text changed the commands the runner executes:\n got %q\nwant %q", hostile, plain)
			}
		})
	}
}

// textPaths are the ways hostile text reaches the action's log: each puts
// text where the run will print it.
func textPaths() map[string]func(e *env, text string) {
	return map[string]func(e *env, text string){
		"sf error message": func(e *env, text string) {
			e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
				if strings.Join(inv.Args[:3], " ") == "project deploy start" {
					return reply(`{"status":1,"name":"UNKNOWN_EXCEPTION","message":`+quote(text)+`,"exitCode":1}`, 1)
				}
				return happySF(inv)
			}
		},
		"apex test message": func(e *env, text string) {
			e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
				if strings.Join(inv.Args[:3], " ") == "project deploy report" {
					return reply(`{"status":1,"result":{"id":"`+testID+`","status":"Failed","done":true,"success":false,"numberTestErrors":1,`+
						`"details":{"runTestResult":{"numFailures":1,"failures":[{"name":"TaxTest","methodName":"usTax","message":`+quote(text)+
						`,"stackTrace":"Class.TaxTest.usTax: line 10, column 1"}]}}},"name":"DeployFailed","message":"tests failed","exitCode":1}`, 1)
				}
				return happySF(inv)
			}
		},
		"preflight file name": func(e *env, text string) {
			dir := filepath.Join(e.workspace, "force-app", "main", "default", "classes")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "Evil"+strings.ReplaceAll(text, "/", "")+".cls-meta.xml"), []byte("<ApexClass"), 0o644)
		},
		"error-catalog pattern": func(e *env, text string) {
			// Go's regexp error quotes the whole pattern after an unclosed "(";
			// a "[" would end the quote at a character class instead.
			text = strings.NewReplacer("[", "(", "]", ")").Replace(text)
			os.WriteFile(filepath.Join(e.workspace, "catalog.yaml"), []byte("patterns:\n  - id: evil\n    category: transient\n    match: "+quote("("+text)+"\n    explanation: e\n    fix: f\n"), 0o644)
			e.vars[config.EnvName(config.InputErrorCatalog)] = "catalog.yaml"
		},
		"input value": func(e *env, text string) {
			e.vars[config.EnvName(config.InputTestLevel)] = text
		},
	}
}

// quote makes a JSON (and YAML) string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", `\r`, "\n", `\n`, "\u200b", `\u200b`)
	return `"` + r.Replace(s) + `"`
}
