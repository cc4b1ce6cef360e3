package storage

import (
	"context"
	"time"
)

// Enrolment is what the shop keeps: customers (who buy before they are
// holders), the consents they gave, their orders and the coupons that
// discount them, and the shop's web sessions.
type Enrolment interface {
	Customers
	Orders
	Coupons
	Consents
	CustomerSessions
	Identifications
	TrustAnchors
}

// Customer is someone who registered in the shop. The e-mail is unique
// (lower case); it becomes a holder only when a later step issues the
// certificate.
type Customer struct {
	ID                string    `json:"id"`
	Email             string    `json:"email"`
	PasswordHash      string    `json:"passwordHash"`
	PasswordChangedAt time.Time `json:"passwordChangedAt"`
	EmailVerified     bool      `json:"emailVerified"`
	// Country of residence (ISO 3166-1 alpha-2): it chooses the VAT rate.
	Country string `json:"country"`
	Lang    string `json:"lang"`
	// Billing is the billing data last used at checkout, offered again.
	Billing   Billing   `json:"billing"`
	CreatedAt time.Time `json:"createdAt"`
}

// Billing is who the invoice is made out to.
type Billing struct {
	Name          string `json:"name"`  // person or company
	TaxID         string `json:"taxId"` // tax code or VAT number
	Address       string `json:"address"`
	InvoiceReason string `json:"invoiceReason,omitempty"`
}

// Consent is one answer a customer gave to one consent text, with what
// proves it: the text's version, the time, the address and the browser.
type Consent struct {
	CustomerID  string `json:"customerId"`
	Kind        string `json:"kind"` // "privacy", "marketing", "marketing-partners", "biometric", "automated-decision"
	Given       bool   `json:"given"`
	TextVersion string `json:"textVersion"`
	// TextSHA256 is the hex SHA-256 of the text the customer saw, in the
	// language it was shown in.
	TextSHA256 string    `json:"textSha256,omitempty"`
	Lang       string    `json:"lang,omitempty"`
	At         time.Time `json:"at"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"userAgent"`
}

// Order is one purchase and, after payment, the enrolment it starts: its
// State moves along the enrol package's state machine.
type Order struct {
	Number     string `json:"number"` // 55-NNNNN-NNNNNNNNNN
	CustomerID string `json:"customerId"`
	State      string `json:"state"`
	Product    string `json:"product"`
	Currency   string `json:"currency"`
	// Money in integer cents: Taxable = Net - Discount, Gross = Taxable + VAT.
	NetCents      int64   `json:"netCents"`
	DiscountCents int64   `json:"discountCents"`
	TaxableCents  int64   `json:"taxableCents"`
	VATCents      int64   `json:"vatCents"`
	GrossCents    int64   `json:"grossCents"`
	VATRateBP     int     `json:"vatRateBp"` // basis points: 2200 = 22%
	VATCountry    string  `json:"vatCountry"`
	Coupon        string  `json:"coupon,omitempty"`
	Billing       Billing `json:"billing"`
	// Consents are the ones the checkout asks for (biometric data,
	// automated decision), kept with the order they were given for.
	Consents []Consent `json:"consents,omitempty"`

	PaymentMethod   string    `json:"paymentMethod"`
	PaymentProvider string    `json:"paymentProvider,omitempty"`
	IntentID        string    `json:"intentId,omitempty"`
	PaymentRef      string    `json:"paymentRef,omitempty"`
	PaidAt          time.Time `json:"paidAt,omitzero"`
	// Declines counts refused payment attempts.
	Declines int `json:"declines,omitempty"`

	Details *Details `json:"details,omitempty"`
	// UserID is the future holder's user ID, unique among orders and
	// holders, assigned with the details.
	UserID string `json:"userId,omitempty"`

	// AttemptsUsed counts the failed identification attempts (a failed
	// chip check, an expired session); the enrolment fails at the limit.
	AttemptsUsed int `json:"attemptsUsed,omitempty"`
	// IdentifiedAt is when the identification the officer reviews was
	// completed (the proofing time).
	IdentifiedAt time.Time `json:"identifiedAt,omitzero"`

	// Request is the applicant's certificate request: the contract
	// accepted and the envelope made (enrolment 3/3).
	Request *CertificateRequest `json:"request,omitempty"`
	// Issuance is what approval issued.
	Issuance *Issuance `json:"issuance,omitempty"`

	Transitions []Transition `json:"transitions"`
	CreatedAt   time.Time    `json:"createdAt"`
	UpdatedAt   time.Time    `json:"updatedAt"`
}

