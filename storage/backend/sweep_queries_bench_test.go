package backend_test

import (
	"context"
	"fmt"
	"time"

	"github.com/qesproject/qes/storage"
)

// jobQueries are the jobs' indexed questions to the store (what the
// lifecycle sweep, the CRL, the reconciliation, the activation deadline,
// the pending issuance and the daily summary ask), each beside the same
// question asked by walking every record ("/scan"), as the jobs did
// before the indexes.
func jobQueries(s sweepStore, holders int, now time.Time) []sweepJob {
	ctx := context.Background()
	day := now.UTC().Format(time.DateOnly)
	certs := func(st storage.CertStatus, before time.Time) func() (int, error) {
		return func() (int, error) {
			n := 0
			err := s.CertificatesWithStatus(ctx, st, before, func(*storage.Certificate) error { n++; return nil })
			return n, err
		}
	}
	scanCerts := func(match func(*storage.Certificate) bool) func() (int, error) {
		return func() (int, error) {
			n := 0
			err := s.ListCertificates(ctx, func(c *storage.Certificate) error {
				if match(c) {
					n++
				}
				return nil
			})
			return n, err
		}
	}
	orders := func(states ...string) func() (int, error) {
		return func() (int, error) {
			n := 0
			for _, st := range states {
				if err := s.OrdersInState(ctx, st, func(*storage.Order) error { n++; return nil }); err != nil {
					return n, err
				}
			}
			return n, nil
		}
	}
	scanOrders := func(states ...string) func() (int, error) {
		return func() (int, error) {
			n := 0
			err := s.ListOrders(ctx, func(o *storage.Order) error {
				for _, st := range states {
					if o.State == st {
						n++
					}
				}
				return nil
			})
			return n, err
		}
	}
	mid := fmt.Sprintf("c%06d", holders/2)
	return []sweepJob{
		{"daily-report", func() (int, error) {
			hs, err := s.HoldersDueDailyReport(ctx, day)
			return len(hs), err
		}},
		{"daily-report/scan", func() (int, error) {
			hs, err := s.ListHolders(ctx)
			n := 0
			for _, h := range hs {
				if h.DailyReport && h.DailyReportSentFor < day {
					n++
				}
			}
			return n, err
		}},
		// lifecycle: what time changes, then the CRL's entries
		{"lifecycle-due", func() (int, error) {
			a, err := certs(storage.CertActive, now)()
			if err != nil {
				return a, err
			}
			c, err := certs(storage.CertSuspended, time.Time{})()
			return a + c, err
		}},
		{"lifecycle-due/scan", scanCerts(func(c *storage.Certificate) bool {
			return (c.Status == storage.CertActive && c.NotAfter.Before(now)) || c.Status == storage.CertSuspended
		})},
		{"crl-entries", func() (int, error) {
			a, err := certs(storage.CertSuspended, time.Time{})()
			if err != nil {
				return a, err
			}
			c, err := certs(storage.CertRevoked, time.Time{})()
			return a + c, err
		}},
		{"crl-entries/scan", scanCerts(func(c *storage.Certificate) bool {
			return c.Status == storage.CertSuspended || c.Status == storage.CertRevoked
		})},
		// reconciliation asks this for every credential: times holders
		{"certificates-of-one-credential", func() (int, error) {
			cs, err := s.CertificatesOfCredential(ctx, mid)
			return len(cs), err
		}},
		{"certificates-of-one-credential/scan", scanCerts(func(c *storage.Certificate) bool { return c.CredentialID == mid })},
		// activation deadline, pending issuance
		{"activation-deadline", orders("issued")},
		{"activation-deadline/scan", scanOrders("issued")},
		{"pending-issuance", orders("approved", "issued")},
		{"pending-issuance/scan", scanOrders("approved", "issued")},
	}
}
