package enrol

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/codicefiscale"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// PaymentMethods are the methods the checkout offers; the provider
// handles each.
var PaymentMethods = []string{"card"}

// Checkout is what the checkout form sends: billing data, coupon,
// payment method and the two consents the identification needs, with
// where they came from.
type Checkout struct {
	Billing       storage.Billing
	Coupon        string
	PaymentMethod string
	Biometric     bool
	Automated     bool
	Lang          string
	IP, UserAgent string
}

var (
	orderNumberRE = regexp.MustCompile(`^55-[0-9]{5}-[0-9]{10}$`)
	userIDRE      = regexp.MustCompile(`^[A-Z]{2}[0-9]{6}$`)
)

// ValidOrderNumber reports the form 55-NNNNN-NNNNNNNNNN.
func ValidOrderNumber(s string) bool { return orderNumberRE.MatchString(s) }

// ValidUserID reports the form [A-Z]{2}[0-9]{6}.
func ValidUserID(s string) bool { return userIDRE.MatchString(s) }

func randDigits(n int) (string, error) {
	b := make([]byte, n)
	for i := range b {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", errs.Internalf(err, "random digits")
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b), nil
}

// newOrderNumber is 55-DDDDD-RRRRRRRRRR: the day number since the Unix
// epoch (five digits until 2243) and ten random digits.
func (s *Service) newOrderNumber() (string, error) {
	r, err := randDigits(10)
	if err != nil {
		return "", err
	}
	day := s.now().UTC().Unix() / 86400 % 100000
	return fmt.Sprintf("55-%05d-%s", day, r), nil
}

func newUserID() (string, error) {
	b := make([]byte, 2)
	for i := range b {
		d, err := rand.Int(rand.Reader, big.NewInt(26))
		if err != nil {
			return "", errs.Internalf(err, "random user ID")
		}
		b[i] = byte('A' + d.Int64())
	}
	r, err := randDigits(6)
	if err != nil {
		return "", err
	}
	return string(b) + r, nil
}

// Quote prices the product for a customer, without a coupon.
func (s *Service) Quote(ctx context.Context, customerID string) (Quote, error) {
	c, err := s.store.Customer(ctx, customerID)
	if err != nil {
		return Quote{}, err
	}
	rate, country := s.VATRate(c.Country)
	q := Price(s.cfg.NetCents, nil, rate)
	q.VATCountry = country
	return q, nil
}

// CheckTaxID checks a billing tax code or VAT number: for an Italian
// resident the codice fiscale (16 characters) or partita IVA (11 digits,
// optionally prefixed IT) with their check characters; otherwise 4 to 20
// letters and digits.
func CheckTaxID(country, id string) (string, error) {
	id = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(id), " ", ""))
	if country == "IT" {
		if len(id) == 13 && strings.HasPrefix(id, "IT") {
			id = id[2:]
		}
		if err := codicefiscale.Check(id); err != nil {
			return "", err
		}
		return id, nil
	}
	if len(id) < 4 || len(id) > 20 || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
		return "", errs.M(errs.InvalidRequest, msg.ShopBillingTaxID)
	}
	return id, nil
}

func checkText(s string, max int, id msg.ID, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if (required && s == "") || len(s) > max || strings.ContainsAny(s, "\x00\r") {
		return "", errs.M(errs.InvalidRequest, id)
	}
	return s, nil
}

