package shop

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/msg"
)

// Every message key the shop's templates and handlers name is in the
// catalogue, and every shop.* message is used by a page.
func TestEveryShopKeyIsTranslated(t *testing.T) {
	t.Parallel()
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
	goKey := regexp.MustCompile(`"((?:shop|kind|rule)\.[a-z0-9_.-]+[a-z0-9])"`)
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
			if m[1] != ctxCustomer && m[1] != ctxToken {
				keys[m[1]] = f
			}
		}
	}
	// Keys built at run time.
	for name := range pages {
		keys["shop.title."+name] = "pages"
	}
	for _, s := range enrol.OrderStates {
		keys["shop.state."+string(s)] = "states"
	}
	for _, m := range enrol.PaymentMethods {
		keys["shop.method."+m] = "PaymentMethods"
	}
	for _, r := range (&page{}).Rules() {
		keys[r] = "Rules"
	}
	for key, where := range keys {
		if !msg.Has(msg.ID(key)) {
			t.Errorf("%s uses %q, which the catalogue lacks", where, key)
		}
	}
	for _, id := range msg.IDs() {
		if strings.HasPrefix(string(id), "shop.") {
			if _, used := keys[string(id)]; !used {
				t.Errorf("%q is in the catalogue but no shop page uses it", id)
			}
		}
	}
}
