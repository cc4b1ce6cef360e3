package activation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// awaiting is an issued order whose credential waits for activation.
type awaiting struct {
	order        *storage.Order
	credentialID string
}

// awaitingOf finds the holder's issued order (NotFound when none). Orders
// awaiting activation are the issued ones, which the store's state index
// hands out without walking every order.
func (s *Service) awaitingOf(ctx context.Context, holderID string) (*awaiting, error) {
	var found *storage.Order
	err := s.d.Store.OrdersInState(ctx, stateIssued, func(o *storage.Order) error {
		if o.State == stateIssued && o.Issuance != nil && o.Issuance.HolderID == holderID && found == nil {
			found = o
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, errs.M(errs.NotFound, msg.ActivationNone)
	}
	return &awaiting{order: found, credentialID: found.Issuance.CredentialID}, nil
}

// Pending is what the activation page shows.
type Pending struct {
	OrderNumber     string
	CredentialID    string
	ContractVersion string
	ContractLang    string
	Deadline        time.Time
}

// Pending reports the holder's credential awaiting activation, or NotFound.
func (s *Service) Pending(ctx context.Context, holderID string) (*Pending, error) {
	a, err := s.awaitingOf(ctx, holderID)
	if err != nil {
		return nil, err
	}
	p := &Pending{OrderNumber: a.order.Number, CredentialID: a.credentialID, Deadline: a.order.Issuance.ActivationDeadline}
	if r := a.order.Request; r != nil {
		p.ContractVersion, p.ContractLang = r.ContractVersion, r.ContractLang
	}
	return p, nil
}

// Contract returns the contract the holder accepted, checked against the
// hash recorded at the request: the holder signs exactly that text.
func (s *Service) Contract(ctx context.Context, holderID string) ([]byte, error) {
	a, err := s.awaitingOf(ctx, holderID)
	if err != nil {
		return nil, err
	}
	return s.contractOf(a.order)
}

func (s *Service) contractOf(o *storage.Order) ([]byte, error) {
	contracts := s.d.Contracts
	if contracts == nil || o.Request == nil {
		return nil, errs.M(errs.Unavailable, msg.ActivationContractUnset)
	}
	pdf, err := contracts(o.Request.ContractVersion, o.Request.ContractLang)
	if err != nil {
		return nil, fmt.Errorf("contract %s/%s of order %s: %w", o.Request.ContractVersion, o.Request.ContractLang, o.Number, err)
	}
	sum := sha256.Sum256(pdf)
	if !strings.EqualFold(hex.EncodeToString(sum[:]), o.Request.ContractSHA256) {
		s.d.Log.Error("contract template differs from the accepted one", "order", o.Number, "version", o.Request.ContractVersion)
		return nil, errs.M(errs.Unavailable, msg.ActivationContract)
	}
	return pdf, nil
}

// SendCode sends the SMS code that confirms the activation.
func (s *Service) SendCode(ctx context.Context, holderID string) error {
	a, err := s.awaitingOf(ctx, holderID)
	if err != nil {
		return err
	}
	return s.d.SAM.SendActivationOTP(ctx, holderID, a.credentialID)
}

// Request is the activation form.
type Request struct {
	HolderID    string
	EnvelopePIN string
	NewPIN      string
	ConfirmPIN  string
	OTP         string
}

// Result is a completed activation.
type Result struct {
	OrderNumber    string
	CredentialID   string
	SignedContract storage.EvidenceRef
	ActivatedAt    time.Time
}

// Activate checks the new PIN against the policy, has the module check the
// SMS code and the envelope PIN (each counted) and set the new PIN, signs
// the contract with the new key (PAdES B-T: prepare, the SAD bound to the
// signed attributes' digest, sign, finish with qes's time-stamp), keeps the
// signed contract as evidence, and only then enables the key and moves the
// order issued -> active. The holder gets the signed contract by e-mail.
func (s *Service) Activate(ctx context.Context, r Request) (*Result, error) {
	if strings.TrimSpace(r.EnvelopePIN) == "" {
		return nil, errs.M(errs.InvalidRequest, msg.ActivationEnterPIN)
	}
	if r.NewPIN != r.ConfirmPIN {
		return nil, errs.M(errs.InvalidRequest, msg.PINConfirmDiffers)
	}
	if err := sam.CheckPIN(r.NewPIN); err != nil {
		return nil, err
	}
	a, err := s.awaitingOf(ctx, r.HolderID)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	if !now.Before(a.order.Issuance.ActivationDeadline) {
		return nil, errs.M(errs.Conflict, msg.ActivationDeadline)
	}
	pdf, err := s.contractOf(a.order)
	if err != nil {
		return nil, err
	}
	cred, err := s.d.Store.Credential(ctx, a.credentialID)
	if err != nil {
		return nil, err
	}
	// The envelope's PIN must not sign: the new PIN differs from it, unless
	// an earlier attempt already replaced it (the credential's PIN is no
	// longer the envelope's) and the holder retries with the PIN set then.
	if r.NewPIN == strings.TrimSpace(r.EnvelopePIN) && (a.order.Request == nil || cred.PINHash == a.order.Request.PINHash) {
		return nil, errs.M(errs.InvalidRequest, msg.PINUnchanged)
	}
	chain, err := sam.ChainOf(cred)
	if err != nil {
		return nil, err
	}
	// Everything that can fail on the document fails here, before any
	// factor is checked or the PIN changed.
	prepared, err := pades.Prepare(ctx, bytes.NewReader(pdf), int64(len(pdf)), chain, pades.Options{
		Level: pades.LevelBT, Hash: crypto.SHA256, Time: now, Timestamper: s.d.Timestamper,
		Reason: "Contract accepted and signed at activation", FieldName: "HolderActivation",
	})
	if err != nil {
		return nil, fmt.Errorf("prepare the contract of order %s: %w", a.order.Number, err)
	}
	digest := prepared.Digest()
	hashOID := sam.HashOID(crypto.SHA256)
	sad, err := s.d.SAM.AuthorizeActivation(ctx, sam.ActivationAuthorization{
		HolderID: r.HolderID, CredentialID: a.credentialID, EnvelopePIN: strings.TrimSpace(r.EnvelopePIN),
		NewPIN: r.NewPIN, OTP: strings.TrimSpace(r.OTP), HashAlgorithm: hashOID, Hash: digest,
	})
	if err != nil {
		return nil, err
	}
	signed, err := s.sign(ctx, r.HolderID, a.credentialID, sad, hashOID, digest, prepared)
	if err != nil {
		s.d.Log.ErrorContext(ctx, "activation signature", "order", a.order.Number, "err", err)
		return nil, errs.WrapM(err, errs.Unavailable, msg.ActivationNotSigned)
	}
	ref, err := s.d.Evidence.Put(ctx, signed, "application/pdf")
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.ActivationNotSigned)
	}
	// The contract is signed and kept: now, and only now, the key signs
	// for the holder.
	if err := s.d.SAM.EnableKey(ctx, r.HolderID, a.credentialID); err != nil {
		return nil, err
	}
	o, err := s.d.Orders.MarkActive(ctx, a.order.Number, now, ref)
	if err != nil {
		return nil, err
	}
	s.mailSigned(ctx, r.HolderID, o, signed, now)
	return &Result{OrderNumber: o.Number, CredentialID: a.credentialID, SignedContract: ref, ActivatedAt: now.UTC()}, nil
}

