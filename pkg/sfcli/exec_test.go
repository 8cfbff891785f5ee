package sfcli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeSF writes a shell script standing in for sf and returns a runner for it.
func fakeSF(t *testing.T, body string) (*ExecRunner, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "sf")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	env := ChildEnv([]string{"PATH=" + dir + ":/usr/bin:/bin", "INPUT_AUTH-URL=force://secret", "GITHUB_TOKEN=ghs_x",
		"SF_ACCESS_TOKEN=leaked", "SF_TARGET_ORG=keepme", "SF_DISABLE_TELEMETRY=false", "HOME=/root"}, home)
	return &ExecRunner{Bin: "sf", Env: env, Dir: dir, WaitDelay: 200 * time.Millisecond}, dir
}

func TestExecRunnerResult(t *testing.T) {
	r, _ := fakeSF(t, `echo '{"status":1,"result":{"id":"0Af1","status":"Failed"}}'; echo 'some warning' >&2; exit 1`)
	out, err := r.Run(context.Background(), Invocation{Args: []string{"project", "deploy", "start"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.ExitCode != 1 || out.Envelope == nil || out.Envelope.DeployID() != "0Af1" {
		t.Errorf("out = %+v", out)
	}
	if got := strings.Join(out.Args, " "); got != "project deploy start --json" {
		t.Errorf("args = %q: --json must be added once", got)
	}
	if string(out.Stderr) != "some warning\n" {
		t.Errorf("stderr = %q", out.Stderr)
	}
}

func TestExecRunnerStdinAndEnv(t *testing.T) {
	r, dir := fakeSF(t, `cat > "$PWD/stdin.txt"; env > "$PWD/env.txt"; echo '{"status":0,"result":{}}'`)
	_, err := r.Run(context.Background(), Invocation{
		Args:  []string{"org", "login", "sfdx-url", "--sfdx-url-stdin", "-"},
		Stdin: []byte("force://id:secret:token@host"),
		Env:   []string{"SF_ACCESS_TOKEN=percall"},
	})
	if err != nil {
		t.Fatal(err)
	}
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin.txt"))
	if string(stdin) != "force://id:secret:token@host" {
		t.Errorf("stdin = %q", stdin)
	}
	envText, _ := os.ReadFile(filepath.Join(dir, "env.txt"))
	env := string(envText)
	for _, want := range []string{"HOME=" + filepath.Join(dir, "home"), "SF_DISABLE_AUTOUPDATE=true", "SF_AUTOUPDATE_DISABLE=true",
		"SF_DISABLE_TELEMETRY=true", "SF_SKIP_NEW_VERSION_CHECK=true", "SF_TARGET_ORG=keepme", "SF_ACCESS_TOKEN=percall"} {
		if !strings.Contains(env, want+"\n") {
			t.Errorf("child env lacks %s", want)
		}
	}
	for _, bad := range []string{"INPUT_", "GITHUB_TOKEN", "leaked", "SF_DISABLE_TELEMETRY=false", "HOME=/root"} {
		if strings.Contains(env, bad) {
			t.Errorf("child env contains %q", bad)
		}
	}
}

func TestExecRunnerKilledBySignal(t *testing.T) {
	r, _ := fakeSF(t, `kill -9 $$`)
	out, err := r.Run(context.Background(), Invocation{Args: []string{"project", "deploy", "start"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.ExitCode != 128+9 || out.Signal != syscall.SIGKILL.String() {
		t.Errorf("exit %d signal %q; a killed sf is a failure, never a success", out.ExitCode, out.Signal)
	}
	if out.ParseErr == nil || !strings.Contains(out.Describe(), "killed") {
		t.Errorf("describe = %q", out.Describe())
	}
}

func TestExecRunnerGrandchildHoldsStdout(t *testing.T) {
	// The grandchild keeps the inherited stdout open for a minute, as sf's
	// background autoupdate can; Run must still return and kill it.
	r, dir := fakeSF(t, `sleep 60 & echo $! > "$PWD/grandchild.pid"; echo '{"status":0,"result":{"status":"Succeeded"}}'`)
	out, err := r.Run(context.Background(), Invocation{Args: []string{"project", "deploy", "report"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.ExitCode != 0 || out.Envelope == nil || out.Envelope.ResultStatus() != "Succeeded" {
		t.Fatalf("out = %+v (%v)", out, out.ParseErr)
	}
	pidText, _ := os.ReadFile(filepath.Join(dir, "grandchild.pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidText)))
	if pid == 0 {
		t.Fatal("no grandchild pid")
	}
	// The group was sent SIGKILL; delivery is asynchronous and the zombie
	// may linger until reaped by init, so wait for it to stop running.
	if !eventually(func() bool {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err != nil || strings.Contains(string(st), ") Z")
	}) {
		t.Errorf("grandchild %d still running after Run returned", pid)
	}
}

// eventually polls cond for up to five seconds.
func eventually(cond func() bool) bool {
	for i := 0; i < 500; i++ {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func TestExecRunnerCancel(t *testing.T) {
	r, dir := fakeSF(t, `touch "$PWD/started"; sleep 60; echo '{"status":0,"result":{}}'`)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	out, err := r.Run(ctx, Invocation{Args: []string{"project", "deploy", "resume"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Signal != syscall.SIGTERM.String() || out.ExitCode != 128+int(syscall.SIGTERM) {
		t.Errorf("exit %d signal %q, want SIGTERM to the process group", out.ExitCode, out.Signal)
	}
}

func TestExecRunnerNotFound(t *testing.T) {
	r := &ExecRunner{Bin: "sf", Env: []string{"PATH=" + t.TempDir()}}
	_, err := r.Run(context.Background(), Invocation{Args: []string{"--version"}})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestExecRunnerHugeOutput(t *testing.T) {
	r, _ := fakeSF(t, `head -c 3000000 /dev/zero | tr '\0' 'x'; exit 1`)
	r.MaxStdout = 1 << 20
	out, err := r.Run(context.Background(), Invocation{Args: []string{"project", "deploy", "start"}})
	if err != nil {
		t.Fatal(err)
	}
	// One endless line: the cut drops its last cutSpan bytes.
	if !out.Truncated || len(out.Stdout) != 1<<20-cutSpan || !errors.Is(out.ParseErr, ErrNoJSON) {
		t.Errorf("truncated %v len %d err %v", out.Truncated, len(out.Stdout), out.ParseErr)
	}
}

func TestCommandLine(t *testing.T) {
	got := CommandLine([]string{"project", "deploy", "start", "--metadata", "ApexClass:My Class", "--tests", "it's"})
	want := `sf project deploy start --metadata 'ApexClass:My Class' --tests 'it'\''s'`
	if got != want {
		t.Errorf("CommandLine = %s, want %s", got, want)
	}
}

func TestCommands(t *testing.T) {
	spec := DeploySpec{Target: Target{Manifest: "manifest/package.xml"}, TestLevel: "RunSpecifiedTests", Tests: []string{"A", "B"}, TargetOrg: "dg"}
	cases := []struct {
		name string
		got  []string
		want string
	}{
		{"start", DeployStart(spec), "project deploy start --async --target-org dg --manifest manifest/package.xml --test-level RunSpecifiedTests --tests A --tests B"},
		{"validate", DeployValidate(DeploySpec{Target: Target{SourceDirs: []string{"force-app", "extra"}}}), "project deploy validate --async --source-dir force-app --source-dir extra"},
		{"quick", DeployQuick("0Af1", DeploySpec{TargetOrg: "dg"}), "project deploy quick --job-id 0Af1 --async --target-org dg"},
		{"quick api version", DeployQuick("0Af1", DeploySpec{TargetOrg: "dg", Options: Options{APIVersion: "61.0", IgnoreWarnings: true}}), "project deploy quick --job-id 0Af1 --async --target-org dg --api-version 61.0"},
		{"destructive", DeployStart(DeploySpec{Target: Target{Manifest: "m/package.xml"},
			Options: Options{PreDestructive: "m/pre.xml", PostDestructive: "m/post.xml", PurgeOnDelete: true, IgnoreWarnings: true, IgnoreConflicts: true, APIVersion: "60.0"}}),
			"project deploy start --async --manifest m/package.xml --pre-destructive-changes m/pre.xml --post-destructive-changes m/post.xml --purge-on-delete --ignore-warnings --ignore-conflicts --api-version 60.0"},
		{"dry-run", DeployStart(DeploySpec{Options: Options{DryRun: true}, TestLevel: "NoTestRun"}), "project deploy start --async --dry-run --test-level NoTestRun"},
		// validate has neither --dry-run nor --ignore-conflicts: sf would reject them.
		{"validate drops start-only flags", DeployValidate(DeploySpec{Target: Target{MetadataDir: "mdapi"}, Options: Options{SinglePackage: true, DryRun: true, IgnoreConflicts: true, IgnoreWarnings: true}}),
			"project deploy validate --async --metadata-dir mdapi --single-package --ignore-warnings"},
		{"metadata-dir", DeployStart(DeploySpec{Target: Target{MetadataDir: "mdapi.zip"}}), "project deploy start --async --metadata-dir mdapi.zip"},
		{"ignore-errors", DeployStart(DeploySpec{Options: Options{IgnoreErrors: true, DryRun: true}}), "project deploy start --async --dry-run --ignore-errors"},
		// validate has no --ignore-errors either.
		{"validate drops ignore-errors", DeployValidate(DeploySpec{Options: Options{IgnoreErrors: true}}), "project deploy validate --async"},
		{"coverage reports", DeployReportCoverage("0Af1", "dg", []string{"json", "cobertura"}, "/tmp/x"), "project deploy report --job-id 0Af1 --coverage-formatters json --coverage-formatters cobertura --results-dir /tmp/x --target-org dg"},
		{"data query", DataQuery("SELECT IsSandbox FROM Organization", "dg"), "data query --query SELECT IsSandbox FROM Organization --target-org dg"},
		{"report wait", DeployReportWait("0Af1", "ci", 90*time.Second), "project deploy report --job-id 0Af1 --wait 2 --target-org ci"},
		{"report wait min", DeployReportWait("0Af1", "", 0), "project deploy report --job-id 0Af1 --wait 1"},
		{"tooling query", DataQueryTooling("SELECT Id FROM DeployRequest", "ci"), "data query --use-tooling-api --query SELECT Id FROM DeployRequest --target-org ci"},
		{"report", DeployReport("0Af1", ""), "project deploy report --job-id 0Af1"},
		{"cancel", DeployCancel("0Af1", "dg"), "project deploy cancel --job-id 0Af1 --async --target-org dg"},
		{"tests", ApexRunTest([]string{"A.m1", "B.m2"}, "dg", 10*time.Minute), "apex run test --wait 10 --tests A.m1 --tests B.m2 --target-org dg"},
		{"sfdx-url", LoginSFDXURL("/tmp/k/auth-url.txt", "dg"), "org login sfdx-url --sfdx-url-file /tmp/k/auth-url.txt --alias dg"},
		{"token", LoginAccessToken("https://x", "dg"), "org login access-token --instance-url https://x --no-prompt --alias dg"},
		{"metadata", DeployStart(DeploySpec{Target: Target{Metadata: []string{"ApexClass:A", "CustomObject"}}}), "project deploy start --async --metadata ApexClass:A --metadata CustomObject"},
	}
	for _, tc := range cases {
		if got := strings.Join(tc.got, " "); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestExecRunnerStopsARunawayOutput(t *testing.T) {
	// sf that never stops printing: the runner stops it past the cap
	// instead of filling the disk, and keeps the first MaxStdout bytes, up
	// to their last complete line.
	r, _ := fakeSF(t, `yes '{"status":0}'`)
	r.MaxStdout = 1 << 20
	out, err := r.Run(context.Background(), Invocation{Args: []string{"project", "deploy", "report"}})
	if err != nil {
		t.Fatal(err)
	}
	n := len(out.Stdout)
	if !out.Truncated || n > 1<<20 || n < 1<<20-len(`{"status":0}`+"\n") || out.Stdout[n-1] != '\n' || out.Signal != syscall.SIGKILL.String() {
		t.Errorf("truncated %v len %d signal %q, want the first MB kept and sf killed", out.Truncated, len(out.Stdout), out.Signal)
	}
}

func TestExecRunnerOutputFileHasNoName(t *testing.T) {
	// What sf prints may hold a secret before redaction: the file it goes
	// to is never reachable by name, while sf runs or after.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	r, dir := fakeSF(t, `ls -A '`+tmp+`' > "$PWD/listing"; out=$(readlink /proc/$$/fd/1); echo "$out" > "$PWD/stdout"; echo '{"status":0,"result":{"accessToken":"00Dxx!secret"}}'`)
	out, err := r.Run(context.Background(), Invocation{Args: []string{"org", "display"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Envelope == nil || !strings.Contains(string(out.Stdout), "00Dxx!secret") {
		t.Fatalf("stdout = %q, want sf's output read back whole", out.Stdout)
	}
	listing, err := os.ReadFile(filepath.Join(dir, "listing"))
	if err != nil {
		t.Fatal(err)
	}
	if len(listing) != 0 {
		t.Errorf("while sf ran, TMPDIR held %q", listing)
	}
	// sf's stdout is an anonymous memory file, or a file already unlinked.
	if target, _ := os.ReadFile(filepath.Join(dir, "stdout")); !strings.HasPrefix(string(target), "/memfd:") && !strings.Contains(string(target), "(deleted)") {
		t.Errorf("sf's stdout is %q, a file others could open by name", target)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("after the call, TMPDIR holds %v", left)
	}
}

func TestIsJobID(t *testing.T) {
	for id, want := range map[string]bool{
		"0Af000000000001":    true,
		"0Af000000000001AAA": true,
		"0Af00000000001":     false, // 14
		"0Af0000000000001A":  false, // 17
		"0Aa000000000001AAA": false, // another key prefix
		"0Af000000000001AA-": false,
		"0Af000000000001\n":  false,
		"":                   false,
	} {
		if got := IsJobID(id); got != want {
			t.Errorf("IsJobID(%q) = %v, want %v", id, got, want)
		}
	}
}

// A cut output ends at a complete line, or cutSpan before the cut: what
// remains never holds the start of a secret the cut split (issue 28).
func TestSafeCut(t *testing.T) {
	long := strings.Repeat("x", cutSpan+10)
	for _, tc := range []struct{ in, want string }{
		{"line one\nline two\nsecret-start", "line one\nline two\n"},
		{"whole\n", "whole\n"},
		{long + "secret-start", long[:22]},
		{"a\n" + long + "secret-start", "a\n" + long[:22]},
		{"no newline at all", ""},
	} {
		if got := string(safeCut([]byte(tc.in))); got != tc.want {
			t.Errorf("safeCut(%.20q...) = %.20q... (%d bytes), want %.20q... (%d bytes)", tc.in, got, len(got), tc.want, len(tc.want))
		}
	}
}
