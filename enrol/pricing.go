package enrol

import (
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Quote is a price in integer cents: Taxable = Net - Discount,
// VAT = round-half-up(Taxable x rate), Gross = Taxable + VAT.
type Quote struct {
	NetCents      int64
	DiscountCents int64
	TaxableCents  int64
	VATCents      int64
	GrossCents    int64
	VATRateBP     int
	VATCountry    string
	Coupon        string
}

// roundHalfUp returns n/d rounded half up, for n >= 0 and d > 0.
func roundHalfUp(n, d int64) int64 { return (2*n + d) / (2 * d) }

// Price computes the quote for net cents, an optional coupon and a VAT
// rate in basis points.
func Price(net int64, c *storage.Coupon, vatBP int) Quote {
	q := Quote{NetCents: net, VATRateBP: vatBP}
	if c != nil {
		q.Coupon = c.Code
		switch {
		case c.PercentBP > 0:
			q.DiscountCents = roundHalfUp(net*int64(c.PercentBP), 10000)
		case c.AmountCents > 0:
			q.DiscountCents = c.AmountCents
		}
		q.DiscountCents = min(q.DiscountCents, net)
	}
	q.TaxableCents = net - q.DiscountCents
	q.VATCents = roundHalfUp(q.TaxableCents*int64(vatBP), 10000)
	q.GrossCents = q.TaxableCents + q.VATCents
	return q
}

// VATRate is the rate (basis points) for a country of residence and the
// country whose rate it is.
func (s *Service) VATRate(country string) (int, string) {
	if r, ok := s.cfg.VAT[country]; ok {
		return r, country
	}
	return s.cfg.VAT[s.cfg.VATHome], s.cfg.VATHome
}

// NormalizeCoupon is a coupon code as stored: trimmed, upper case.
func NormalizeCoupon(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// ValidCouponCode reports whether code (normalized) may name a coupon.
func ValidCouponCode(code string) bool {
	if code == "" || len(code) > 32 {
		return false
	}
	return strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
}

// CheckCoupon says whether c may discount an order at now, and why not.
func CheckCoupon(c *storage.Coupon, now time.Time) error {
	switch {
	case !c.ValidFrom.IsZero() && now.Before(c.ValidFrom):
		return errs.M(errs.InvalidRequest, msg.ShopCouponNotYet, c.Code)
	case !c.ValidUntil.IsZero() && !now.Before(c.ValidUntil):
		return errs.M(errs.InvalidRequest, msg.ShopCouponExpired, c.Code)
	case c.MaxUses > 0 && c.Uses >= c.MaxUses:
		return errs.M(errs.InvalidRequest, msg.ShopCouponUsedUp, c.Code)
	}
	return nil
}

// FormatCents writes cents as "79.00" (or "79,00" in Italian).
func FormatCents(cents int64, lang string) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	whole, frac := cents/100, cents%100
	sep := "."
	if lang == msg.Italian {
		sep = ","
	}
	s := itoa(whole) + sep + string([]byte{byte('0' + frac/10), byte('0' + frac%10)})
	if neg {
		s = "-" + s
	}
	return s
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// FormatPercent writes basis points as a percentage: 2200 -> "22%",
// 1050 -> "10.5%" ("10,5%" in Italian).
func FormatPercent(bp int, lang string) string {
	s := FormatCents(int64(bp), lang)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "."), ",")
	return s + "%"
}
