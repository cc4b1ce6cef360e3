package otp

import (
	"crypto/subtle"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// TOTP parameters qes uses: the defaults every authenticator app supports.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	totpSkew   = 1 // accept one step either side for clock drift
)

// Enrollment is a new authenticator-app seed waiting for its first code.
type Enrollment struct {
	Secret string // base32 seed; seal it before storing
	URI    string // otpauth:// URI for the QR code
}

// NewTOTP creates a seed for account at issuer.
func NewTOTP(issuer, account string) (Enrollment, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: totpPeriod, Digits: totpDigits,
		SecretSize: 20, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return Enrollment{}, errs.Internalf(err, "generate TOTP seed")
	}
	return Enrollment{Secret: key.Secret(), URI: key.URL()}, nil
}

// CheckTOTP validates code against secret at now. lastStep is the newest
// time step already accepted for this seed: a code is accepted at most once,
// even within its validity window. It returns the step to remember.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (int64, error) {
	if !ValidFormat(code) {
		return 0, errs.M(errs.InvalidOTP, msg.OTPWrong)
	}
	step := now.Unix() / totpPeriod
	matched := int64(-1)
	// Compare every candidate so timing does not reveal which step matched.
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
		})
		if err != nil {
			return 0, errs.Internalf(err, "compute TOTP")
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step+d > matched {
			matched = step + d
		}
	}
	if matched < 0 {
		return 0, errs.M(errs.InvalidOTP, msg.OTPWrong)
	}
	if matched <= lastStep {
		return 0, errs.M(errs.InvalidOTP, msg.OTPReused)
	}
	return matched, nil
}
