// Package secenv keeps the action's secrets out of reach of the processes it
// starts.
//
// The runner hands every input (auth-url, access-token, github-token, ...)
// and its own tokens (ACTIONS_RUNTIME_TOKEN, ...) to the action in its
// process environment. The kernel keeps that initial environment readable
// at /proc/<pid>/environ for the whole life of the process, and sf runs as
// the same user (root, PID 1 in the image): a pull request's
// sfdx-project.json `replacements` entry with `replaceWithFile:
// /proc/1/environ` made sf upload all of it to the org.
//
// Protect closes that door in two layers. It runs while the program
// initialises, from package protect, which main imports (so before the
// module's other packages initialise, and before any child can exist):
//
//  1. It re-executes the binary in place (same PID, so still PID 1 in the
//     image) with an environment that holds only a file descriptor number,
//     and hands the real environment over through an anonymous memory file
//     (memfd) that the new image reads, closes and restores into Go's own
//     copy of the environment. /proc/<pid>/environ then shows nothing but
//     that number, to any reader, privileged or not.
//  2. It marks the process non-dumpable (PR_SET_DUMPABLE 0), so a child
//     without CAP_SYS_PTRACE (dropped by Docker's default profile; never held
//     by the runner's user) cannot open /proc/<pid>/mem, environ or fd/* of
//     the action, where the secrets live on in the heap.
//
// Children get their own environment from sfcli.ChildEnv, an allowlist.
package secenv

// handoffVar names the descriptor that carries the environment across the
// re-exec. When it is the only variable, the process is the second stage.
const handoffVar = "DEPLOY_GUARD_ENV_FD"