// Transition is one step of an order's state machine.
type Transition struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	At   time.Time `json:"at"`
}

// Details is the applicant's data from the details form.
type Details struct {
	// Italian: tax code and mobile; others: name, surname, birth date
	// and mobile.
	Italian     bool      `json:"italian"`
	TaxCode     string    `json:"taxCode,omitempty"`
	GivenName   string    `json:"givenName,omitempty"`
	Surname     string    `json:"surname,omitempty"`
	BirthDate   string    `json:"birthDate,omitempty"` // YYYY-MM-DD
	Mobile      string    `json:"mobile"`              // E.164
	DocCountry  string    `json:"docCountry"`          // country of issue of the identity document
	SubmittedAt time.Time `json:"submittedAt"`
	SubmittedIP string    `json:"submittedIp,omitempty"`
}

// CertificateRequest is the request step: the contract the applicant
// accepted and the PIN/PUK/ERC envelope made for them. Only argon2id hashes
// of the codes are kept; the envelope is an evidence file, encrypted under
// the applicant's passphrase and again at rest.
type CertificateRequest struct {
	ContractVersion string      `json:"contractVersion"`
	ContractSHA256  string      `json:"contractSha256"` // hex, of the template the applicant accepted
	ContractLang    string      `json:"contractLang"`
	AcceptContract  bool        `json:"acceptContract"`
	ApproveClauses  bool        `json:"approveClauses"` // arts. 1341-1342 c.c.
	At              time.Time   `json:"at"`
	IP              string      `json:"ip,omitempty"`
	DeviceID        string      `json:"deviceId,omitempty"`
	DeviceJKT       string      `json:"deviceJkt,omitempty"` // the DPoP key's RFC 7638 thumbprint
	PINHash         string      `json:"pinHash"`
	PUKHash         string      `json:"pukHash"`
	ERCHash         string      `json:"ercHash"`
	EnvelopeNumber  string      `json:"envelopeNumber"`
	Envelope        EvidenceRef `json:"envelope"`
}

// Issuance is the certificate issued for an approved enrolment; the key
// stays disabled until the holder activates it before ActivationDeadline.
type Issuance struct {
	HolderID           string    `json:"holderId"`
	CredentialID       string    `json:"credentialId"`
	CertificateSerial  string    `json:"certificateSerial"`
	LevelOfProofing    string    `json:"levelOfProofing"`
	At                 time.Time `json:"at"`
	ActivationDeadline time.Time `json:"activationDeadline"`
	ActivatedAt        time.Time `json:"activatedAt,omitzero"`
	// MailedAt is when the contract and the envelope were e-mailed (zero:
	// not yet, the issuance job sends them).
	MailedAt time.Time `json:"mailedAt,omitzero"`
	// SignedContract is the contract the holder signed with the new key at
	// activation (PAdES B-T), kept as evidence.
	SignedContract *EvidenceRef `json:"signedContract,omitempty"`
}

// Coupon discounts orders by a percentage (basis points) or an amount.
type Coupon struct {
	Code        string    `json:"code"` // upper case
	PercentBP   int       `json:"percentBp,omitempty"`
	AmountCents int64     `json:"amountCents,omitempty"`
	ValidFrom   time.Time `json:"validFrom,omitzero"`
	ValidUntil  time.Time `json:"validUntil,omitzero"`
	MaxUses     int       `json:"maxUses,omitempty"` // 0: unlimited
	Uses        int       `json:"uses"`
	CreatedAt   time.Time `json:"createdAt"`
}

