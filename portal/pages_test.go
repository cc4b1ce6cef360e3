package portal_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/testutil"
)

// TestEveryPageInItalianWithoutScriptOrInlineStyle renders every page of
// an Italian holder and checks that no English text of the catalogue is
// left on it, and that it has no script and no inline style (the CSP
// forbids both, so they would silently not work).
func TestEveryPageInItalianWithoutScriptOrInlineStyle(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	if err := s.App.Accounts.SetLanguage(t.Context(), h.ID, "it"); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return string(raw)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	login := get("/portal/login?lang=it")
	resp, err := c.PostForm(s.URL+"/portal/login", url.Values{"user": {h.ID}, "password": {h.Password}, "csrf": {csrf.FindStringSubmatch(login)[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	english := map[string]string{}
	for _, id := range msg.IDs() {
		en, it := msg.Text("en", id), msg.Text("it", id)
		if en != it && len(en) > 14 && !strings.Contains(en, "%") {
			english[html.EscapeString(en)] = string(id)
		}
	}
	paths := []string{"/portal/login?lang=it", "/portal/sign", "/portal/sign/certificate", "/portal/sign/email", "/portal/sign/otp",
		"/portal/sign/report", "/portal/sign/pin", "/portal/sign/lifecycle", "/portal/sign/lifecycle?action=revoke",
		"/portal/sign/footprint", "/portal/account", "/portal/account/password", "/portal/account/recovery-email",
		"/portal/account/recovery-phone", "/portal/account/two-factor", "/portal/nothing-here",
		"/portal/recover/password", "/portal/recover/userid", "/portal/first-access", "/portal/activate"}
	for _, p := range paths {
		body := get(p)
		if !strings.Contains(body, `<html lang="it">`) {
			t.Errorf("%s is not in Italian", p)
		}
		for en, key := range english {
			if strings.Contains(body, en) {
				t.Errorf("%s shows the English of %q: %q", p, key, en)
			}
		}
		if strings.Contains(body, "<script") || strings.Contains(body, " style=") || strings.Contains(body, " on") && regexp.MustCompile(` on[a-z]+=`).MatchString(body) {
			t.Errorf("%s has script or inline style", p)
		}
	}
}
