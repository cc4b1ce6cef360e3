package enrol

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// Issuance on the officer's approval: the holder and the credential are
// created from the verified identity and the request's code hashes, the
// key disabled until the holder activates it; then the contract and the
// envelope are e-mailed. enrol links neither the SAM nor the accounts: the
// composition root implements CertificateIssuer over them.

// IssueRequest is what the certificate is issued from.
type IssueRequest struct {
	Order  string
	UserID string // the UserID the order reserved
	// Subject, from the chip (ETSI EN 319 412-1 5.1.3 semantics identifier).
	GivenName, Surname, Country, SemanticsID string
	Email, Phone, Lang                       string
	// The request's argon2id hashes of the envelope's codes.
	PINHash, PUKHash, ERCHash string
}

// IssuedCertificate is what the issuer made.
type IssuedCertificate struct {
	HolderID, CredentialID, CertificateSerial string
}

// CertificateIssuer creates the holder (first access pending, no usable
// password) and one credential whose key is generated in the HSM, certified
// by the issuing CA and disabled. It must be idempotent for one order: a
// holder or credential an earlier, interrupted call made is reused.
type CertificateIssuer interface {
	IssueCertificate(ctx context.Context, r IssueRequest) (*IssuedCertificate, error)
}

// Subject derives the certificate's subject from the identification the
// officer approved: names and country from the chip; the semantics
// identifier TINIT-<tax code> when there is an Italian tax code (from the
// chip, confirmed by the applicant, or the details form, all checked
// against each other at identification), else PAS<country>-<number> for a
// passport or IDC<country>-<number> for an identity card.
func Subject(o *storage.Order, ident *storage.Identification) (IssueRequest, error) {
	if ident == nil || ident.Chip == nil {
		return IssueRequest{}, errs.E(errs.Internal, "no verified chip reading to issue from")
	}
	doc := ident.Chip.Document
	r := IssueRequest{Order: o.Number, UserID: o.UserID, GivenName: clean(doc["givenNames"]), Surname: clean(doc["surname"]),
		Country: strings.ToUpper(doc["issuingCountry"])}
	if o.Details != nil {
		r.Phone = o.Details.Mobile
	}
	if o.Request != nil {
		r.PINHash, r.PUKHash, r.ERCHash = o.Request.PINHash, o.Request.PUKHash, o.Request.ERCHash
	}
	taxCode := doc["taxCode"]
	if taxCode == "" && ident.Confirmed != nil {
		taxCode = ident.Confirmed.TaxCode
	}
	if taxCode == "" && o.Details != nil && o.Details.Italian {
		taxCode = o.Details.TaxCode
	}
	number := strings.ToUpper(strings.Trim(doc["documentNumber"], "< "))
	switch {
	case taxCode != "":
		r.SemanticsID = "TINIT-" + strings.ToUpper(taxCode)
	case len(r.Country) != 2 || number == "":
		return IssueRequest{}, errs.E(errs.Internal, "the chip reading names no issuing country or document number")
	case strings.HasPrefix(doc["documentCode"], "P") || (doc["documentCode"] == "" && ident.DocumentType == "PASSPORT"):
		r.SemanticsID = "PAS" + r.Country + "-" + number
	default:
		r.SemanticsID = "IDC" + r.Country + "-" + number
	}
	if r.GivenName == "" || r.Surname == "" || len(r.Country) != 2 {
		return IssueRequest{}, errs.E(errs.Internal, "the chip reading names no given name, surname or country")
	}
	return r, nil
}

// clean turns an MRZ-style name ("ANNA<MARIA") into words.
func clean(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "<", " ")), " ")
}

// personName is the name the envelope shows.
func personName(ident *storage.Identification) (given, surname string) {
	if ident == nil || ident.Chip == nil {
		return "", ""
	}
	return clean(ident.Chip.Document["givenNames"]), clean(ident.Chip.Document["surname"])
}

