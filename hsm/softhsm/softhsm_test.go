package softhsm_test

import (
	"context"
	"os/exec"
	"regexp"
	"testing"

	"github.com/qesproject/qes/hsm/softhsm"
)

// A token initialised without an SO PIN (the embedded default) exists
// afterwards and is kept, not re-initialised, by a second Ensure.
func TestEnsureWithoutStoredSOPIN(t *testing.T) {
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		t.Fatal("softhsm2-util is missing: install the softhsm2 package (`make test` does it)")
	}
	ctx := context.Background()
	tok := softhsm.Token{Dir: t.TempDir(), Label: "no-so-pin", PIN: "11223344"}
	steps := []struct {
		name                    string
		ensure                  bool
		wantExists, wantCreated bool
	}{
		{"before", false, false, false},
		{"first Ensure initialises", true, true, true},
		{"second Ensure keeps it", true, true, false},
	}
	for _, s := range steps {
		if s.ensure {
			created, err := tok.Ensure(ctx)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if created != s.wantCreated {
				t.Fatalf("%s: created = %v", s.name, created)
			}
		}
		exists, err := tok.Exists(ctx)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if exists != s.wantExists {
			t.Fatalf("%s: exists = %v", s.name, exists)
		}
	}
}

func TestRandomPIN(t *testing.T) {
	seen := map[string]bool{}
	for range 8 {
		pin, err := softhsm.RandomPIN()
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9]{16}$`).MatchString(pin) || seen[pin] {
			t.Fatalf("PIN %q: want 16 fresh digits", pin)
		}
		seen[pin] = true
	}
}
