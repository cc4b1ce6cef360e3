package account

import (
	"unicode"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// PasswordRule names one requirement of the password policy, so that a
// page can explain the policy and say which rule a password breaks in the
// holder's language.
type PasswordRule string

// The password policy: at least 8 characters (at most 128), upper and lower
// case, a digit, a special character, and no character three times in a
// row. Passwords expire after Config.PasswordMaxAge (180 days).
const (
	RuleLength  PasswordRule = "length"  // 8 to 128 characters
	RuleUpper   PasswordRule = "upper"   // an upper-case letter
	RuleLower   PasswordRule = "lower"   // a lower-case letter
	RuleDigit   PasswordRule = "digit"   // a digit
	RuleSpecial PasswordRule = "special" // a punctuation mark, symbol or space
	RuleRepeat  PasswordRule = "repeat"  // no character three times in a row
)

// PasswordRules lists the policy in the order pages show it.
var PasswordRules = []PasswordRule{RuleLength, RuleUpper, RuleLower, RuleDigit, RuleSpecial, RuleRepeat}

// BrokenPasswordRules returns the rules pw breaks, in policy order; none
// means the password is acceptable.
func BrokenPasswordRules(pw string) []PasswordRule {
	var upper, lower, digit, special, repeat bool
	run, prev, n := 0, rune(-1), 0
	for _, r := range pw {
		n++
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ':
			special = true
		}
		if r == prev {
			run++
		} else {
			run, prev = 1, r
		}
		repeat = repeat || run > 2
	}
	var broken []PasswordRule
	for _, c := range []struct {
		rule PasswordRule
		ok   bool
	}{{RuleLength, n >= 8 && n <= 128}, {RuleUpper, upper}, {RuleLower, lower}, {RuleDigit, digit}, {RuleSpecial, special}, {RuleRepeat, !repeat}} {
		if !c.ok {
			broken = append(broken, c.rule)
		}
	}
	return broken
}

// CheckPassword enforces the password policy with a message naming what
// is missing.
func CheckPassword(pw string) error {
	broken := BrokenPasswordRules(pw)
	if len(broken) == 0 {
		return nil
	}
	var missing []msg.ID
	for _, r := range broken {
		switch {
		case r == RuleRepeat:
			return errs.M(errs.InvalidRequest, msg.PasswordRepeats)
		case r == RuleLength && len([]rune(pw)) > 128:
			return errs.M(errs.InvalidRequest, msg.PasswordTooLong)
		default:
			missing = append(missing, msg.ID("err.rule-"+string(r)))
		}
	}
	return errs.M(errs.InvalidRequest, msg.PasswordNeeds, missing)
}
