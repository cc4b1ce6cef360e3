package account

import (
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

// FuzzPasswordPolicy: CheckPassword refuses exactly the passwords that
// break a rule, with an InvalidRequest.
func FuzzPasswordPolicy(f *testing.F) {
	for _, s := range []string{"Secret-Pass1!", "aaa", "Secret-Paaas1!", strings.Repeat("Ab1!", 40), "È-segreto1", "\x00\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		broken := BrokenPasswordRules(pw)
		err := CheckPassword(pw)
		if (err == nil) != (len(broken) == 0) {
			t.Fatalf("CheckPassword(%q) = %v but broken rules %v", pw, err, broken)
		}
		if err != nil && !errs.Is(err, errs.InvalidRequest) {
			t.Fatalf("CheckPassword(%q): %v is not InvalidRequest", pw, err)
		}
	})
}

// FuzzContacts: e-mail addresses and phone numbers from forms are
// accepted only in the form certificates and SMS gateways take.
func FuzzContacts(f *testing.F) {
	for _, s := range []string{"a@b.it", "mario.rossi@example.org", "+393331234567", "+39 333 123 4567", "a@b", "é@x.it", "\x00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if addr, err := checkEmail(in); err == nil {
			if !emailPattern.MatchString(addr) || len(addr) > 254 || strings.ContainsFunc(addr, func(r rune) bool { return r > 126 || r < 33 }) {
				t.Fatalf("checkEmail(%q) accepted %q", in, addr)
			}
		} else if !errs.Is(err, errs.InvalidRequest) {
			t.Fatalf("checkEmail(%q): %v", in, err)
		}
		if phone, err := checkPhone(in); err == nil {
			if !phonePattern.MatchString(phone) {
				t.Fatalf("checkPhone(%q) accepted %q", in, phone)
			}
		} else if !errs.Is(err, errs.InvalidRequest) {
			t.Fatalf("checkPhone(%q): %v", in, err)
		}
	})
}
