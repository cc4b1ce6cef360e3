package main_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qesproject/qes/hsm/softhsm"
	"github.com/qesproject/qes/internal/testutil"
)

// cleanEnv is this process's environment without anything that could hand
// qesd a token PIN or a token directory behind the test's back.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "QES_HSM_PIN", "CREDENTIALS_DIRECTORY", "SOFTHSM2_CONF":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// runQesd starts the real binary with env and standard input not a
// terminal, and waits until it serves or exits. It returns what qesd
// printed, whether it served, and a stop that shuts a serving qesd down.
func runQesd(t *testing.T, data string, env []string) (out string, served bool, stop func()) {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t, "qesd"), "--data", data, "--listen", freePort(t))
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu sync.Mutex // the scanner keeps appending after qesd serves
		b  strings.Builder
	)
	snapshot := func() string { mu.Lock(); defer mu.Unlock(); return b.String() }
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			mu.Lock()
			b.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "qesd serving") {
				ready <- true
			}
		}
		ready <- false // qesd closed its output: it has exited
	}()
	exited := make(chan struct{})
	stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	select {
	case served = <-ready:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("qesd neither served nor exited within 60 s:\n%s", snapshot())
	}
	if !served {
		_ = cmd.Wait()
		return snapshot(), false, func() {}
	}
	go func() { _ = cmd.Wait(); close(exited) }()
	// A failing assertion must not leave qesd running; stop may run twice.
	t.Cleanup(stop)
	return snapshot(), true, stop
}

// The embedded token's SO PIN is needed only to initialise it: a new token
// never stores it, and a restart never opens an old so-pin file. The old
// file is replaced by a FIFO, so that even opening it would block qesd's
// start-up and fail the test, and reading it as the old code did is
// impossible.
func TestEmbeddedTokenNeverOpensTheSOPIN(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	out, served, stop := runQesd(t, data, cleanEnv())
	if !served {
		t.Fatalf("first start failed:\n%s", out)
	}
	stop()
	pinFile := filepath.Join(data, "hsm", "pin")
	pin, err := os.ReadFile(pinFile)
	if err != nil {
		t.Fatalf("the embedded token's user PIN: %v", err)
	}
	want := fmt.Sprintf("msg=\"hsm PIN source\" source=\"embedded token file %s\"", pinFile)
	if !strings.Contains(out, want) || strings.Contains(out, strings.TrimSpace(string(pin))) {
		t.Fatalf("start-up must log %q and never the PIN:\n%s", want, out)
	}
	soPIN := filepath.Join(data, "hsm", "so-pin")
	if _, err := os.Lstat(soPIN); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a newly initialised token must not keep its SO PIN (lstat: %v)", err)
	}

	if err := syscall.Mkfifo(soPIN, 0o600); err != nil {
		t.Fatal(err)
	}
	out, served, stop = runQesd(t, data, cleanEnv())
	if !served {
		t.Fatalf("restart with an unreadable so-pin failed:\n%s", out)
	}
	if !strings.Contains(out, "SO PIN file is not used") || !strings.Contains(out, want) {
		t.Fatalf("restart must point out the unused SO PIN file and log the PIN source:\n%s", out)
	}
	stop()

	// Without the SO PIN nothing can reset a lost user PIN, so a missing PIN
	// file must not be silently replaced by a new random one.
	if err := os.Remove(pinFile); err != nil {
		t.Fatal(err)
	}
	out, served, _ = runQesd(t, data, cleanEnv())
	if served || !strings.Contains(out, "exists but its PIN file "+pinFile+" is missing") {
		t.Fatalf("a missing user PIN file must stop qesd with a plain message (served %v):\n%s", served, out)
	}
	if _, err := os.Stat(pinFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("qesd must not invent a new user PIN for an existing token (stat: %v)", err)
	}
	// The environment still opens it.
	out, served, _ = runQesd(t, data, cleanEnv("QES_HSM_PIN="+strings.TrimSpace(string(pin))))
	if !served || !strings.Contains(out, `source="environment QES_HSM_PIN"`) {
		t.Fatalf("QES_HSM_PIN must open the embedded token (served %v):\n%s", served, out)
	}
}

// A configured PKCS#11 module (here SoftHSM2 with a token qesd did not
// create) takes its user PIN from the environment, hsm.pinFile or a systemd
// credential, refuses an unsafe PIN file, and without any source refuses to
// start, naming them all. Rows run in order on one token: SoftHSM2's file
// store is not meant for two processes at once.
func TestConfiguredModulePINSources(t *testing.T) {
	t.Parallel()
	module, err := softhsm.FindModule()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	tok := softhsm.Token{Dir: filepath.Join(root, "token"), Label: "external", SOPIN: "12345678", PIN: "246813579"}
	if _, err := tok.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(root, "var")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile := func(path, content string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	etc := filepath.Join(root, "etc")
	writeFile(filepath.Join(etc, "good.pin"), tok.PIN+"\n", 0o600)
	writeFile(filepath.Join(etc, "loose.pin"), tok.PIN+"\n", 0o644)
	writeFile(filepath.Join(data, "hsm.pin"), tok.PIN+"\n", 0o600)
	creds := filepath.Join(root, "credentials")
	writeFile(filepath.Join(creds, "hsm-pin"), tok.PIN, 0o400)

	conf := "SOFTHSM2_CONF=" + tok.ConfPath()
	tests := []struct {
		name    string
		pinFile string
		env     []string
		serves  bool
		want    []string
	}{
		{"no source refuses naming the options", "", nil, false,
			[]string{"no user PIN", "QES_HSM_PIN", "hsm.pinFile", "outside the data directory", "CREDENTIALS_DIRECTORY", "hsm-pin", "terminal"}},
		{"environment", "", []string{"QES_HSM_PIN=" + tok.PIN}, true,
			[]string{`source="environment QES_HSM_PIN"`}},
		{"PIN file inside the data directory is refused", filepath.Join(data, "hsm.pin"), nil, false,
			[]string{"inside the data directory"}},
		{"PIN file readable by others is refused", filepath.Join(etc, "loose.pin"), nil, false,
			[]string{"mode 0644", "chmod 600"}},
		{"PIN file", filepath.Join(etc, "good.pin"), nil, true,
			[]string{`source="file ` + filepath.Join(etc, "good.pin") + ` (hsm.pinFile)"`}},
		{"systemd credential", "", []string{"CREDENTIALS_DIRECTORY=" + creds}, true,
			[]string{`source="systemd credential ` + filepath.Join(creds, "hsm-pin") + `"`}},
		{"wrong PIN in the environment is the token's refusal", "", []string{"QES_HSM_PIN=999999999"}, false,
			[]string{"open token \"external\"", "(user PIN from environment QES_HSM_PIN)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fmt.Sprintf(`{"hsm":{"module":%q,"tokenLabel":%q,"pinFile":%q}}`, module, tok.Label, tt.pinFile)
			if err := os.WriteFile(filepath.Join(data, "qes.json"), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			out, served, stop := runQesd(t, data, cleanEnv(append([]string{conf}, tt.env...)...))
			stop()
			if served != tt.serves {
				t.Fatalf("served = %v, want %v:\n%s", served, tt.serves, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, tok.PIN) {
				t.Fatalf("qesd printed the token PIN:\n%s", out)
			}
		})
	}
}
