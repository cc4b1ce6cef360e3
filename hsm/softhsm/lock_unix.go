//go:build unix

package softhsm

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/qesproject/qes/internal/errs"
)

// Lock takes the token directory's open lock, for processes that share one
// token directory (several qesd nodes, qesctl beside them). SoftHSM2's
// C_Login and C_Logout rewrite the token's token.object; another process
// reading it at that moment, in C_Initialize or softhsm2-util
// --show-slots, does not see the token ("could not find PKCS#11 token",
// CKR_GENERAL_ERROR; measured: about one open in two fails with four
// processes opening together) and Ensure would initialise a second one.
// Hold it from Ensure until the login is done, and around the logout.
// Signing, key generation and lookups of an open token need no lock: a
// process finds objects another process created at its next lookup.
func (t Token) Lock() (unlock func(), err error) {
	if err := os.MkdirAll(t.Dir, 0o700); err != nil {
		return nil, errs.Internalf(err, "softhsm: create token directory")
	}
	f, err := os.OpenFile(filepath.Join(t.Dir, "open.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, errs.Internalf(err, "softhsm: open lock file")
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, errs.Internalf(err, "softhsm: lock token directory")
	}
	// Closing the file releases the lock, also when the process dies.
	return func() { _ = f.Close() }, nil
}
