package history

import (
	"strings"

	"github.com/qesproject/qes/internal/msg"
)

type summaryRow struct {
	CredentialID, Application string
	Count                     int
}

// dailyReportText is the daily summary e-mail: totals per credential and
// application for one day.
func dailyReportText(lang, day string, rows []summaryRow, total int) string {
	var b strings.Builder
	b.WriteString(msg.Text(lang, "mail.daily.head", day, total))
	b.WriteByte('\n')
	for _, r := range rows {
		b.WriteString(msg.Text(lang, "mail.daily.row", r.CredentialID, r.Application, r.Count))
		b.WriteByte('\n')
	}
	b.WriteString(msg.Text(lang, "mail.daily.foot"))
	return b.String()
}
