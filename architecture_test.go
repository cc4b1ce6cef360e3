package qes_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// allowedImports is ../shared/ARCHITECTURE.md's table of import directions
// (plus the small internal packages it does not list: internal/secret for
// argon2id, hsm/softhsm for the embedded token, storage/bolt and
// storagetest, csc/client). Wiring (cmd/*, internal/app) and test support
// (internal/testutil) may import anything.
var allowedImports = map[string][]string{
	"csc":                 {"credential", "authn", "lifecycle", "signdoc", "ca", "tsa", "pades", "otp", "identity", "enrol", "audit", "internal/errs"},
	"csc/client":          {"internal/errs"},
	"portal":              {"credential", "authn", "lifecycle", "history", "ca", "tsa", "pades", "otp", "identity", "enrol", "audit", "storage", "internal/errs"}, // storage: web sessions
	"authn":               {"storage", "internal/errs"},
	"credential":          {"authn", "hsm", "ca", "otp", "identity", "storage", "audit", "internal/errs", "internal/secret"},
	"lifecycle":           {"credential", "authn", "hsm", "ca", "otp", "storage", "audit", "internal/errs", "internal/secret"},
	"signdoc":             {"credential", "authn", "pades", "internal/errs"},
	"history":             {"otp", "storage", "audit", "internal/errs"},
	"enrol":               {"hsm", "ca", "otp", "identity", "pades", "storage", "audit", "internal/errs", "internal/secret"},
	"ca":                  {"storage", "audit", "internal/errs"},
	"ca/ocsp":             {"storage", "audit", "internal/errs"},
	"tsa":                 {"storage", "audit", "internal/errs"},
	"identity":            {"storage", "audit", "internal/errs"},
	"otp":                 {"storage", "audit", "internal/errs"},
	"pades":               {"internal/errs"},
	"hsm":                 {"internal/errs"},
	"hsm/softhsm":         {"internal/errs"},
	"storage":             {"internal/errs"},
	"storage/bolt":        {"storage", "internal/errs"},
	"storage/storagetest": {"storage", "internal/errs"},
	"audit":               {"internal/errs"},
	"internal/errs":       {},
	"internal/secret":     {"internal/errs"},
	"internal/config":     {"internal/secret"},
	"":                    {}, // the root package (openapi.yaml)
}

var unrestricted = []string{"cmd/", "internal/app", "internal/testutil"}

func TestImportDirections(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/qesproject/qes"
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		pkg := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if hasAnyPrefix(pkg, unrestricted) {
			continue
		}
		allowed, ok := allowedImports[pkg]
		if !ok {
			t.Errorf("package %q is not in the architecture's import table: add it to ARCHITECTURE.md and allowedImports", pkg)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			if !contains(allowed, dep) {
				t.Errorf("%s imports %s, which the architecture does not allow", pkg, dep)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list found only %d packages", seen)
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
