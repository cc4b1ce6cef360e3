package account

import (
	"reflect"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		pw     string
		broken []PasswordRule
		msg    string // part of CheckPassword's message
	}{
		{"Secret-Pass1!", nil, ""},
		{"Aa1!aa", []PasswordRule{RuleLength}, "at least 8 characters"},
		{"secret-pass1!", []PasswordRule{RuleUpper}, "an upper-case letter"},
		{"SECRET-PASS1!", []PasswordRule{RuleLower}, "a lower-case letter"},
		{"Secret-Pass!", []PasswordRule{RuleDigit}, "a digit"},
		{"SecretPass12", []PasswordRule{RuleSpecial}, "a special character"},
		{"Secret-Paaas1!", []PasswordRule{RuleRepeat}, "more than twice in a row"},
		{"Secret-Paas1!", nil, ""}, // two in a row is allowed
		{"È-segreto1", nil, ""},    // non-ASCII letters count
		{"abc", []PasswordRule{RuleLength, RuleUpper, RuleDigit, RuleSpecial}, "at least 8 characters, an upper-case letter, a digit, a special character"},
		{strings.Repeat("Ab1!", 33), []PasswordRule{RuleLength}, "at most 128"},
		{"Secret pass1", nil, ""}, // a space is a special character
	}
	for _, c := range cases {
		got := BrokenPasswordRules(c.pw)
		if !reflect.DeepEqual(got, c.broken) {
			t.Errorf("BrokenPasswordRules(%q) = %v, want %v", c.pw, got, c.broken)
		}
		err := CheckPassword(c.pw)
		switch {
		case c.msg == "" && err != nil:
			t.Errorf("CheckPassword(%q) = %v, want nil", c.pw, err)
		case c.msg != "" && (!errs.Is(err, errs.InvalidRequest) || !strings.Contains(errs.DetailOf(err), c.msg)):
			t.Errorf("CheckPassword(%q) = %v, want InvalidRequest mentioning %q", c.pw, err, c.msg)
		}
	}
}

// Every rule a password can miss has its words in the catalogue (the
// message names them by ID).
func TestPasswordRulesHaveCatalogueWords(t *testing.T) {
	for _, r := range PasswordRules {
		if r == RuleRepeat {
			continue // its own message
		}
		if id := msg.ID("err.rule-" + string(r)); !msg.Has(id) {
			t.Errorf("rule %s: no catalogue message %s", r, id)
		}
	}
}
