package history

import (
	"context"
	"sort"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// APIApplication names signatures made with a service token from
// auth/login rather than through an OAuth client.
const APIApplication = "API"

// ReportFilter selects part of the signing history. From and To are
// instants (To exclusive); zero means unbounded. An empty CredentialID
// means every credential.
type ReportFilter struct {
	From, To     time.Time
	CredentialID string
}

// ReportRow is one signHash or signDoc batch.
type ReportRow struct {
	At           time.Time
	CredentialID string
	Count        int
	Application  string
	// Formats are a signDoc batch's signature formats; empty for signHash.
	Formats []string
}

// Report is the filtered history, newest first, with its totals.
type Report struct {
	Rows []ReportRow
	// Truncated is set when more batches matched than Rows holds.
	Truncated  bool
	Batches    int
	Signatures int
}

// Report returns the holder's signing history for the filter.
func (p *Service) Report(ctx context.Context, holderID string, f ReportFilter) (*Report, error) {
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, errs.M(errs.InvalidRequest, msg.DateOrder)
	}
	if f.CredentialID != "" {
		if err := p.creds.CheckOwner(ctx, holderID, f.CredentialID); err != nil {
			return nil, err
		}
	}
	out := &Report{}
	err := p.store.SignatureBatches(ctx, holderID, f.From, f.To, func(b *storage.SignatureBatch) error {
		if f.CredentialID != "" && b.CredentialID != f.CredentialID {
			return nil
		}
		out.Batches++
		out.Signatures += b.Count
		out.Rows = append(out.Rows, ReportRow{At: b.At, CredentialID: b.CredentialID, Count: b.Count, Application: b.Application, Formats: b.Formats})
		// Keep the newest rows only: the store walks oldest first.
		if len(out.Rows) > p.cfg.ReportRows {
			out.Rows = out.Rows[1:]
			out.Truncated = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(out.Rows)-1; i < j; i, j = i+1, j-1 {
		out.Rows[i], out.Rows[j] = out.Rows[j], out.Rows[i]
	}
	return out, nil
}

// SetDailyReport switches the daily summary e-mail on or off. Switched on,
// the first summary covers the current day.
func (p *Service) SetDailyReport(ctx context.Context, holderID string, on bool) error {
	yesterday := dayOf(p.now().AddDate(0, 0, -1))
	err := p.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		if on && !h.DailyReport {
			h.DailyReportSentFor = yesterday
		}
		h.DailyReport = on
		return nil
	})
	if err == nil {
		state := "off"
		if on {
			state = "on"
		}
		p.record(ctx, audit.Event{Type: "holder.daily-report", Holder: holderID, Outcome: "ok", Detail: map[string]string{"state": state}})
	}
	return err
}

func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// SendDailyReports e-mails each holder who asked for it a summary of the
// previous day's signatures (UTC days). It is idempotent per holder and
// day (the day summarised is recorded on the holder before the next
// one is considered) and cheap to call often: after a run completes for a
// day it returns at once until the next day. A day without signatures
// sends nothing. It returns the number of e-mails sent.
func (p *Service) SendDailyReports(ctx context.Context) (int, error) {
	s := p
	now := s.now().UTC()
	day := dayOf(now.AddDate(0, 0, -1))
	p.reportMu.Lock()
	defer p.reportMu.Unlock()
	if p.reportDay == day {
		return 0, nil
	}
	// The store's index hands out the holders who asked for the summary
	// and have not had this day's: a run costs those, not every holder.
	holders, err := s.store.HoldersDueDailyReport(ctx, day)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, h := range holders {
		if !h.DailyReport || h.DailyReportSentFor >= day {
			continue
		}
		ok, err := p.sendDailyReport(ctx, h, day)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	p.reportDay = day
	return sent, nil
}

func (p *Service) sendDailyReport(ctx context.Context, h *storage.Holder, day string) (bool, error) {
	s := p
	from, _ := time.Parse(time.DateOnly, day)
	sums := map[[2]string]int{}
	total := 0
	err := s.store.SignatureBatches(ctx, h.ID, from, from.AddDate(0, 0, 1), func(b *storage.SignatureBatch) error {
		sums[[2]string{b.CredentialID, b.Application}] += b.Count
		total += b.Count
		return nil
	})
	if err != nil {
		return false, err
	}
	// Record the day first: a crash after sending must not send twice.
	if err := s.store.UpdateHolder(ctx, h.ID, func(rec *storage.Holder) error {
		rec.DailyReportSentFor = day
		return nil
	}); err != nil {
		return false, err
	}
	if total == 0 || p.notify == nil {
		return false, nil
	}
	rows := make([]summaryRow, 0, len(sums))
	for k, n := range sums {
		rows = append(rows, summaryRow{CredentialID: k[0], Application: k[1], Count: n})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].CredentialID != rows[j].CredentialID {
			return rows[i].CredentialID < rows[j].CredentialID
		}
		return rows[i].Application < rows[j].Application
	})
	text := dailyReportText(h.Lang, day, rows, total)
	if err := p.notify.Send(ctx, otp.Message{Time: s.now().UTC(), Channel: "email", To: h.Email, Purpose: "daily-report", Text: text}); err != nil {
		s.log.WarnContext(ctx, "daily report not delivered", "holder", h.ID, "err", err)
		return false, nil
	}
	return true, nil
}
