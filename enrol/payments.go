package enrol

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// Payments is the port every payment provider implements: the shop
// creates an intent for an order and sends the customer to its page; the
// provider's signed callback says how it ended. A production provider
// (a Stripe adapter: Checkout Sessions and signed webhooks) plugs in here.
type Payments interface {
	// Name identifies the provider in orders and audit records.
	Name() string
	// Create opens a payment of o's gross amount and says where to send
	// the customer.
	Create(ctx context.Context, o *storage.Order) (Intent, error)
	// Verify authenticates a callback and returns what it says; a
	// callback that does not verify is errs.InvalidRequest and changes
	// nothing.
	Verify(ctx context.Context, r *http.Request) (Result, error)
	// Refund returns a payment.
	Refund(ctx context.Context, ref string) error
}

// Intent is an open payment.
type Intent struct {
	ID          string
	RedirectURL string // relative to the service, or absolute for an outside provider
}

// Payment outcomes.
const (
	PaymentPaid     = "paid"
	PaymentDeclined = "declined"
)

// Result is what a verified callback says.
type Result struct {
	IntentID    string
	Order       string
	Status      string // PaymentPaid | PaymentDeclined
	AmountCents int64
	Currency    string
	Ref         string // the provider's payment reference (paid only)
}

// DevProvider is the development payment provider: its own page
// (/dev/pay/{intent}) where a person approves or declines, a callback
// signed with an HMAC under the service's MAC key, and a ledger of every
// event in payments.jsonl. It moves no money and must never face the
// internet (qesd refuses it off loopback unless told otherwise).
type DevProvider struct {
	path string
	mac  MAC
	now  func() time.Time
	mu   sync.Mutex
}

// NewDevProvider keeps its ledger at path.
func NewDevProvider(path string, mac MAC, now func() time.Time) *DevProvider {
	if now == nil {
		now = time.Now
	}
	return &DevProvider{path: path, mac: mac, now: now}
}

// DevEvent is one line of the dev provider's ledger.
type DevEvent struct {
	Event       string    `json:"event"` // created | paid | declined | refunded
	Intent      string    `json:"intent"`
	Order       string    `json:"order"`
	AmountCents int64     `json:"amountCents"`
	Currency    string    `json:"currency"`
	Ref         string    `json:"ref,omitempty"`
	At          time.Time `json:"at"`
}

// Name is "dev".
func (p *DevProvider) Name() string { return "dev" }

// Path is the ledger file.
func (p *DevProvider) Path() string { return p.path }

func (p *DevProvider) append(ev DevEvent) error {
	line, err := json.Marshal(ev)
	if err != nil {
		return errs.Internalf(err, "encode payment event")
	}
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.ShopPaymentsLedger)
	}
	f, err := os.OpenFile(p.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.ShopPaymentsLedger)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.ShopPaymentsLedger)
	}
	if err := f.Sync(); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.ShopPaymentsLedger)
	}
	return nil
}

// Events reads the ledger.
func (p *DevProvider) Events(ctx context.Context) ([]DevEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(p.path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.ShopPaymentsLedger)
	}
	defer f.Close()
	var out []DevEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev DevEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, errs.Internalf(err, "payments ledger line")
		}
		out = append(out, ev)
	}
	return out, sc.Err()
}

