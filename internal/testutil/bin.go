package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	binOnce sync.Map // name -> *binResult
	binDir  string
	binMu   sync.Mutex
)

type binResult struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// Binary builds ./cmd/<name> once per test process and returns its path, so
// tests run the same binaries users run.
func Binary(t testing.TB, name string) string {
	t.Helper()
	v, _ := binOnce.LoadOrStore(name, &binResult{})
	r := v.(*binResult)
	r.once.Do(func() {
		binMu.Lock()
		if binDir == "" {
			binDir, r.err = os.MkdirTemp("", "qes-bin-")
		}
		dir := binDir
		binMu.Unlock()
		if r.err != nil {
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		r.path = filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", r.path, "./cmd/"+name)
		cmd.Dir = root
		r.out, r.err = cmd.CombinedOutput()
	})
	if r.err != nil {
		t.Fatalf("build %s: %v\n%s", name, r.err, r.out)
	}
	return r.path
}

// cleanupBinaries removes the built binaries (called by Cleanup).
func cleanupBinaries() {
	binMu.Lock()
	defer binMu.Unlock()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}
