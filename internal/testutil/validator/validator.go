// Package validator finds the external tools that tests check qes's output
// with (pdfsig, qpdf, openssl, certutil, pdftoppm, chromium, xmlsec1,
// xmllint). On a developer's machine a missing tool skips the test, with the package to
// install; under CI (CI=true) it fails the test, because a CI run whose
// validators silently skipped has proven nothing.
//
// It imports nothing of qes, so that the internal tests of low packages
// (ca, pades), which cannot import internal/testutil without a cycle, use it
// too.
package validator

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// InCI reports whether the tests run under CI, as the CI environment
// variable (set by GitHub Actions, GitLab CI and others) says.
func InCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Need returns the path of the named tool, or skips the test (fails it
// under CI) when the tool is not installed.
func Need(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s is not installed, so the output cannot be validated with it (scripts/deps.sh test installs the validators)", name)
	}
	return p
}

// Have reports whether the named tool is installed, for a check that is
// one part of a larger test; under CI a missing tool fails the test.
func Have(t testing.TB, name string) bool {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if InCI() {
			t.Fatalf("%s is not installed, and CI must run every validator (scripts/deps.sh test installs them)", name)
		}
		return false
	}
	return true
}

// Missing ends a test whose validator is unavailable (not installed, or
// did not start): a skip on a developer's machine, a failure under CI.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s; CI=true, so a missing validator is a failure, not a skip", msg)
	}
	t.Skip(msg)
}
