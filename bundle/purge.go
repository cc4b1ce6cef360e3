package bundle

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// PurgeReport says what Purge deleted (or, dry, would delete).
type PurgeReport struct {
	DryRun bool `json:"dryRun"`
	// Bundles are the enrolments whose bundle's retention ended.
	Bundles []string `json:"bundles"`
	// Sessions are failed or expired identification sessions, of
	// enrolments without a bundle or a certificate, past their retention.
	Sessions []string `json:"sessions"`
	// Files counts the evidence files deleted; Shared those a candidate
	// shared with something still retained, and therefore kept.
	Files  int `json:"files"`
	Shared int `json:"shared"`
}

// Purge deletes, at the end of retention (ISS-8.5.2-08), the bundles whose
// retain-until passed with every evidence file of their enrolment, and
// the evidence of failed identification attempts of enrolments that
// never issued a certificate nor were sealed, FailedRetention after the
// attempt. Files are shared by content (a contract template, a file sent
// twice), so a file is deleted only when nothing still retained names
// it; a bundle whose manifest cannot be read stops the purge.
// Each deletion is audited before it is made; the personal data the
// records still hold goes with the files (scrubOrder, scrubSession).
func (s *Service) Purge(ctx context.Context, dryRun bool) (*PurgeReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.d.Now().UTC()
	rep := &PurgeReport{DryRun: dryRun, Bundles: []string{}, Sessions: []string{}}
	keep := map[string]bool{}
	doomed := map[string][]string{} // what to delete, by the reason (order or session) it is deleted for
	var reasons []string
	doom := func(reason, sum string) {
		if sum == "" {
			return
		}
		if _, ok := doomed[reason]; !ok {
			reasons = append(reasons, reason)
		}
		doomed[reason] = append(doomed[reason], sum)
	}
	expired := map[string]bool{}
	bundled := map[string]bool{}
	err := s.d.Records.ListEvidenceBundles(ctx, func(b *storage.EvidenceBundle) error {
		bundled[b.OrderNumber] = true
		// The sealed manifests hold what the files are and until when
		// they are kept; the index alone (a database row) never decides a
		// deletion, and a manifest that cannot be read stops the purge.
		var manifests []*Manifest
		retainUntil := b.RetainUntil
		for _, v := range b.Versions {
			m, _, err := s.manifest(ctx, v)
			if err != nil {
				return errs.Internalf(err, "manifest %d of the bundle of %s", v.Version, b.OrderNumber)
			}
			manifests = append(manifests, m)
			if m.RetainUntil.After(retainUntil) {
				retainUntil = m.RetainUntil
			}
		}
		gone := !now.Before(retainUntil)
		if gone {
			expired[b.OrderNumber] = true
			rep.Bundles = append(rep.Bundles, b.OrderNumber)
		}
		for k, v := range b.Versions {
			sums := []string{v.Manifest.SHA256, v.Seal.SHA256}
			for _, f := range manifests[k].Files {
				sums = append(sums, f.SHA256)
			}
			for _, sum := range sums {
				if gone {
					doom("order "+b.OrderNumber, sum)
				} else {
					keep[sum] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	var orders []*storage.Order
	if err := s.d.Records.ListOrders(ctx, func(o *storage.Order) error {
		orders = append(orders, o)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, o := range orders {
		orderRefs := []string{}
		if o.Request != nil {
			orderRefs = append(orderRefs, o.Request.Envelope.SHA256)
		}
		if o.Issuance != nil && o.Issuance.SignedContract != nil {
			orderRefs = append(orderRefs, o.Issuance.SignedContract.SHA256)
		}
		for _, sum := range orderRefs {
			if expired[o.Number] {
				doom("order "+o.Number, sum)
			} else {
				keep[sum] = true
			}
		}
		sessions, err := s.d.Records.IdentificationsOf(ctx, o.Number)
		if err != nil {
			return nil, err
		}
		for _, x := range sessions {
			refs := sessionRefs(x)
			switch {
			case expired[o.Number]:
				for _, sum := range refs {
					doom("order "+o.Number, sum)
				}
			case !bundled[o.Number] && o.Issuance == nil && failedSession(x) &&
				!now.Before(sessionEnd(x).Add(s.cfg.FailedRetention)):
				for _, sum := range refs {
					doom("session "+o.Number+"/"+x.ID, sum)
				}
			default:
				for _, sum := range refs {
					keep[sum] = true
				}
			}
		}
	}

	deleted := map[string]bool{}
	for _, reason := range reasons {
		var del []string
		for _, sum := range doomed[reason] {
			there := false
			if !deleted[sum] {
				var err error
				if there, err = s.d.Files.Exists(ctx, sum); err != nil {
					return rep, err
				}
			}
			switch {
			case !there:
				// Deleted by an earlier reason or purge.
			case keep[sum]:
				rep.Shared++
			default:
				deleted[sum] = true
				del = append(del, sum)
			}
		}
		kind, subject, _ := strings.Cut(reason, " ")
		if kind == "session" {
			// A session purged before stays in its order's records with
			// its files gone: nothing to do, nothing to report.
			if len(del) == 0 {
				continue
			}
			rep.Sessions = append(rep.Sessions, subject)
		}
		rep.Files += len(del)
		if dryRun {
			continue
		}
		if err := audit.Require(ctx, s.d.Audit, s.d.Log, audit.Event{Type: "evidence.purged", Outcome: "ok", Detail: map[string]string{
			kind: subject, "files": itoa(len(del)), "at": now.Format(time.RFC3339)}}); err != nil {
			return rep, err
		}
		sort.Strings(del)
		for _, sum := range del {
			if err := s.d.Files.Delete(ctx, sum); err != nil {
				return rep, err
			}
		}
		switch kind {
		case "order":
			if err := s.scrubOrder(ctx, subject); err != nil {
				return rep, err
			}
			if err := s.d.Records.DeleteEvidenceBundle(ctx, subject); err != nil && !errs.Is(err, errs.NotFound) {
				return rep, err
			}
		case "session":
			_, id, _ := strings.Cut(subject, "/")
			if err := s.d.Records.UpdateIdentification(ctx, id, scrubSession); err != nil {
				return rep, err
			}
		}
	}
	s.d.Log.InfoContext(ctx, "evidence purge", "dryRun", dryRun, "bundles", len(rep.Bundles), "sessions", len(rep.Sessions), "files", rep.Files)
	return rep, nil
}

// sessionRefs are the evidence files an identification session names.
func sessionRefs(x *storage.Identification) []string {
	var out []string
	for _, r := range x.Photos {
		out = append(out, r.SHA256)
	}
	for _, a := range x.Attempts {
		for _, r := range a.Files {
			out = append(out, r.SHA256)
		}
		if a.Report != nil {
			out = append(out, a.Report.SHA256)
		}
	}
	if x.Video != nil {
		out = append(out, x.Video.SHA256)
	}
	if x.Chip != nil {
		out = append(out, x.Chip.Face.SHA256)
		if x.Chip.FacePNG != nil {
			out = append(out, x.Chip.FacePNG.SHA256)
		}
	}
	return out
}

func failedSession(x *storage.Identification) bool {
	return x.State == storage.IdentificationFailed || x.State == storage.IdentificationExpired
}

// sessionEnd is when a failed session's retention starts: its last
// attempt, or its window's end.
func sessionEnd(x *storage.Identification) time.Time {
	end := x.ExpiresAt
	for _, a := range x.Attempts {
		if a.At.After(end) {
			end = a.At
		}
	}
	return end
}

// scrubOrder erases the personal data an order and its identification
// sessions still hold once their evidence is deleted (ISS-8.5.2-08): the
// details form, the billing data, addresses and browsers of consents and
// of the request, the chip's document data. What remains is the order's
// number, state, amounts and the hashes of files that no longer exist.
func (s *Service) scrubOrder(ctx context.Context, number string) error {
	err := s.d.Records.UpdateOrder(ctx, number, func(o *storage.Order) error {
		o.Details, o.Billing = nil, storage.Billing{}
		for k := range o.Consents {
			o.Consents[k].IP, o.Consents[k].UserAgent = "", ""
		}
		if o.Request != nil {
			o.Request.IP, o.Request.DeviceID, o.Request.DeviceJKT = "", "", ""
		}
		return nil
	})
	if err != nil {
		return err
	}
	sessions, err := s.d.Records.IdentificationsOf(ctx, number)
	if err != nil {
		return err
	}
	for _, x := range sessions {
		if err := s.d.Records.UpdateIdentification(ctx, x.ID, scrubSession); err != nil {
			return err
		}
	}
	return nil
}

// scrubSession erases a session's personal data; the references to its
// deleted files stay, so that a later bundle lists them as absent.
func scrubSession(x *storage.Identification) error {
	x.Confirmed = nil
	if x.Chip != nil {
		x.Chip.Document, x.Chip.DSC, x.Chip.CSCA = nil, "", ""
	}
	return nil
}