// sign makes the signature value through the module and completes the
// PAdES signature with the time-stamp.
func (s *Service) sign(ctx context.Context, holderID, credentialID, sad, hashOID string, digest []byte, p *pades.Prepared) ([]byte, error) {
	sig, err := s.d.SAM.SignActivation(ctx, holderID, credentialID, sad, hashOID, digest, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if _, err := p.Finish(ctx, &out, sig); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// mailSigned e-mails the signed contract to the holder; the activation is
// committed, so a failure is logged.
func (s *Service) mailSigned(ctx context.Context, holderID string, o *storage.Order, signed []byte, at time.Time) {
	if s.d.Notify == nil {
		return
	}
	h, err := s.d.Store.Holder(ctx, holderID)
	if err != nil {
		s.d.Log.WarnContext(ctx, "activation mail: load holder", "holder", holderID, "err", err)
		return
	}
	name := msg.Text(h.Lang, "mail.activation-attachment")
	text := "qes: " + msg.Text(h.Lang, msg.MailActivated, o.Issuance.CredentialID, o.Number, at.UTC().Format("2006-01-02 15:04 UTC"), name)
	m := otp.Message{Time: at.UTC(), Channel: "email", To: h.Email, Purpose: "activation-done", Text: text,
		Attachments: []otp.Attachment{{Name: name, MediaType: "application/pdf", Data: signed}}}
	if err := s.d.Notify.Send(ctx, m); err != nil {
		s.d.Log.WarnContext(ctx, "activation mail not delivered", "order", o.Number, "err", err)
	}
}