// CustomerSession is a customer's logged-in session in the shop; like
// PortalSession, only the MAC of the browser's token is the key.
type CustomerSession struct {
	Key        string    `json:"key"`
	CustomerID string    `json:"customerId"`
	CreatedAt  time.Time `json:"createdAt"`
	IdleUntil  time.Time `json:"idleUntil"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// Ended reports whether the session is over at now.
func (s *CustomerSession) Ended(now time.Time) bool {
	return !now.Before(s.IdleUntil) || !now.Before(s.ExpiresAt)
}

// Customers stores shop customers.
type Customers interface {
	// CreateCustomer stores c with its consents in one transaction;
	// errs.Conflict if the ID or the e-mail is taken.
	CreateCustomer(ctx context.Context, c *Customer, consents []*Consent) error
	Customer(ctx context.Context, id string) (*Customer, error)
	CustomerByEmail(ctx context.Context, email string) (*Customer, error)
	// UpdateCustomer runs fn on the customer; the ID and e-mail never change.
	UpdateCustomer(ctx context.Context, id string, fn func(*Customer) error) error
}

// Consents keeps every consent answer, append only.
type Consents interface {
	AddConsent(ctx context.Context, c *Consent) error
	ConsentsOf(ctx context.Context, customerID string) ([]*Consent, error)
}

// Orders stores orders.
type Orders interface {
	// CreateOrder stores o (errs.Conflict on a reused number). prepare,
	// when not nil, runs inside the transaction before o is stored, with
	// the coupon o.Coupon names (nil when it names none; errs.NotFound when
	// it does not exist): it checks and counts the use and prices o. What
	// it leaves in o and the coupon is stored together; its error aborts
	// both.
	CreateOrder(ctx context.Context, o *Order, prepare func(*Order, *Coupon) error) error
	Order(ctx context.Context, number string) (*Order, error)
	// UpdateOrder runs fn on the order. A UserID fn sets must be free
	// among orders and holders (errs.Conflict otherwise); the number and
	// customer never change.
	UpdateOrder(ctx context.Context, number string, fn func(*Order) error) error
	OrdersOf(ctx context.Context, customerID string) ([]*Order, error)
	// ListOrders walks every order (an export, an operator's list);
	// periodic work uses OrdersInState.
	ListOrders(ctx context.Context, fn func(*Order) error) error
	// OrdersInState calls fn for every order in state, in number order. It
	// walks an index: its cost is the orders in that state.
	OrdersInState(ctx context.Context, state string, fn func(*Order) error) error
	// OrdersDueSealing calls fn for every order written (created or
	// updated) since ClearSealingDue last cleared it, with the mark of its
	// last write: the evidence job looks at those instead of every order.
	OrdersDueSealing(ctx context.Context, fn func(number string, mark []byte) error) error
	// ClearSealingDue forgets that the order is due, unless it was written
	// again since mark was read (then it stays due).
	ClearSealingDue(ctx context.Context, number string, mark []byte) error
	// UserIDTaken reports whether an order or a holder has id.
	UserIDTaken(ctx context.Context, id string) (bool, error)
}

// Coupons stores discount coupons.
type Coupons interface {
	CreateCoupon(ctx context.Context, c *Coupon) error // errs.Conflict if the code exists
	Coupon(ctx context.Context, code string) (*Coupon, error)
	ListCoupons(ctx context.Context) ([]*Coupon, error)
}

// CustomerSessions stores shop sessions.
type CustomerSessions interface {
	PutCustomerSession(ctx context.Context, s *CustomerSession) error // errs.Conflict if the key exists
	CustomerSession(ctx context.Context, key string) (*CustomerSession, error)
	UpdateCustomerSession(ctx context.Context, key string, fn func(*CustomerSession) error) error
	DeleteCustomerSession(ctx context.Context, key string) error
	// DeleteCustomerSessions ends every session of a customer.
	DeleteCustomerSessions(ctx context.Context, customerID string) (int, error)
	DeleteEndedCustomerSessions(ctx context.Context, now time.Time) (int, error)
}
