// Package reaper reaps the orphans sf leaves behind. In the image the
// action is PID 1, so every orphaned process in the container becomes its
// child, and a PID 1 that never waits for them fills the process table with
// zombies (seen: zombie `sleep`s). Outside the image the action makes itself
// a child subreaper, so the same happens, and is tested, everywhere.
//
// It must never take the exit status of a child that os/exec waits for.
// Those children are process-group leaders (sfcli starts sf with Setpgid);
// an orphan sf left behind is not (it stays in sf's group). So the reaper
// waits only for zombie children that do not lead their process group.
package reaper
