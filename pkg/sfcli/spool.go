package sfcli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// watchEvery is how often a running sf's output size is checked against the
// cap.
const watchEvery = 100 * time.Millisecond

// spool is the file that receives one of sf's output streams. sf writes into
// it directly: no pipe to drain and no buffer to grow while a 50 MB result
// arrives, and no pipe for a background child (autoupdate) to hold open
// after sf exits. It is read back in one piece of exactly its size.
type spool struct {
	*os.File
	max int
}

// newSpool creates a spool that keeps at most max bytes: an anonymous
// memory file where the system has them (anonFile), else a temporary file
// whose name is removed at once, before sf has written anything. Either
// way the file lives on only through the open descriptors (the runner's and
// sf's), no other process can find it by name, and it disappears with the
// last of them.
func newSpool(max int) (*spool, error) {
	f, err := anonFile("deploy-guard-sf")
	if err != nil {
		f, err = os.CreateTemp("", "deploy-guard-sf-*")
		if err == nil {
			if err = os.Remove(f.Name()); err != nil {
				f.Close()
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("creating the file for sf's output: %w", err)
	}
	return &spool{File: f, max: max}, nil
}

// cutSpan is how much of a cut output may be dropped to keep a secret's
// start from surviving the cut: more than the longest form of any secret
// the redactor knows (a 4096-bit JWT key in base64 is about 4.4 KB).
const cutSpan = 64 << 10

// read returns what sf wrote, at most max bytes, and whether there was more.
// The cut is made before redaction, and a secret cut in two no longer
// matches its mask (issue 28: a login printed 1 MiB to stderr, then the
// token). So a cut output ends at its last complete line when that is
// within cutSpan of the cut, or cutSpan before the cut otherwise.
func (s *spool) read() (data []byte, truncated bool, err error) {
	size, err := s.size()
	if err != nil {
		return nil, false, fmt.Errorf("reading sf's output: %w", err)
	}
	if size > int64(s.max) {
		size, truncated = int64(s.max), true
	}
	data = make([]byte, size)
	if _, err := s.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("reading sf's output: %w", err)
	}
	if truncated {
		data = safeCut(data)
	}
	return data, truncated, nil
}

func (s *spool) size() (int64, error) {
	st, err := s.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// watchSize calls stop once a spool grows past its cap while sf runs, so
// that a runaway output fills neither the disk nor, later, the memory. The
// returned function ends the watch.
func watchSize(stop func(), spools ...*spool) (done func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(watchEvery)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				for _, s := range spools {
					if n, err := s.size(); err == nil && n > int64(s.max) {
						stop()
						return
					}
				}
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
	}
}

// safeCut drops the end of a cut output that may hold the start of a
// secret: its partial last line, at most cutSpan bytes.
func safeCut(data []byte) []byte {
	floor := max(0, len(data)-cutSpan)
	if i := bytes.LastIndexByte(data[floor:], '\n'); i >= 0 {
		return data[:floor+i+1]
	}
	return data[:floor]
}
