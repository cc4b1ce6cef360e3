package portal

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/qesproject/qes/credential"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/lifecycle"
)

// usedKeys collects the message keys templates and handlers name literally.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	keys := map[string]string{}
	tmplKey := regexp.MustCompile(`\b(?:T|Tf) "([a-z0-9_.-]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tmplKey.FindAllStringSubmatch(string(raw), -1) {
			keys[m[1]] = f
		}
	}
	goKey := regexp.MustCompile(`(?:tr\([a-zA-Z.]+, |\.Tf?\(|: |, )"((?:title|msg|kind|ok|notice|common|lifecycle|password|otp|rule)\.[a-z0-9_.-]+)"`)
	gofiles, _ := filepath.Glob("*.go")
	for _, f := range gofiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(raw), -1) {
			keys[m[1]] = f
		}
	}
	return keys
}

func TestEveryMessageKeyIsTranslated(t *testing.T) {
	keys := usedKeys(t)
	if len(keys) < 100 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	// Keys built at run time.
	for name := range pages {
		if name != "message" {
			keys["title."+name] = "pages"
		}
	}
	for _, st := range []credential.CertState{credential.CertValid, credential.CertExpired, credential.CertRevoked, credential.CertSuspended, credential.CertNotYetValid} {
		keys["state."+string(st)] = "CertState"
	}
	for k := range kindStatus {
		keys["kind."+k.String()] = "kindStatus"
	}
	keys["kind."+errs.Internal.String()] = "kindStatus"
	for k := range okNotices {
		keys["ok."+k] = "okNotices"
	}
	for _, r := range credential.PasswordRules {
		keys["rule."+string(r)] = "PasswordRules"
	}
	for _, a := range []lifecycle.Action{lifecycle.ActionRenew, lifecycle.ActionSuspend, lifecycle.ActionRevoke, lifecycle.ActionReactivate} {
		for _, prefix := range []string{"action.", "lifecycle.what.", "lifecycle.confirm."} {
			keys[prefix+string(a)] = "Action"
		}
	}
	for _, r := range lifecycle.HolderRevocationReasons() {
		keys["reason."+r.String()] = "HolderRevocationReasons"
	}
	for key, where := range keys {
		m, ok := messages[key]
		if !ok {
			t.Errorf("%s uses %q, which the catalogue lacks", where, key)
			continue
		}
		if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" {
			t.Errorf("%q lacks a text in one language", key)
		}
		if strings.Count(m[0], "%") != strings.Count(m[1], "%") {
			t.Errorf("%q: English and Italian take different arguments", key)
		}
	}
	// Same words in both languages only where Italian uses the English.
	same := map[string]bool{"layout.menu": true, "login.password": true, "account.password": true}
	for key, m := range messages {
		if m[0] == m[1] && !same[key] {
			t.Errorf("%q is not translated: %q", key, m[0])
		}
		if _, used := keys[key]; !used {
			t.Errorf("%q is in the catalogue but nothing uses it", key)
		}
	}
}

// domainMessages lists the literal messages of errs.E/errs.Ef calls in
// the domain files the portal calls into (paths from the module root).
func domainMessages(t *testing.T, files ...string) []string {
	t.Helper()
	var out []string
	fset := gotoken.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, filepath.Join("..", f), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, isID := sel.X.(*ast.Ident); !isID || id.Name != "errs" || sel.Sel.Name != "E" {
				return true
			}
			if lit, ok := call.Args[1].(*ast.BasicLit); ok {
				s, _ := strconv.Unquote(lit.Value)
				out = append(out, s)
			}
			return true
		})
	}
	return out
}

func TestDomainMessagesHaveItalian(t *testing.T) {
	msgs := domainMessages(t, "credential/portal.go", "portal/sessions.go", "credential/account.go", "credential/logintotp.go",
		"credential/otpsettings.go", "credential/certemail.go", "credential/pinchange.go", "history/report.go", "credential/pending.go",
		"credential/password.go", "credential/totp.go", "lifecycle/holder_actions.go")
	if len(msgs) < 30 {
		t.Fatalf("found only %d messages: the scan is broken", len(msgs))
	}
	// Messages of other files that portal pages can show.
	msgs = append(msgs, "Credential locked", "The PIN is invalid", "Invalid parameter credentialID",
		"The PIN must be "+credential.PINPolicy, "The PIN is too easy to guess: it must be "+credential.PINPolicy,
		"The OTP is invalid", "The OTP was already used; wait for the next code",
		"Missing (or invalid type) string parameter otp", "Missing (or invalid type) string parameter password",
		"The change cannot be recorded in the audit log; nothing was changed",
		"The credential changed while it was being renewed; try again", "The certificate is not in the register and cannot be renewed",
		"Invalid parameter note: printable characters only")
	for _, m := range msgs {
		it, ok := detailsIT[m]
		if !ok {
			t.Errorf("no Italian for the domain message %q", m)
			continue
		}
		if it == m || it == "" {
			t.Errorf("%q is not translated", m)
		}
	}
}

func TestUserErrorSpeaksTheHoldersLanguage(t *testing.T) {
	cases := []struct {
		err    error
		lang   string
		status int
		want   string
	}{
		{errs.E(errs.InvalidOTP, "The one-time code is wrong or has expired"), "en", 400, "The one-time code is wrong or has expired."},
		{errs.E(errs.InvalidOTP, "The one-time code is wrong or has expired"), "it", 400, "Il codice OTP è errato o scaduto."},
		{errs.Ef(errs.Locked, "locked until %s", "15:04 UTC"), "it", 403, messages["kind.locked"][1]},
		{errs.E(errs.RateLimited, "unknown words"), "it", 429, messages["kind.rate_limited"][1]},
		{errs.Internalf(os.ErrNotExist, "secret cause"), "en", 500, messages["kind.internal"][0]},
	}
	for _, c := range cases {
		status, msg := userError(c.lang, c.err)
		if status != c.status || msg != c.want {
			t.Errorf("userError(%s, %v) = %d %q, want %d %q", c.lang, c.err, status, msg, c.status, c.want)
		}
	}
}