// PlaceOrder creates an order (state ordered) for a registered customer:
// billing data checked, the coupon checked and counted in the same
// transaction, the price in cents.
func (s *Service) PlaceOrder(ctx context.Context, customerID string, f Checkout) (*storage.Order, error) {
	c, err := s.store.Customer(ctx, customerID)
	if err != nil {
		return nil, err
	}
	if !c.EmailVerified {
		return nil, illegal("unconfirmed", string(Ordered))
	}
	var b storage.Billing
	if b.Name, err = checkText(f.Billing.Name, 200, msg.ShopBillingName, true); err != nil {
		return nil, err
	}
	if strings.TrimSpace(f.Billing.TaxID) == "" {
		return nil, errs.M(errs.InvalidRequest, msg.ShopBillingTaxID)
	}
	if b.TaxID, err = CheckTaxID(c.Country, f.Billing.TaxID); err != nil {
		return nil, err
	}
	if b.Address, err = checkText(f.Billing.Address, 300, msg.ShopBillingAddress, true); err != nil {
		return nil, err
	}
	if b.InvoiceReason, err = checkText(f.Billing.InvoiceReason, 300, msg.ShopBillingAddress, false); err != nil {
		return nil, err
	}
	okMethod := false
	for _, m := range PaymentMethods {
		okMethod = okMethod || m == f.PaymentMethod
	}
	if !okMethod {
		return nil, errs.M(errs.InvalidRequest, msg.ShopPaymentMethod)
	}
	if !f.Biometric || !f.Automated {
		return nil, errs.M(errs.InvalidRequest, msg.ShopCheckoutConsents)
	}
	code := NormalizeCoupon(f.Coupon)
	if code != "" && !ValidCouponCode(code) {
		return nil, errs.M(errs.InvalidRequest, msg.ShopCouponUnknown, code)
	}
	now := s.now().UTC()
	rate, country := s.VATRate(c.Country)
	number, err := s.newOrderNumber()
	if err != nil {
		return nil, err
	}
	o := &storage.Order{Number: number, CustomerID: c.ID, State: string(Ordered), Product: s.cfg.Product,
		Currency: s.cfg.Currency, VATCountry: country, Coupon: code, Billing: b, PaymentMethod: f.PaymentMethod,
		Transitions: []storage.Transition{{From: string(Registered), To: string(Ordered), At: now}}, CreatedAt: now, UpdatedAt: now,
		Consents: []storage.Consent{
			s.consent(c.ID, ConsentBiometric, true, f.Lang, f.IP, f.UserAgent, now),
			s.consent(c.ID, ConsentAutomated, true, f.Lang, f.IP, f.UserAgent, now),
		}}
	ev := audit.Event{Type: "enrol.ordered", Detail: map[string]string{"order": number, "customer": c.ID, "coupon": code}}
	if err := s.recordOrRefuse(ctx, ev); err != nil {
		return nil, err
	}
	err = s.store.CreateOrder(ctx, o, func(o *storage.Order, cp *storage.Coupon) error {
		if cp != nil {
			if err := CheckCoupon(cp, now); err != nil {
				return err
			}
			cp.Uses++
		}
		setQuote(o, Price(s.cfg.NetCents, cp, rate))
		return nil
	})
	if errs.Is(err, errs.NotFound) && code != "" {
		err = errs.M(errs.InvalidRequest, msg.ShopCouponUnknown, code)
	}
	ev.Outcome = "ok"
	if err != nil {
		ev.Outcome, ev.Detail["error"] = "error", errs.KindOf(err).String()
	}
	s.record(ctx, ev)
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdateCustomer(ctx, c.ID, func(c *storage.Customer) error { c.Billing = b; return nil }); err != nil {
		s.log.WarnContext(ctx, "enrol: billing data not kept for next time", "err", err)
	}
	return o, nil
}

func setQuote(o *storage.Order, q Quote) {
	o.NetCents, o.DiscountCents, o.TaxableCents, o.VATCents, o.GrossCents, o.VATRateBP =
		q.NetCents, q.DiscountCents, q.TaxableCents, q.VATCents, q.GrossCents, q.VATRateBP
}

// Order returns an order; errs.NotFound unless it is the customer's.
func (s *Service) Order(ctx context.Context, customerID, number string) (*storage.Order, error) {
	o, err := s.store.Order(ctx, number)
	if err != nil || o.CustomerID != customerID {
		return nil, errs.M(errs.NotFound, msg.ShopOrderNotFound)
	}
	return o, nil
}

// Orders lists a customer's orders, newest first.
func (s *Service) Orders(ctx context.Context, customerID string) ([]*storage.Order, error) {
	all, err := s.store.OrdersOf(ctx, customerID)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	sortOrders(all)
	return all, nil
}

func sortOrders(os []*storage.Order) {
	for i := 1; i < len(os); i++ {
		for j := i; j > 0 && os[j].CreatedAt.After(os[j-1].CreatedAt); j-- {
			os[j], os[j-1] = os[j-1], os[j]
		}
	}
}

