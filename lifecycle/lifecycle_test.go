package lifecycle

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/sam"
)

func TestChangeValidate(t *testing.T) {
	holder := Actor{Kind: ActorHolder}
	operator := Actor{Kind: ActorOperator}
	ok := Change{Action: ActionSuspend, HolderID: "alice", CredentialID: "c1"}
	with := func(fn func(*Change)) Change { c := ok; fn(&c); return c }
	tests := []struct {
		name  string
		ch    Change
		actor Actor
		want  string // "" for valid
	}{
		{"suspend", ok, holder, ""},
		{"unknown action", with(func(c *Change) { c.Action = "pause" }), holder, "action"},
		{"no credential", with(func(c *Change) { c.CredentialID = "" }), holder, "credentialID"},
		{"reason on suspend", with(func(c *Change) { c.Reason = ca.ReasonKeyCompromise }), holder, "only a revocation"},
		{"revoke unspecified", with(func(c *Change) { c.Action = ActionRevoke }), holder, ""},
		{"revoke keyCompromise", with(func(c *Change) { c.Action, c.Reason = ActionRevoke, ca.ReasonKeyCompromise }), holder, ""},
		{"holder privilegeWithdrawn", with(func(c *Change) { c.Action, c.Reason = ActionRevoke, ca.ReasonPrivilegeWithdrawn }), holder, "holder may give"},
		{"holder superseded", with(func(c *Change) { c.Action, c.Reason = ActionRevoke, ca.ReasonSuperseded }), holder, "holder may give"},
		{"operator privilegeWithdrawn", with(func(c *Change) { c.Action, c.Reason = ActionRevoke, ca.ReasonPrivilegeWithdrawn }), operator, ""},
		{"operator certificateHold", with(func(c *Change) { c.Action, c.Reason = ActionRevoke, ca.ReasonCertificateHold }), operator, "cannot revoke"},
		{"operator cACompromise", with(func(c *Change) { c.Action, c.Reason = ActionRevoke, ca.ReasonCACompromise }), operator, "cannot revoke"},
		{"note of 200 runes", with(func(c *Change) { c.Note = strings.Repeat("è", 200) }), holder, ""},
		{"note of 201 runes", with(func(c *Change) { c.Note = strings.Repeat("è", 201) }), holder, "at most"},
		{"note with newline", with(func(c *Change) { c.Note = "a\nb" }), holder, "printable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ch.validate(tt.actor)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(errs.DetailOf(err), tt.want) {
				t.Fatalf("%v, want invalid_request mentioning %q", err, tt.want)
			}
		})
	}
}

func TestNoticeTextsAreBilingual(t *testing.T) {
	n := notice{CredentialID: "cred1", Serial: big.NewInt(0xabc), NewSerial: big.NewInt(0xdef), Reason: ca.ReasonKeyCompromise,
		At: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Deadline: time.Date(2026, 3, 31, 10, 0, 0, 0, time.UTC)}
	for _, kind := range []noticeKind{noticeSuspended, noticeReactivated, noticeRevoked, noticeHoldLapsed, noticeRenewed, noticeExpired} {
		en, it := noticeText("en", kind, n), noticeText("it", kind, n)
		if en == it || !strings.Contains(en, "cred1") || !strings.Contains(it, "cred1") {
			t.Errorf("%s: en %q / it %q", kind, en, it)
		}
		if strings.Contains(en, "%!") || strings.Contains(it, "%!") {
			t.Errorf("%s: formatting error in %q / %q", kind, en, it)
		}
		if noticeText("fr", kind, n) != en {
			t.Errorf("%s: other languages must get English", kind)
		}
	}
	if s := noticeText("it", noticeSuspended, n); !strings.Contains(s, "sospeso") || !strings.Contains(s, "2026-03-31 10:00 UTC") {
		t.Errorf("Italian suspension notice lacks the deadline: %q", s)
	}
	if s := noticeText("en", noticeRenewed, n); !strings.Contains(s, "DEF") || !strings.Contains(s, "ABC") {
		t.Errorf("renewal notice must name both serials: %q", s)
	}
}

func FuzzCheckNote(f *testing.F) {
	for _, s := range []string{"", "phone lost", "a\x00b", strings.Repeat("x", 300), "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, note string) {
		err := checkNote(note)
		if err != nil && !errs.Is(err, errs.InvalidRequest) {
			t.Fatalf("%q: %v", note, err)
		}
		if err == nil && (len([]rune(note)) > maxNote || strings.ContainsAny(note, "\x00\n\r\t")) {
			t.Fatalf("%q accepted", note)
		}
	})
}

func FuzzNormalizeERC(f *testing.F) {
	for _, s := range []string{"1234 5678 9012", "1234-5678-9012", "123456789012", "", "12 34"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalizeDigits(s)
		if strings.ContainsAny(n, " -") {
			t.Fatalf("%q normalized to %q", s, n)
		}
		if allDigits(n) && len(n) == sam.ERCDigits && normalizeDigits(n) != n {
			t.Fatalf("normalization of %q is not idempotent", n)
		}
	})
}
