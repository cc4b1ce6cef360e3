// Package testutil gives tests the real parts qes runs on: a SoftHSM2 token
// through PKCS#11, a bbolt file, a fixed clock.
package testutil

import (
	"github.com/qesproject/qes/internal/testutil/pgtest"

	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/hsm/pkcs11"
	"github.com/qesproject/qes/hsm/softhsm"
)

var (
	hsmOnce sync.Once
	hsmMgr  hsm.Manager
	hsmDir  string
	hsmErr  error
)

// HSM returns a Manager logged in to a SoftHSM2 token private to this test
// binary. SoftHSM2 reads its configuration once per process, so every test in
// a package shares the token; tests keep apart by generating their own keys.
// Call Cleanup from TestMain to remove the token directory.
func HSM(t testing.TB) hsm.Manager {
	t.Helper()
	hsmOnce.Do(func() {
		hsmDir, hsmErr = os.MkdirTemp("", "qes-softhsm-")
		if hsmErr != nil {
			return
		}
		hsmMgr, hsmErr = OpenToken(context.Background(), hsmDir, "qes-test")
	})
	if hsmErr != nil {
		t.Fatalf("SoftHSM2 token for tests: %v (install the softhsm2 package; `make test` does it for you)", hsmErr)
	}
	return hsmMgr
}

// OpenToken initialises (if needed) and opens a SoftHSM2 token under dir.
func OpenToken(ctx context.Context, dir, label string) (hsm.Manager, error) {
	module, err := softhsm.FindModule()
	if err != nil {
		return nil, err
	}
	tok := softhsm.Token{Dir: dir, Label: label, SOPIN: "12345678", PIN: "87654321"}
	if _, err := tok.Ensure(ctx); err != nil {
		return nil, err
	}
	if err := tok.Activate(); err != nil {
		return nil, err
	}
	m, err := pkcs11.Open(ctx, hsm.Config{Module: module, TokenLabel: label, PIN: tok.PIN})
	if err != nil {
		return nil, fmt.Errorf("open token: %w", err)
	}
	return m, nil
}

// Cleanup closes the shared token and removes its directory. Use it in TestMain:
//
//	func TestMain(m *testing.M) { code := m.Run(); testutil.Cleanup(); os.Exit(code) }
func Cleanup() {
	cleanupBinaries()
	pgtest.Stop()
	if hsmMgr != nil {
		_ = hsmMgr.Close()
	}
	if hsmDir != "" {
		_ = os.RemoveAll(hsmDir)
	}
}
