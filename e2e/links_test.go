package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

// The .git/config actions/checkout leaves with persist-credentials on: the
// job's token, base64 of x-access-token:<token>, in an http.extraheader.
var checkoutHeader = base64.StdEncoding.EncodeToString([]byte("x-access-token:" + githubTokenCanary))

func writeGitConfig(ws string) error {
	if err := os.MkdirAll(filepath.Join(ws, ".git"), 0o755); err != nil {
		return err
	}
	cfg := "[core]\n\trepositoryformatversion = 0\n[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic " + checkoutHeader + "\n"
	return os.WriteFile(filepath.Join(ws, ".git", "config"), []byte(cfg), 0o644)
}

// staticResourceLink adds a static resource whose content folder is a
// symbolic link to target (target(ws) may depend on the workspace), and
// names it in the manifest.
func staticResourceLink(target func(ws string) string) func(ws string) error {
	return func(ws string) error {
		if err := writeGitConfig(ws); err != nil {
			return err
		}
		dir := filepath.Join(ws, "force-app/main/default/staticresources")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		meta := `<?xml version="1.0" encoding="UTF-8"?>
<StaticResource xmlns="http://soap.sforce.com/2006/04/metadata">
    <cacheControl>Public</cacheControl>
    <contentType>application/zip</contentType>
</StaticResource>
`
		if err := os.WriteFile(filepath.Join(dir, "Leak.resource-meta.xml"), []byte(meta), 0o644); err != nil {
			return err
		}
		if err := os.Symlink(target(ws), filepath.Join(dir, "Leak")); err != nil {
			return err
		}
		return addToManifest(ws, "StaticResource", "Leak")
	}
}

func addToManifest(ws, typ, member string) error {
	m := filepath.Join(ws, "manifest", "package.xml")
	b, err := os.ReadFile(m)
	if err != nil {
		return err
	}
	b = bytes.Replace(b, []byte("    <version>"), []byte("    <types>\n        <members>"+member+"</members>\n        <name>"+typ+"</name>\n    </types>\n    <version>"), 1)
	return os.WriteFile(m, b, 0o644)
}

// runnerDir is the harness's runner folder beside the workspace: TMPDIR
// (where the action made sf's private HOME before issue 28) and HOME.
func runnerDir(ws string) string { return filepath.Join(filepath.Dir(ws), "runner") }

// TestLinksNeverUploadSecrets reproduces issue 28's attacks: a pull request
// commits a symbolic link (a static resource's folder, a folder in
// metadata-dir, a replaceWithFile) that leads sf to files outside the
// project: its own private HOME (the auth file and key.json), the runner's
// HOME, the checkout's .git/config with the job's token. sf follows links
// and zips what it finds; preflight must refuse the run before any sf call,
// naming the link, and no zip the org received may hold any secret.
func TestLinksNeverUploadSecrets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		inputs map[string]string
		edit   func(ws string) error
		file   string // the link the config error must name
	}{
		{name: "static resource to sf's temp dir", edit: staticResourceLink(func(ws string) string { return runnerDir(ws) }),
			file: "force-app/main/default/staticresources/Leak"},
		// An earlier step's login left sf's files in the runner's HOME.
		{name: "static resource to HOME", edit: func(ws string) error {
			home := filepath.Join(runnerDir(ws), "home")
			if err := os.MkdirAll(filepath.Join(home, ".sfdx"), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(home, ".sfdx", "key.json"), []byte(`{"key":"0123456789abcdef"}`), 0o600); err != nil {
				return err
			}
			return staticResourceLink(func(string) string { return home })(ws)
		}, file: "force-app/main/default/staticresources/Leak"},
		{name: "static resource to /github/home", edit: staticResourceLink(func(string) string { return "/github/home" }),
			file: "force-app/main/default/staticresources/Leak"},
		// sf's working directory is the project: its parent holds the runner's folders.
		{name: "static resource to /proc/self/cwd/..", edit: staticResourceLink(func(string) string { return "/proc/self/cwd/.." }),
			file: "force-app/main/default/staticresources/Leak"},
		{name: "static resource to the workspace's .git", edit: staticResourceLink(func(ws string) string { return "../../../../.git" }),
			file: "force-app/main/default/staticresources/Leak"},
		{name: "metadata-dir folder link to sf's temp dir", inputs: map[string]string{"metadata-dir": "mdapi", "manifest": ""}, file: "mdapi/staticresources/Leak",
			edit: metadataDirLink("Leak", func(ws string) string { return runnerDir(ws) })},
		// The pinned CLI reads a folder link in metadata-dir as a file
		// (EISDIR) and uploads nothing; a file link is zipped.
		{name: "metadata-dir file link to .git/config", inputs: map[string]string{"metadata-dir": "mdapi", "manifest": ""}, file: "mdapi/staticresources/Leak.resource",
			edit: metadataDirLink("Leak.resource", func(ws string) string { return filepath.Join(ws, ".git", "config") })},
		{name: "replaceWithFile .git/config", file: ".git/config", edit: func(ws string) error {
			if err := writeGitConfig(ws); err != nil {
				return err
			}
			return replaceWithFile(".git/config")(ws)
		}},
		{name: "replaceWithFile through a link", file: "force-app/main/default/notes.txt", edit: func(ws string) error {
			if err := writeGitConfig(ws); err != nil {
				return err
			}
			if err := os.Symlink("../../../.git/config", filepath.Join(ws, "force-app/main/default/notes.txt")); err != nil {
				return err
			}
			return replaceWithFile("force-app/main/default/notes.txt")(ws)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, harness.Config{Scenario: scenario(t, "success"), Inputs: merge(map[string]string{"github-token": githubTokenCanary}, tc.inputs), Edit: tc.edit})
			uploads := res.Org.Uploads()
			for i, up := range uploads {
				for _, leak := range secretsIn(t, up) {
					t.Errorf("upload %d: %s", i+1, leak)
				}
			}
			check(t, res, want{exit: 2, status: "failed", category: "config", deploys: 0})
			if len(uploads) != 0 {
				t.Errorf("the org received %d zips, want none", len(uploads))
			}
			if !strings.Contains(res.Stdout, tc.file) {
				t.Errorf("the config error does not name %s", tc.file)
			}
		})
	}
}

