package otp

import (
	"encoding/base32"
	"strings"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/qesproject/qes/internal/errs"
)

// TOTPEnrollment rebuilds the enrolment of an existing seed (the same
// otpauth URI NewTOTP gave), so that a page can show a pending enrolment's
// QR code again after a mistyped first code.
func TOTPEnrollment(issuer, account, secret string) (Enrollment, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil || len(raw) == 0 {
		return Enrollment{}, errs.E(errs.Internal, "the stored TOTP seed is not base32")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: totpPeriod, Digits: totpDigits,
		Secret: raw, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return Enrollment{}, errs.Internalf(err, "rebuild TOTP enrolment")
	}
	return Enrollment{Secret: key.Secret(), URI: key.URL()}, nil
}
