//go:build !cgo

package pkcs11

import (
	"context"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// errNoCgo is what a build without cgo says instead of dying inside crypto11:
// PKCS#11 modules are C shared libraries, so talking to one needs cgo.
var errNoCgo = errs.M(errs.Unavailable,
	msg.PKCS11NeedsCgo)

// Available reports why this build cannot talk PKCS#11, so that a program
// can refuse at start-up before it touches any state.
func Available() error { return errNoCgo }

// Open always fails in a build without cgo, with the reason.
func Open(context.Context, hsm.Config) (hsm.Manager, error) { return nil, errNoCgo }