// StartPayment opens a payment of the customer's unpaid order and
// returns where to send the browser.
func (s *Service) StartPayment(ctx context.Context, customerID, number string) (string, error) {
	o, err := s.Order(ctx, customerID, number)
	if err != nil {
		return "", err
	}
	if State(o.State) != Ordered {
		return "", illegal(o.State, string(Paid))
	}
	in, err := s.payments.Create(ctx, o)
	if err != nil {
		return "", fmt.Errorf("create payment: %w", err)
	}
	s.record(ctx, audit.Event{Type: "enrol.payment-start", Outcome: "ok", Detail: map[string]string{"order": number, "intent": in.ID, "provider": s.payments.Name()}})
	err = s.store.UpdateOrder(ctx, number, func(o *storage.Order) error {
		o.IntentID, o.PaymentProvider = in.ID, s.payments.Name()
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("record payment intent: %w", err)
	}
	return in.RedirectURL, nil
}

// PaymentOutcome is what a callback did.
type PaymentOutcome struct {
	Order    *storage.Order
	Status   string // PaymentPaid | PaymentDeclined
	Replayed bool   // a paid callback seen before: nothing changed
}

// PaymentCallback applies a provider's callback: a paid one moves the
// order to paid (once: a replay changes nothing), a declined one leaves
// it unpaid. A callback that does not verify changes nothing.
func (s *Service) PaymentCallback(ctx context.Context, r *http.Request) (*PaymentOutcome, error) {
	res, err := s.payments.Verify(ctx, r)
	if err != nil {
		s.record(ctx, audit.Event{Type: "enrol.payment-callback", Outcome: "denied", Detail: map[string]string{"reason": "signature"}})
		return nil, err
	}
	o, err := s.store.Order(ctx, res.Order)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.InvalidRequest, msg.ShopPaymentUnknown)
	}
	if err != nil {
		return nil, err
	}
	if res.AmountCents != o.GrossCents || res.Currency != o.Currency {
		s.record(ctx, audit.Event{Type: "enrol.payment-callback", Outcome: "denied", Detail: map[string]string{"order": o.Number, "reason": "amount"}})
		return nil, errs.M(errs.Conflict, msg.ShopPaymentMismatch)
	}
	detail := map[string]string{"intent": res.IntentID, "ref": res.Ref, "provider": s.payments.Name()}
	switch res.Status {
	case PaymentPaid:
		if o.PaymentRef != "" && o.PaymentRef == res.Ref {
			s.record(ctx, audit.Event{Type: "enrol.payment-callback", Outcome: "replay", Detail: map[string]string{"order": o.Number, "ref": res.Ref}})
			return &PaymentOutcome{Order: o, Status: PaymentPaid, Replayed: true}, nil
		}
		now := s.now().UTC()
		o, err = s.transition(ctx, o.Number, Paid, detail, func(o *storage.Order) error {
			o.PaymentRef, o.PaidAt, o.IntentID, o.PaymentProvider = res.Ref, now, res.IntentID, s.payments.Name()
			return nil
		})
		if err != nil {
			return nil, err
		}
		s.sendReceipt(ctx, o)
		return &PaymentOutcome{Order: o, Status: PaymentPaid}, nil
	default:
		if State(o.State) == Ordered {
			// Only the open intent's refusal counts, once: the intent is
			// closed with it, so a replayed decline changes nothing.
			err = s.store.UpdateOrder(ctx, o.Number, func(o *storage.Order) error {
				if State(o.State) == Ordered && o.IntentID != "" && o.IntentID == res.IntentID {
					o.Declines++
					o.IntentID = ""
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("count declined payment: %w", err)
			}
		}
		detail["order"] = o.Number
		s.record(ctx, audit.Event{Type: "enrol.payment-declined", Outcome: "ok", Detail: detail})
		o, err = s.store.Order(ctx, o.Number)
		if err != nil {
			return nil, err
		}
		return &PaymentOutcome{Order: o, Status: PaymentDeclined}, nil
	}
}

// DetailsToken is the secret of the link that opens an order's details
// form without logging in (to complete it later or have someone else do
// it): a MAC of the order number, so nothing is stored and it never
// changes.
func (s *Service) DetailsToken(number string) (string, error) {
	sum, err := s.mac.Sum([]byte("shop-details-link"), []byte(number))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// DetailsLink is the absolute link to an order's details form.
func (s *Service) DetailsLink(number string) (string, error) {
	t, err := s.DetailsToken(number)
	if err != nil {
		return "", err
	}
	return s.cfg.PublicURL + "/shop/orders/" + number + "/details?t=" + t, nil
}

// OrderByLink returns the order a details link opens; errs.NotFound for a
// wrong link.
func (s *Service) OrderByLink(ctx context.Context, number, token string) (*storage.Order, error) {
	want, err := s.DetailsToken(number)
	if err != nil {
		return nil, err
	}
	if !ValidOrderNumber(number) || !SameToken(token, want) {
		return nil, errs.M(errs.NotFound, msg.ShopDetailsLink)
	}
	o, err := s.store.Order(ctx, number)
	if err != nil {
		return nil, errs.M(errs.NotFound, msg.ShopDetailsLink)
	}
	return o, nil
}

func (s *Service) sendReceipt(ctx context.Context, o *storage.Order) {
	c, err := s.store.Customer(ctx, o.CustomerID)
	if err != nil {
		s.log.WarnContext(ctx, "enrol: receipt not sent", "order", o.Number, "err", err)
		return
	}
	link, err := s.DetailsLink(o.Number)
	if err != nil {
		s.log.WarnContext(ctx, "enrol: receipt not sent", "order", o.Number, "err", err)
		return
	}
	s.mail(ctx, c.Email, c.Lang, "shop-receipt", msg.Text(c.Lang, msg.MailShopReceipt, o.Number, FormatCents(o.GrossCents, c.Lang), o.Currency, link))
}

// DetailsForm is what the details form sends.
type DetailsForm struct {
	// Citizenship is "it" (Italian citizen) or "other".
	Citizenship string
	TaxCode     string
	GivenName   string
	Surname     string
	BirthDate   string // YYYY-MM-DD
	Mobile      string
	DocCountry  string
	IP          string
}

var mobileRE = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// CheckDetails validates the form and returns the details to store.
func CheckDetails(f DetailsForm, now time.Time) (*storage.Details, error) {
	d := &storage.Details{SubmittedAt: now.UTC(), SubmittedIP: f.IP}
	switch f.Citizenship {
	case "it":
		d.Italian = true
		cf := strings.ToUpper(strings.TrimSpace(f.TaxCode))
		if err := codicefiscale.CheckPersonal(cf); err != nil {
			return nil, err
		}
		d.TaxCode = cf
	case "other":
		var err error
		if d.GivenName, err = checkText(f.GivenName, 100, msg.ShopNameRequired, true); err != nil {
			return nil, err
		}
		if d.Surname, err = checkText(f.Surname, 100, msg.ShopNameRequired, true); err != nil {
			return nil, err
		}
		b, err := time.Parse("2006-01-02", strings.TrimSpace(f.BirthDate))
		if err != nil || b.After(now) || now.Sub(b) > 130*365*24*time.Hour || b.AddDate(18, 0, 0).After(now) {
			return nil, errs.M(errs.InvalidRequest, msg.ShopBirthDateInvalid)
		}
		d.BirthDate = b.Format("2006-01-02")
	default:
		return nil, errs.M(errs.InvalidRequest, msg.ShopCitizenship)
	}
	mobile := strings.ReplaceAll(strings.TrimSpace(f.Mobile), " ", "")
	if !mobileRE.MatchString(mobile) {
		return nil, errs.M(errs.InvalidRequest, msg.ShopMobileInvalid)
	}
	d.Mobile = mobile
	dc := strings.ToUpper(strings.TrimSpace(f.DocCountry))
	if !ValidCountry(dc) {
		return nil, errs.M(errs.InvalidRequest, msg.ShopDocCountry)
	}
	d.DocCountry = dc
	return d, nil
}

// SubmitDetails stores the applicant's details on a paid order, assigns
// its UserID (unique among orders and holders) and sends the "continue
// the activation" e-mail.
func (s *Service) SubmitDetails(ctx context.Context, number string, f DetailsForm) (*storage.Order, error) {
	d, err := CheckDetails(f, s.now())
	if err != nil {
		return nil, err
	}
	var o *storage.Order
	for attempt := 0; ; attempt++ {
		uid, err := newUserID()
		if err != nil {
			return nil, err
		}
		if taken, err := s.store.UserIDTaken(ctx, uid); err != nil {
			return nil, err
		} else if taken {
			continue
		}
		o, err = s.transition(ctx, number, DetailsSubmitted, map[string]string{"userId": uid}, func(o *storage.Order) error {
			o.Details, o.UserID = d, uid
			return nil
		})
		if err == nil {
			break
		}
		// A UserID taken between the check and the commit: try another
		// one while the order is still waiting for its details.
		if cur, gerr := s.store.Order(ctx, number); attempt < 5 && errs.Is(err, errs.Conflict) && gerr == nil && State(cur.State) == Paid {
			continue
		}
		return nil, err
	}
	if c, err := s.store.Customer(ctx, o.CustomerID); err == nil {
		s.mail(ctx, c.Email, c.Lang, "shop-continue", msg.Text(c.Lang, msg.MailShopContinue, o.Number, o.UserID, s.cfg.PublicURL+"/shop/orders"))
	}
	return o, nil
}
