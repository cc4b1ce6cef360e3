package account

import (
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/msg"
)

// Every message the self-service sends exists in both languages and
// carries what the holder needs (the code, the new number, the totals).
func TestPortalMessagesInBothLanguages(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	for _, purpose := range []string{purposePassword, purposePIN, purposeCertEmail, purposeRecoveryEmail, purposeRecoveryPhone, purposePhoneOld, purposePhoneNew, purposeTest} {
		en, it := accountCodeText("en", purpose, "123456", 5*time.Minute), accountCodeText("it", purpose, "123456", 5*time.Minute)
		if en == it || !strings.Contains(en, "123456") || !strings.Contains(it, "123456") || !msg.Has(msg.ID("sms.purpose."+purpose)) {
			t.Errorf("code text for %s: %q / %q", purpose, en, it)
		}
	}
	pairs := [][2]string{
		{phoneChangedText("en", "+393471112233", at), phoneChangedText("it", "+393471112233", at)},
		{passwordChangedText("en", at), passwordChangedText("it", at)},
	}
	for _, p := range pairs {
		if p[0] == p[1] || p[0] == "" || p[1] == "" {
			t.Errorf("not translated: %q / %q", p[0], p[1])
		}
	}
	if !strings.Contains(pairs[0][0], "233") || strings.Contains(pairs[0][0], "+393471112233") {
		t.Errorf("the phone notice must show the new number masked: %q", pairs[0][0])
	}
	if langOf("de") != "en" || langOf("it") != "it" {
		t.Error("unknown languages fall back to English")
	}
}
