package delta

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/sfcli"
)

func TestArgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    Spec
		want string
	}{
		{Spec{From: "origin/main", RepoDir: "/ws", OutputDir: "/ws/out"}, "sgd source delta --from origin/main --to HEAD --repo-dir /ws --output-dir /ws/out"},
		{Spec{From: "v1", To: "v2", RepoDir: "/ws", OutputDir: "/o", SourceDir: "sfdx", APIVersion: "61.0"},
			"sgd source delta --from v1 --to v2 --repo-dir /ws --output-dir /o --source-dir sfdx --api-version 61.0"},
	} {
		if got := strings.Join(Args(tc.s), " "); got != tc.want {
			t.Errorf("Args = %s\nwant   %s", got, tc.want)
		}
	}
}

func answer(json string, exit int) sfcli.Runner {
	return sfcli.RunnerFunc(func(context.Context, sfcli.Invocation) (*sfcli.Output, error) {
		out := &sfcli.Output{Stdout: []byte(json), ExitCode: exit}
		out.Envelope, out.ParseErr = sfcli.ParseEnvelope(out.Stdout)
		return out, nil
	})
}

// sgd's failures become errors that quote it; a revision missing from a
// shallow checkout is ErrShallow, whose text names fetch-depth: 0.
func TestComputeFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, json string
		exit       int
		shallow    bool
		quote      string
	}{
		{"bad sha", `{"status":1,"result":{"error":"--from is not a valid sha pointer: 'x' (If in CI/CD context, check the fetch depth is properly set)"}}`, 1, true, "not a valid sha pointer"},
		{"error document", `{"name":"Error","message":"Parsing --output-dir \n\tNo directory found","exitCode":1,"status":1}`, 1, false, "No directory found"},
		{"not json", `Segmentation fault`, 139, false, "exit 139"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(context.Background(), answer(tc.json, tc.exit), Spec{From: "x", RepoDir: t.TempDir(), OutputDir: t.TempDir()}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.quote) || errors.Is(err, ErrShallow) != tc.shallow {
				t.Errorf("err = %v; want it to quote %q, shallow=%v", err, tc.quote, tc.shallow)
			}
		})
	}
	if _, err := Compute(context.Background(), answer(`{}`, 0), Spec{From: "--upload-pack=evil", RepoDir: t.TempDir(), OutputDir: t.TempDir()}, nil); err == nil {
		t.Error("a revision that reads as an option must be refused before git sees it")
	}
}
