package bundle_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/bundle"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

func TestPurge(t *testing.T) {
	e := newEnv(t)
	shared := e.put([]byte("dg1 shared by every enrolment here"), "application/octet-stream")
	issued := e.enrolment("55-00001-0000000011", "issued", true, shared)
	rejected := e.enrolment("55-00001-0000000012", "rejected", false, shared)
	abandoned := e.enrolment("55-00001-0000000013", "identifying", false, shared)
	unsealed := e.enrolment("55-00001-0000000014", "issued", true, shared)
	for _, o := range []*storage.Order{issued, rejected} {
		if _, err := e.srv.App.Bundles.Seal(e.ctx, o.Number); err != nil {
			t.Fatal(err)
		}
	}
	ref := func(number, session string, pick func(*storage.Identification) string) string {
		t.Helper()
		xs, err := e.srv.App.Store.IdentificationsOf(e.ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range xs {
			if x.ID == session+"-"+number {
				return pick(x)
			}
		}
		t.Fatalf("no session %s of %s", session, number)
		return ""
	}
	video := func(x *storage.Identification) string { return x.Video.SHA256 }
	badSOD := func(x *storage.Identification) string { return x.Attempts[0].Files["SOD"].SHA256 }
	exists := func(sum string) bool {
		t.Helper()
		ok, err := e.srv.App.Evidence.Exists(e.ctx, sum)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	// Nothing is due yet.
	rep, err := e.srv.App.Bundles.Purge(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Bundles) != 0 || len(rep.Sessions) != 0 || rep.Files != 0 {
		t.Fatalf("purge before any retention ended: %+v", rep)
	}

	// A year and an hour later the rejected enrolment's bundle and the
	// abandoned one's failed attempt are due; the issued ones are not.
	e.srv.Clock.Advance(8761 * time.Hour)
	dry, err := e.srv.App.Bundles.Purge(e.ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dry.Bundles, []string{rejected.Number}) || !slices.Equal(dry.Sessions, []string{abandoned.Number + "/s1-" + abandoned.Number}) || dry.Files == 0 {
		t.Fatalf("dry run: %+v", dry)
	}
	if !exists(ref(rejected.Number, "s2", video)) || !exists(ref(abandoned.Number, "s1", badSOD)) {
		t.Fatal("the dry run deleted files")
	}
	if r := e.verify(rejected.Number); !r.OK {
		t.Fatalf("the dry run broke the bundle: %+v", r.Problems)
	}
	before := purgeRecords(t, e)

	rep, err = e.srv.App.Bundles.Purge(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != dry.Files || rep.Shared == 0 {
		t.Fatalf("purge %+v, dry run said %+v", rep, dry)
	}
	if _, err := e.srv.App.Bundles.Verify(e.ctx, rejected.Number); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the purged bundle is still indexed: %v", err)
	}
	for what, sum := range map[string]string{
		"rejected video": ref(rejected.Number, "s2", video), "rejected failed SOD": ref(rejected.Number, "s1", badSOD),
		"abandoned failed SOD": ref(abandoned.Number, "s1", badSOD),
	} {
		if exists(sum) {
			t.Errorf("%s was not deleted", what)
		}
	}
	for what, sum := range map[string]string{
		"shared DG1": shared.SHA256, "abandoned completed video": ref(abandoned.Number, "s2", video),
		"unsealed issued failed SOD": ref(unsealed.Number, "s1", badSOD), "issued video": ref(issued.Number, "s2", video),
		"unsealed envelope": unsealed.Request.Envelope.SHA256,
	} {
		if !exists(sum) {
			t.Errorf("%s was deleted though still retained", what)
		}
	}
	if r := e.verify(issued.Number); !r.OK {
		t.Fatalf("the retained bundle no longer verifies: %+v", r.Problems)
	}
	// The personal data the records held went with the evidence; the
	// retained enrolments keep theirs.
	for number, gone := range map[string]bool{rejected.Number: true, issued.Number: false, unsealed.Number: false} {
		o, err := e.srv.App.Store.Order(e.ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		doc := ref(number, "s2", func(x *storage.Identification) string { return x.Chip.Document["documentNumber"] })
		if gone != (o.Details == nil && o.Billing == storage.Billing{} && o.Consents[0].IP == "" && doc == "") {
			t.Errorf("%s: details %+v, consent address %q, document %q; erased: want %v", number, o.Details, o.Consents[0].IP, doc, gone)
		}
	}
	after := purgeRecords(t, e)
	if len(after)-len(before) != 2 {
		t.Fatalf("%d purge records audited, want one for the bundle and one for the session: %+v", len(after)-len(before), after)
	}
	if after[0].Detail["order"] != rejected.Number || after[1].Detail["session"] != abandoned.Number+"/s1-"+abandoned.Number {
		t.Fatalf("purge records %+v", after)
	}

	// The abandoned enrolment ends later: its bundle says which files
	// were deleted at the end of their own retention.
	if err := e.srv.App.Store.UpdateOrder(e.ctx, abandoned.Number, func(o *storage.Order) error {
		o.Transitions = append(o.Transitions, storage.Transition{From: o.State, To: "failed", At: e.srv.Clock.Now()})
		o.State = "failed"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.App.Bundles.Seal(e.ctx, abandoned.Number); err != nil {
		t.Fatal(err)
	}
	b, err := e.srv.App.Store.EvidenceBundle(e.ctx, abandoned.Number)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.srv.App.Evidence.Open(e.ctx, b.Versions[0].Manifest.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var m bundle.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Absent) != 1 || m.Absent[0].Path != "chip/session-1/attempt-1/SOD" {
		t.Fatalf("absent files %+v, want the purged SOD", m.Absent)
	}
	if r := e.verify(abandoned.Number); !r.OK {
		t.Fatalf("a bundle with absent files does not verify: %+v", r.Problems)
	}

	// Done once: a second purge finds nothing.
	rep, err = e.srv.App.Bundles.Purge(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Bundles) != 0 || len(rep.Sessions) != 0 || rep.Files != 0 {
		t.Fatalf("second purge: %+v", rep)
	}
}

// purgeRecords are the evidence.purged records of the audit log.
func purgeRecords(t *testing.T, e *env) []audit.Record {
	t.Helper()
	if err := e.srv.App.Audit.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for _, line := range e.srv.AuditLines(t) {
		var r audit.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		if r.Type == "evidence.purged" {
			out = append(out, r)
		}
	}
	return out
}
