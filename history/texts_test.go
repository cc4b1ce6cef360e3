package history

import (
	"strings"
	"testing"
)

// The daily summary exists in both languages and carries the totals.
func TestDailyReportInBothLanguages(t *testing.T) {
	rows := []summaryRow{{CredentialID: "c1", Application: "API", Count: 2}}
	en, it := dailyReportText("en", "2026-03-01", rows, 2), dailyReportText("it", "2026-03-01", rows, 2)
	if en == it || en == "" || it == "" {
		t.Errorf("not translated: %q / %q", en, it)
	}
	if !strings.Contains(it, "Firme apposte: 2") || !strings.Contains(it, "c1") {
		t.Errorf("Italian summary %q", it)
	}
	if de := dailyReportText("de", "2026-03-01", rows, 2); de != en {
		t.Errorf("unknown languages fall back to English: %q", de)
	}
}
