package portal_test

import (
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpCode is what an authenticator app shows for secret at now.
func totpCode(t testing.TB, secret string, now time.Time) string {
	t.Helper()
	if secret == "" {
		t.Fatal("no TOTP secret on the page")
	}
	code, err := totp.GenerateCodeCustom(secret, now, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}
