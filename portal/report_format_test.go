package portal_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

var formatCellRE = regexp.MustCompile(`<td class="format">([^<]*)</td>`)

// TestReportShowsFormat: a signDoc batch of a PDF (PAdES) and another
// file (CAdES) is one report row showing both formats, set by signdoc; a
// signHash batch says it signed hashes only (qes never saw the format).
func TestReportShowsFormat(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	signViaAPI(t, s, h, 1)
	tok := s.Login(t, "v2", h.ID, h.Password)
	pdf := testutil.Fixture(t, "pades/simple.pdf")
	text := []byte("Contratto di fornitura\n")
	sad := s.Authorize(t, tok, h, 2, testutil.SHA256B64(pdf), testutil.SHA256B64(text))
	std := base64.StdEncoding.EncodeToString
	st, body := s.Post(t, "/csc/v2/signatures/signDoc", tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{
		map[string]any{"document": std(pdf), "signature_format": "P", "signAlgo": "1.2.840.10045.4.3.2", "conformance_level": "Ades-B-B"},
		map[string]any{"document": std(text), "signature_format": "C", "signAlgo": "1.2.840.10045.4.3.2", "conformance_level": "Ades-B-B"},
	}})
	if st != http.StatusOK {
		t.Fatalf("signDoc: %d %v", st, body)
	}
	flushedSignatures(t, s, h.ID, 3)

	for _, tt := range []struct {
		lang string
		want []string // newest first
	}{
		{"en", []string{"PAdES, CAdES", "hashes only"}},
		{"it", []string{"PAdES, CAdES", "solo impronte"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			w := newWeb(t, s)
			w.login(h.ID, h.Password)
			w.post("/portal/lang", url.Values{"lang": {tt.lang}})
			_, page := w.get("/portal/sign/report")
			var got []string
			for _, m := range formatCellRE.FindAllStringSubmatch(page, -1) {
				got = append(got, m[1])
			}
			if len(got) != len(tt.want) || got[0] != tt.want[0] || got[1] != tt.want[1] {
				t.Fatalf("format cells %q, want %q", got, tt.want)
			}
		})
	}
}
