package history

import (
	"fmt"
	"strings"
)

type summaryRow struct {
	CredentialID, Application string
	Count                     int
}

// dailyReportText is the daily summary e-mail: totals per credential and
// application for one day.
func dailyReportText(lang, day string, rows []summaryRow, total int) string {
	var b strings.Builder
	if lang == "it" {
		fmt.Fprintf(&b, "qes: riepilogo delle firme del %s (UTC).\nFirme apposte: %d.\n", day, total)
		for _, r := range rows {
			fmt.Fprintf(&b, "- credenziale %s, applicazione %s: %d firme\n", r.CredentialID, r.Application, r.Count)
		}
		b.WriteString("Puoi disattivare questo riepilogo nel portale, alla pagina Report.")
		return b.String()
	}
	fmt.Fprintf(&b, "qes: your signing summary for %s (UTC).\nSignatures made: %d.\n", day, total)
	for _, r := range rows {
		fmt.Fprintf(&b, "- credential %s, application %s: %d signatures\n", r.CredentialID, r.Application, r.Count)
	}
	b.WriteString("You can switch this summary off in the portal, on the Report page.")
	return b.String()
}
