package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestOAuthPagesFollowThePortalsPolicy: the OAuth authorization pages (csc
// edge) and the portal are one site to a holder, so they send the same
// Content-Security-Policy, use the same stylesheet and carry no inline
// style or script.
func TestOAuthPagesFollowThePortalsPolicy(t *testing.T) {
	s := testutil.StartServer(t)
	const redirect = "https://app.example/cb"
	clientID, _, err := s.App.OAuth.RegisterClient(t.Context(), "Signer App", []string{redirect}, false)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "scope": {"service"},
		"code_challenge": {strings.Repeat("A", 43)}, "code_challenge_method": {"S256"}, "lang": {"it"}}
	oauth, page := s.Get(t, "/oauth2/authorize?"+q.Encode())
	portal, _ := s.Get(t, "/portal/login")
	if oauth.StatusCode != http.StatusOK || portal.StatusCode != http.StatusOK {
		t.Fatalf("pages: oauth %d, portal %d", oauth.StatusCode, portal.StatusCode)
	}
	csp := oauth.Header.Get("Content-Security-Policy")
	if csp == "" || csp != portal.Header.Get("Content-Security-Policy") {
		t.Errorf("policies differ:\noauth  %q\nportal %q", csp, portal.Header.Get("Content-Security-Policy"))
	}
	body := string(page)
	if strings.Contains(body, "<style") || strings.Contains(body, " style=") || strings.Contains(body, "<script") {
		t.Errorf("the OAuth page has inline style or script:\n%s", body)
	}
	if !strings.Contains(body, `<html lang="it">`) || !strings.Contains(body, "Autorizzazione richiesta da") {
		t.Errorf("the OAuth page is not in Italian:\n%s", body)
	}
	css := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindStringSubmatch(body)
	if css == nil {
		t.Fatalf("the OAuth page links no stylesheet:\n%s", body)
	}
	resp, sheet := s.Get(t, css[1])
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || len(sheet) == 0 {
		t.Errorf("stylesheet %s: %d %q, %d bytes", css[1], resp.StatusCode, resp.Header.Get("Content-Type"), len(sheet))
	}
}
