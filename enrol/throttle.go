package enrol

import (
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// checkThrottle refuses when any key used up its window. Keys are
// "ip:<address>" and "email:<as typed>", so an unknown e-mail is throttled
// exactly like a known one (internal/ratelimit counts them in memory).
func (s *Service) checkThrottle(now time.Time, keys ...string) error {
	if s.throttle.Blocked(now, keys...) {
		return errs.M(errs.RateLimited, msg.ShopThrottled)
	}
	return nil
}