// Create records a new intent.
func (p *DevProvider) Create(_ context.Context, o *storage.Order) (Intent, error) {
	id, err := secret.NewID()
	if err != nil {
		return Intent{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.append(DevEvent{Event: "created", Intent: id, Order: o.Number, AmountCents: o.GrossCents, Currency: o.Currency, At: p.now().UTC()}); err != nil {
		return Intent{}, err
	}
	return Intent{ID: id, RedirectURL: "/dev/pay/" + id}, nil
}

// DevIntent is an intent as the dev page shows it.
type DevIntent struct {
	ID, Order, Currency, Status, Ref string
	AmountCents                      int64
}

// Intent returns an intent and its last status (created, paid, declined).
func (p *DevProvider) Intent(ctx context.Context, id string) (*DevIntent, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	evs, err := p.Events(ctx)
	if err != nil {
		return nil, err
	}
	var in *DevIntent
	for _, ev := range evs {
		if ev.Intent != id {
			continue
		}
		if ev.Event == "created" {
			in = &DevIntent{ID: id, Order: ev.Order, AmountCents: ev.AmountCents, Currency: ev.Currency, Status: "created"}
		} else if in != nil {
			in.Status, in.Ref = ev.Event, ev.Ref
		}
	}
	if in == nil {
		return nil, errs.M(errs.NotFound, msg.ShopPaymentUnknown)
	}
	return in, nil
}

// Decide approves or declines an open intent, as the person on the dev
// page chooses, and returns the signed callback the shop receives.
func (p *DevProvider) Decide(ctx context.Context, id string, approve bool) (url.Values, error) {
	in, err := p.Intent(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Status != "created" {
		return nil, errs.M(errs.Conflict, msg.ShopPaymentDecided, in.Status)
	}
	ev := DevEvent{Event: PaymentDeclined, Intent: id, Order: in.Order, AmountCents: in.AmountCents, Currency: in.Currency, At: p.now().UTC()}
	if approve {
		ref, err := secret.NewID()
		if err != nil {
			return nil, err
		}
		ev.Event, ev.Ref = PaymentPaid, "dev-"+ref
	}
	p.mu.Lock()
	err = p.append(ev)
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return p.Sign(Result{IntentID: id, Order: in.Order, Status: ev.Event, AmountCents: in.AmountCents, Currency: in.Currency, Ref: ev.Ref})
}

// callbackFields are the signed fields, in signing order.
var callbackFields = []string{"intent", "order", "status", "amount", "currency", "ref"}

func (p *DevProvider) sum(v url.Values) ([]byte, error) {
	parts := [][]byte{[]byte("dev-payment-callback")}
	for _, f := range callbackFields {
		parts = append(parts, []byte(v.Get(f)))
	}
	return p.mac.Sum(parts...)
}

// Sign builds the callback form for r.
func (p *DevProvider) Sign(r Result) (url.Values, error) {
	v := url.Values{}
	v.Set("intent", r.IntentID)
	v.Set("order", r.Order)
	v.Set("status", r.Status)
	v.Set("amount", strconv.FormatInt(r.AmountCents, 10))
	v.Set("currency", r.Currency)
	v.Set("ref", r.Ref)
	sum, err := p.sum(v)
	if err != nil {
		return nil, err
	}
	v.Set("sig", hex.EncodeToString(sum))
	return v, nil
}

// Verify checks the callback's HMAC in constant time.
func (p *DevProvider) Verify(_ context.Context, r *http.Request) (Result, error) {
	bad := errs.M(errs.InvalidRequest, msg.ShopPaymentSignature)
	if err := r.ParseForm(); err != nil {
		return Result{}, bad
	}
	v := r.PostForm
	got, err := hex.DecodeString(v.Get("sig"))
	if err != nil || len(got) == 0 {
		return Result{}, bad
	}
	want, err := p.sum(v)
	if err != nil {
		return Result{}, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return Result{}, bad
	}
	amount, err := strconv.ParseInt(v.Get("amount"), 10, 64)
	status := v.Get("status")
	if err != nil || (status != PaymentPaid && status != PaymentDeclined) || (status == PaymentPaid && v.Get("ref") == "") {
		return Result{}, bad
	}
	return Result{IntentID: v.Get("intent"), Order: v.Get("order"), Status: status, AmountCents: amount, Currency: v.Get("currency"), Ref: v.Get("ref")}, nil
}

// Refund records a refund of a paid reference.
func (p *DevProvider) Refund(ctx context.Context, ref string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	evs, err := p.Events(ctx)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if ev.Event == PaymentPaid && ev.Ref == ref {
			ev.Event, ev.At = "refunded", p.now().UTC()
			return p.append(ev)
		}
	}
	return errs.M(errs.NotFound, msg.ShopPaymentUnknown)
}

var _ Payments = (*DevProvider)(nil)

// String helps logs name the provider without its key.
func (p *DevProvider) String() string { return fmt.Sprintf("dev payments (%s)", p.path) }
