package portal

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/webpage"
	"github.com/qesproject/qes/lifecycle"
	"github.com/qesproject/qes/sam"
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
	t.Parallel()
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
	for _, st := range []sam.CertState{sam.CertValid, sam.CertExpired, sam.CertRevoked, sam.CertSuspended, sam.CertNotYetValid} {
		keys["state."+string(st)] = "CertState"
	}
	for _, k := range webpage.Kinds() {
		keys["kind."+k.String()] = "webpage.Kinds"
	}
	keys["kind."+errs.Internal.String()] = "webpage.UserError"
	for k := range okNotices {
		keys["ok."+k] = "okNotices"
	}
	for _, r := range account.PasswordRules {
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
		if !msg.Has(msg.ID(key)) {
			t.Errorf("%s uses %q, which the catalogue lacks", where, key)
		}
	}
	// The portal's share of the catalogue is what its pages use, and no more.
	for _, id := range msg.IDs() {
		if !portalPrefix(string(id)) {
			continue
		}
		if _, used := keys[string(id)]; !used {
			t.Errorf("%q is in the catalogue but no portal page uses it", id)
		}
	}
}

// portalPrefix tells the portal's IDs from the other edges' and the domain's.
func portalPrefix(id string) bool {
	prefix, _, _ := strings.Cut(id, ".")
	switch prefix {
	case "oauth", "err", "sms", "mail", "shop", "console":
		return false
	}
	return true
}
