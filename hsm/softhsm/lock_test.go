package softhsm_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/hsm/pkcs11"
	"github.com/qesproject/qes/hsm/softhsm"
)

// lockChildEnv makes the test binary a child process that opens and
// closes the token in the named directory, under the lock.
const lockChildEnv = "QES_SOFTHSM_LOCK_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(lockChildEnv); dir != "" {
		os.Exit(lockChild(dir))
	}
	os.Exit(m.Run())
}

// lockChild opens the token 10 times as qesd does (lock, C_Initialize,
// C_Login, unlock; lock, C_Logout, unlock) and prints how many failed.
func lockChild(dir string) int {
	module, err := softhsm.FindModule()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	tok := softhsm.Token{Dir: dir, Label: "shared", PIN: "11223344"}
	if err := tok.Activate(); err != nil {
		fmt.Println(err)
		return 1
	}
	fails := 0
	for range 10 {
		unlock, err := tok.Lock()
		if err != nil {
			fmt.Println(err)
			return 1
		}
		m, err := pkcs11.Open(context.Background(), hsm.Config{Module: module, TokenLabel: tok.Label, PIN: tok.PIN})
		unlock()
		if err != nil {
			fails++
			continue
		}
		if unlock, err = tok.Lock(); err != nil {
			fmt.Println(err)
			return 1
		}
		_ = m.Close()
		unlock()
	}
	fmt.Println("fails", fails)
	return 0
}

// Processes sharing one token directory open it together without a
// failure under the lock. Without it SoftHSM2 2.6 fails about one open in
// two with four processes (C_Login rewrites token.object while another
// process's C_Initialize reads it: "could not find PKCS#11 token").
func TestConcurrentOpensUnderTheLock(t *testing.T) {
	if _, err := softhsm.FindModule(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := (softhsm.Token{Dir: dir, Label: "shared", PIN: "11223344"}).Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	outs := make([]string, 4)
	for i := range outs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run", "^$")
			cmd.Env = append(os.Environ(), lockChildEnv+"="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				outs[i] = fmt.Sprintf("child: %v: %s", err, out)
				return
			}
			outs[i] = strings.TrimSpace(string(out))
		})
	}
	wg.Wait()
	for i, out := range outs {
		n, err := strconv.Atoi(strings.TrimPrefix(out, "fails "))
		if err != nil || n != 0 {
			t.Errorf("process %d: %s, want no failed open", i, out)
		}
	}
}
