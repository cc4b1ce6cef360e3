//go:build !cgo

package pkcs11_test

import (
	"context"
	"strings"
	"testing"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/hsm/pkcs11"
)

// TestWithoutCgoOpenExplains runs only in a CGO_ENABLED=0 build (hsm's
// TestCgoFreeBuilds starts it): the key manager must say why it is missing.
func TestWithoutCgoOpenExplains(t *testing.T) {
	const want = "qes was built without cgo: the PKCS#11 key manager needs cgo (CGO_ENABLED=1 and a C compiler)"
	m, err := pkcs11.Open(context.Background(), hsm.Config{Module: "/nonexistent.so", TokenLabel: "qes"})
	if m != nil || err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Open = %v, %v; want nil and %q", m, err, want)
	}
	if err := pkcs11.Available(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Available = %v, want %q", err, want)
	}
}