// metadataDirLink makes a Metadata-API folder, mdapi, whose static
// resource folder is a link to target.
func metadataDirLink(name string, target func(ws string) string) func(ws string) error {
	return func(ws string) error {
		if err := writeGitConfig(ws); err != nil {
			return err
		}
		md := filepath.Join(ws, "mdapi")
		if err := os.MkdirAll(filepath.Join(md, "staticresources"), 0o755); err != nil {
			return err
		}
		pkg := `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types><members>Leak</members><name>StaticResource</name></types>
    <version>62.0</version>
</Package>
`
		if err := os.WriteFile(filepath.Join(md, "package.xml"), []byte(pkg), 0o644); err != nil {
			return err
		}
		meta := `<?xml version="1.0" encoding="UTF-8"?>
<StaticResource xmlns="http://soap.sforce.com/2006/04/metadata"><cacheControl>Public</cacheControl><contentType>text/plain</contentType></StaticResource>
`
		if err := os.WriteFile(filepath.Join(md, "staticresources", "Leak.resource-meta.xml"), []byte(meta), 0o644); err != nil {
			return err
		}
		return os.Symlink(target(ws), filepath.Join(md, "staticresources", name))
	}
}

func merge(a, b map[string]string) map[string]string {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// secretsIn searches a zip the org received, and every zip inside it (a
// static resource folder is zipped in the deployment zip), for sf's auth
// files, the access token and the job's GitHub token in every form.
func secretsIn(t *testing.T, zipped []byte) []string {
	t.Helper()
	secrets := []string{orgsim.AccessToken, githubTokenCanary, checkoutHeader,
		base64.StdEncoding.EncodeToString([]byte(githubTokenCanary)), `"accessToken"`, `"refreshToken"`, "extraheader"}
	var leaks []string
	var walk func(where string, b []byte)
	walk = func(where string, b []byte) {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				leaks = append(leaks, where+" holds "+s[:min(len(s), 12)]+"...")
			}
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for _, f := range zr.File {
			if base := filepath.Base(f.Name); base == "key.json" || strings.HasSuffix(f.Name, ".sfdx/"+base) || strings.Contains(f.Name, ".sf/") {
				leaks = append(leaks, where+" holds sf's file "+f.Name)
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			var buf bytes.Buffer
			buf.ReadFrom(rc)
			rc.Close()
			walk(where+" › "+f.Name, buf.Bytes())
		}
	}
	walk("zip", zipped)
	return leaks
}

// TestTargetOrgLeavesHomeToItsOwner: in target-org mode the real CLI
// writes into the runner's shared HOME, which a login step (running as the
// runner's user) filled. Run as root on a HOME another user owns, the
// action used to leave root-owned files there (issue 28).
func TestTargetOrgLeavesHomeToItsOwner(t *testing.T) {
	if os.Geteuid() != 0 || image != "" {
		t.Skip("needs root, to run the action as the image's root on a HOME the runner's user owns")
	}
	t.Parallel()
	org, err := orgsim.Start(scenario(t, "success"), orgsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer org.Close()
	dir := t.TempDir()
	home := filepath.Join(dir, "runner", "home")
	os.MkdirAll(home, 0o755)
	// The earlier login step, as the runner's user would run it.
	login := exec.Command(sfBin, "org", "login", "access-token", "--instance-url", org.URL(), "--alias", "seed", "--no-prompt", "--json")
	login.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "SF_ACCESS_TOKEN=" + orgsim.AccessToken,
		"SF_DISABLE_TELEMETRY=true", "SF_AUTOUPDATE_DISABLE=true", "SF_SKIP_NEW_VERSION_CHECK=true", "SF_USE_GENERIC_UNIX_KEYCHAIN=true"}
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	const runnerUID = 1001
	chownTree := func(p string) {
		filepath.WalkDir(p, func(q string, d os.DirEntry, err error) error {
			if err == nil {
				os.Lchown(q, runnerUID, runnerUID)
			}
			return nil
		})
	}
	chownTree(filepath.Join(dir, "runner"))
	res := run(t, harness.Config{Org: org, Dir: dir, Auth: harness.AuthNone, Inputs: map[string]string{"target-org": "seed"},
		Edit: func(ws string) error { chownTree(ws); return nil }})
	check(t, res, want{status: "succeeded", deploys: 1})
	var foreign []string
	filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if st, err := os.Lstat(p); err == nil && st.Sys().(*syscall.Stat_t).Uid != runnerUID {
			foreign = append(foreign, strings.TrimPrefix(p, home))
		}
		return nil
	})
	if len(foreign) > 0 {
		t.Errorf("the run left %d files in HOME that its owner does not own: %v", len(foreign), foreign[:min(10, len(foreign))])
	}
}
