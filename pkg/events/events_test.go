package events

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/deploy-guard/internal/testkit"
	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/result"
)

func sampleRun() *result.Run {
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	return &result.Run{
		Status: result.StatusRecovered, Category: result.CategoryNone, Mode: "deploy", TargetOrg: "deploy-guard",
		DeployID: "0Af000000000002AAA", Message: "Deployed 0Af000000000002AAA after 2 attempts.",
		FlakyTests: []string{"InvoiceTest.testTotals"},
		Started:    t0, Finished: t0.Add(3 * time.Minute),
		Attempts: []result.Attempt{
			{Kind: "login", Command: "sf org login sfdx-url --sfdx-url-stdin - --alias deploy-guard --set-default", Start: t0.Add(time.Second), Duration: 2 * time.Second, ExitCode: 0, Outcome: "logged in"},
			{Number: 1, Kind: "deploy", Command: "sf project deploy start --async", Start: t0.Add(4 * time.Second), Duration: 3 * time.Second, ExitCode: 1,
				Outcome: "UNABLE_TO_LOCK_ROW: token=supersecret", Category: result.CategoryTransient, Decision: "retry in 12s: transient", Delay: 12 * time.Second},
			{Number: 2, Kind: "deploy", Command: "sf project deploy start --async", Start: t0.Add(20 * time.Second), Duration: 2 * time.Second, ExitCode: 0, DeployID: "0Af000000000002AAA", Outcome: "submitted"},
			{Number: 2, Kind: "resume", Command: "sf project deploy resume --job-id 0Af000000000002AAA --wait 60", Start: t0.Add(23 * time.Second), Duration: 90 * time.Second, ExitCode: 0, DeployID: "0Af000000000002AAA", Outcome: "Succeeded", Decision: "done"},
		},
	}
}

func sampleSteps() []Step {
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	return []Step{{Time: t0.Add(500 * time.Millisecond), Name: "preflight", Outcome: "passed", Detail: "212 files checked", Duration: 300 * time.Millisecond}}
}

var info = RunInfo{ID: "9001", Attempt: "1", Repository: "acme/crm", Workflow: "deploy", Ref: "refs/heads/main", SHA: "abc123", Actor: "octocat"}

func TestGoldenSchema(t *testing.T) {
	t.Parallel()
	data, err := Encode(Build(sampleRun(), info, sampleSteps()), redact.New("supersecret"))
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, filepath.Join("testdata", "events.golden.jsonl"), data)
	if bytes.Contains(data, []byte("supersecret")) {
		t.Error("secret in the event log")
	}
}

// TestTimelineFromEventsAlone reads the log as a consumer would and rebuilds
// the attempts timeline from it.
func TestTimelineFromEventsAlone(t *testing.T) {
	t.Parallel()
	data, _ := Encode(Build(sampleRun(), info, sampleSteps()), redact.New())
	var timeline []string
	var lastTime time.Time
	sc := bufio.NewScanner(bytes.NewReader(data))
	seq := 0
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line is not JSON: %v", err)
		}
		seq++
		if e["schema"] != Schema || e["version"] != float64(Version) || e["seq"] != float64(seq) {
			t.Fatalf("header fields wrong: %v", e)
		}
		ts, err := time.Parse(time.RFC3339Nano, e["time"].(string))
		if err != nil || ts.Before(lastTime) {
			t.Fatalf("time %v not RFC 3339 or out of order", e["time"])
		}
		lastTime = ts
		if e["run"].(map[string]any)["repository"] != "acme/crm" {
			t.Fatal("run identifiers missing")
		}
		if e["type"] == "attempt" && e["kind"] != "login" {
			timeline = append(timeline, strings.Join([]string{
				jsonNum(e["number"]), e["kind"].(string), e["outcome"].(string), e["decision"].(string)}, " "))
		}
	}
	want := []string{"1 deploy UNABLE_TO_LOCK_ROW: token=supersecret retry in 12s: transient", "2 deploy submitted ", "2 resume Succeeded done"}
	if strings.Join(timeline, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s", strings.Join(timeline, "\n"))
	}
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Go's encoding/json writes "<", ">" and "&" as \u escapes: a secret holding
// them must be masked before it is encoded, not looked for afterwards.
func TestEncodeRedactsBeforeEscaping(t *testing.T) {
	t.Parallel()
	const secret = `tok_Qx7Rk2<Vm9Tz4&Lp3Wn8>Hb6Yc1`
	r := sampleRun()
	r.Message = "org said " + secret
	steps := []Step{{Time: r.Started, Name: "notify.slack", Outcome: "failed", Detail: "post: " + secret}}
	data, err := Encode(Build(r, info, steps), redact.New(secret))
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{"Qx7Rk2", "Vm9Tz4", "Lp3Wn8", "Hb6Yc1"} {
		if bytes.Contains(data, []byte(frag)) {
			t.Errorf("events leak %q:\n%s", frag, data)
		}
	}
	if !bytes.Contains(data, []byte("org said ***")) {
		t.Errorf("message not masked in place:\n%s", data)
	}
}