// Issue issues the certificate of an approved order and moves it to
// issued, then e-mails the contract and the envelope. It is idempotent: an
// issued order whose e-mails did not go out sends them; an approved order
// whose earlier issuance failed half way finishes it (the periodic job
// calls it for every approved order).
func (s *Service) Issue(ctx context.Context, number string) (*storage.Order, error) {
	if s.issuer == nil || s.contracts == nil || s.evidence == nil {
		return nil, errs.M(errs.NotImplemented, msg.ContractUnavailable)
	}
	// One issuance at a time in this process: the officer's approval and
	// the retry job must not both create a credential for one order.
	s.issuing.Lock()
	defer s.issuing.Unlock()
	o, err := s.store.Order(ctx, number)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.NotFound, msg.ShopOrderNotFound)
	}
	if err != nil {
		return nil, err
	}
	switch State(o.State) {
	case Approved:
	case Issued:
		if o.Issuance != nil && o.Issuance.MailedAt.IsZero() {
			return s.mailIssued(ctx, o)
		}
		return o, nil
	default:
		return nil, errs.M(errs.Conflict, msg.IssuanceState, StateName(o.State))
	}
	if o.Request == nil {
		return nil, errs.E(errs.Internal, "an approved order without a certificate request")
	}
	if v := s.cfg.ProofingValidity; v > 0 && s.now().Sub(o.IdentifiedAt) > v {
		// Too late for this identification: only a new one helps.
		if _, err := s.transition(ctx, number, RetryRequired, map[string]string{"reason": "proofing-expired"}, nil); err != nil {
			return nil, err
		}
		return nil, errs.M(errs.Conflict, msg.IssuanceState, StateName(string(RetryRequired)))
	}
	ident, err := s.completedIdentification(ctx, number)
	if err != nil {
		return nil, err
	}
	req, err := Subject(o, ident)
	if err != nil {
		return nil, err
	}
	c, err := s.store.Customer(ctx, o.CustomerID)
	if err != nil {
		return nil, err
	}
	req.Email, req.Lang = c.Email, langOf(c.Lang)
	got, err := s.issuer.IssueCertificate(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("issue the certificate of order %s: %w", number, err)
	}
	detail := map[string]string{"holder": got.HolderID, "credential": got.CredentialID, "serial": got.CertificateSerial}
	o, err = s.transition(ctx, number, Issued, detail, func(o *storage.Order) error {
		now := s.now().UTC()
		o.Issuance = &storage.Issuance{HolderID: got.HolderID, CredentialID: got.CredentialID, CertificateSerial: got.CertificateSerial,
			LevelOfProofing: ident.LevelOfProofing, At: now, ActivationDeadline: now.Add(s.cfg.ActivationDeadline)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.mailIssued(ctx, o)
}

func langOf(l string) string {
	if l == "it" {
		return "it"
	}
	return "en"
}

// mailIssued sends the two e-mails of an issued order once: the
// confirmation with the contract the applicant accepted, and the envelope
// (encrypted under the applicant's passphrase) in a second message, so
// that one intercepted e-mail does not carry both.
func (s *Service) mailIssued(ctx context.Context, o *storage.Order) (*storage.Order, error) {
	c, err := s.store.Customer(ctx, o.CustomerID)
	if err != nil {
		return nil, err
	}
	lang := langOf(c.Lang)
	r, is := o.Request, o.Issuance
	contract, err := s.contracts.Template(r.ContractVersion, r.ContractLang)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "contract template")
	}
	envelope, err := s.evidence.Open(ctx, r.Envelope.SHA256)
	if err != nil {
		return nil, err
	}
	deadline := is.ActivationDeadline.Format("2006-01-02")
	now := s.now().UTC()
	mails := []otp.Message{
		{ID: mailID(o.Number, "contract"), Time: now, Channel: "email", To: c.Email, Purpose: "enrol-issued",
			Subject: msg.Text(lang, msg.MailIssuedContractSubject),
			Text:    msg.Text(lang, msg.MailIssuedContract, o.UserID, o.Number, r.ContractVersion, deadline),
			Attachments: []otp.Attachment{{Name: "contract-" + r.ContractVersion + "-" + r.ContractLang + ".pdf",
				MediaType: "application/pdf", Data: contract.PDF}}},
		{ID: mailID(o.Number, "envelope"), Time: now, Channel: "email", To: c.Email, Purpose: "enrol-envelope",
			Subject:     msg.Text(lang, msg.MailIssuedEnvelopeSubject),
			Text:        msg.Text(lang, msg.MailIssuedEnvelope, r.EnvelopeNumber, o.UserID),
			Attachments: []otp.Attachment{{Name: "envelope-" + o.UserID + ".pdf", MediaType: "application/pdf", Data: envelope}}},
	}
	for _, m := range mails {
		if err := s.notify.Send(ctx, m); err != nil {
			return nil, errs.WrapM(err, errs.Unavailable, msg.IssuanceMail)
		}
	}
	var out *storage.Order
	err = s.store.UpdateOrder(ctx, o.Number, func(x *storage.Order) error {
		if x.Issuance != nil {
			x.Issuance.MailedAt = now
		}
		out = x
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, audit.Event{Type: "enrol.issued-mailed", Outcome: "ok", Detail: map[string]string{"order": o.Number, "envelope": r.EnvelopeNumber}})
	return out, nil
}

// mailID names an issuance e-mail (and the outbox's directory of its
// attachments).
func mailID(number, kind string) string { return strings.ReplaceAll(number, "-", "") + "-" + kind }

// IssuePending issues every approved order that has no certificate yet and
// sends the e-mails that did not go out: the retry for an issuance that
// failed after the approval (HSM, CA or mail relay down). It returns how
// many orders it finished and the first error.
func (s *Service) IssuePending(ctx context.Context) (int, error) {
	var pending []string
	collect := func(o *storage.Order) error {
		// An approved order without a request was approved before the
		// request step existed: there are no code hashes to issue from.
		if (State(o.State) == Approved && o.Request != nil) || (State(o.State) == Issued && o.Issuance != nil && o.Issuance.MailedAt.IsZero()) {
			pending = append(pending, o.Number)
		}
		return nil
	}
	// Only approved and issued orders can be pending: the store's state
	// index hands out those, not every order.
	for _, st := range []State{Approved, Issued} {
		if err := s.store.OrdersInState(ctx, string(st), collect); err != nil {
			return 0, err
		}
	}
	slices.Sort(pending) // number order, as a walk of every order gave
	var first error
	done := 0
	for _, n := range pending {
		if _, err := s.Issue(ctx, n); err != nil {
			s.log.WarnContext(ctx, "enrol: issuance still pending", "order", n, "err", err)
			if first == nil {
				first = err
			}
			continue
		}
		done++
	}
	return done, first
}
