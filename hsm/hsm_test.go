package hsm_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
)

func TestParseKeyType(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"ec-p256", "EC-P384", "rsa-2048", "rsa-3072"} {
		if _, err := hsm.ParseKeyType(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"", "rsa-1024", "ed25519"} {
		if _, err := hsm.ParseKeyType(s); !errs.Is(err, errs.InvalidRequest) {
			t.Errorf("%s: want InvalidRequest, got %v", s, err)
		}
	}
}

// TestKeyBoundaryIsCgoFree keeps crypto11 (and so cgo) out of everything but
// the composition root: the edges, the CA, the TSA, PAdES and the pure CSC
// client must not link a PKCS#11 library (cmd/qesd's tests build it with
// CGO_ENABLED=0).
func TestKeyBoundaryIsCgoFree(t *testing.T) {
	t.Parallel()
	const module = "github.com/qesproject/qes/"
	for _, pkg := range []string{"hsm", "csc", "csc/client", "portal", "ca", "tsa", "pades", "sam", "account", "oauth"} {
		t.Run(pkg, func(t *testing.T) {
			t.Parallel()
			// With cgo on (the default), so that an import hidden behind
			// a cgo-only file is seen too.
			out, err := exec.Command("go", "list", "-deps", module+pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", pkg, err)
			}
			for _, dep := range strings.Fields(string(out)) {
				if strings.Contains(dep, "crypto11") || strings.Contains(dep, "miekg/pkcs11") || dep == module+"hsm/pkcs11" {
					t.Errorf("%s depends on %s: only the composition root may link the PKCS#11 key manager", pkg, dep)
				}
			}
		})
	}
}

// TestCgoFreeBuilds builds what must work without a C compiler: the pure
// CSC client, and the key manager's no-cgo stand-in, whose test checks the
// error it gives.
func TestCgoFreeBuilds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"go build ./csc/client", []string{"build", "-o", os.DevNull, "github.com/qesproject/qes/csc/client"}},
		{"go test ./hsm/pkcs11", []string{"test", "-count=1", "-run", "^TestWithoutCgoOpenExplains$", "-v", "github.com/qesproject/qes/hsm/pkcs11"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("go", tt.args...)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("CGO_ENABLED=0 %s: %v\n%s", tt.name, err, out)
			}
			if tt.args[0] == "test" && !strings.Contains(string(out), "--- PASS: TestWithoutCgoOpenExplains") {
				t.Fatalf("the no-cgo test did not run:\n%s", out)
			}
		})
	}
}
