package webpage

import (
	"fmt"
	"os"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

func TestUserErrorSpeaksTheReadersLanguage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err    error
		lang   string
		status int
		want   string
	}{
		{errs.M(errs.InvalidOTP, msg.OTPInvalid), "en", 400, "The one-time code is wrong or has expired."},
		{errs.M(errs.InvalidOTP, msg.OTPInvalid), "it", 400, "Il codice OTP è errato o scaduto."},
		{errs.Ef(errs.Locked, "locked until %s", "15:04 UTC"), "it", 403, msg.Text("it", "kind.locked")},
		{fmt.Errorf("wrapped: %w", errs.M(errs.Conflict, "lifecycle.tick")), "it", 409, msg.Text("it", "lifecycle.tick")},
		{errs.M(errs.Conflict, "lifecycle.tick"), "en", 409, msg.Text("en", "lifecycle.tick")},
		{errs.E(errs.RateLimited, "unknown words"), "it", 429, msg.Text("it", "kind.rate_limited")},
		{errs.E(errs.RateLimited, "Words without an ID"), "en", 429, "Words without an ID."},
		{errs.Internalf(os.ErrNotExist, "secret cause"), "en", 500, msg.Text("en", "kind.internal")},
	}
	for _, c := range cases {
		status, text := UserError(c.lang, c.err)
		if status != c.status || text != c.want {
			t.Errorf("UserError(%s, %v) = %d %q, want %d %q", c.lang, c.err, status, text, c.status, c.want)
		}
	}
}
