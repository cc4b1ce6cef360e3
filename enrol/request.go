package enrol

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// The certificate request (ENROLMENT.md 6.6, 6.7): after identification
// the applicant accepts the contract, approves its clauses and chooses the
// passphrase of the PIN/PUK/ERC envelope. The codes exist in clear only in
// this process's memory while the envelope is built; only their argon2id
// hashes and the envelope (encrypted under the passphrase, and again at
// rest) are kept.

// Contract is one version of the contract in one language, served
// byte-exact.
type Contract struct {
	Version string
	Lang    string
	PDF     []byte
	SHA256  string // hex, of PDF
}

// Contracts are the versioned contract templates (package contract).
type Contracts interface {
	// Current is the version applicants accept now.
	Current() string
	// Template is one version in one language ("it", "en").
	Template(version, lang string) (*Contract, error)
}

// Codes are the envelope's secrets: PIN (8 digits, sam's PIN policy), PUK
// (10 digits) and emergency code (12 digits).
type Codes struct{ PIN, PUK, ERC string }

// EnvelopeData is what the envelope PDF shows.
type EnvelopeData struct {
	UserID, EnvelopeNumber, Lang string
	GivenName, Surname           string
	Codes                        Codes
	IssuedAt                     time.Time
}

// Envelopes make the PIN/PUK/ERC envelope (package envelope).
type Envelopes interface {
	// Generate draws new codes.
	Generate() (Codes, error)
	// CheckPassphrase enforces the passphrase policy (at least min
	// characters, not a known weak one); its refusal is caller-facing.
	CheckPassphrase(passphrase string, min int) error
	// Build returns the envelope PDF encrypted under the passphrase
	// (PDF 2.0, AES-256, revision 6).
	Build(d EnvelopeData, passphrase string) ([]byte, error)
}

// Evidence keeps evidence files encrypted at rest (package evidence).
type Evidence interface {
	Put(ctx context.Context, data []byte, mediaType string) (storage.EvidenceRef, error)
	Open(ctx context.Context, sha256hex string) ([]byte, error)
}

// ContractLangs are the languages a contract exists in.
var ContractLangs = []string{"it", "en"}

// CurrentContract returns the current contract in lang (the applicant's
// language when lang is empty).
func (s *Service) CurrentContract(ctx context.Context, customerID, number, lang string) (*Contract, error) {
	if s.contracts == nil {
		return nil, errs.M(errs.NotImplemented, msg.ContractUnavailable)
	}
	if _, err := s.Order(ctx, customerID, number); err != nil {
		return nil, err
	}
	if lang == "" {
		if c, err := s.store.Customer(ctx, customerID); err == nil && c.Lang == "it" {
			lang = "it"
		} else {
			lang = "en"
		}
	}
	if lang != "it" && lang != "en" {
		return nil, errs.M(errs.InvalidRequest, msg.ContractLang)
	}
	c, err := s.contracts.Template(s.contracts.Current(), lang)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "contract template")
	}
	return c, nil
}

// RequestInput is the applicant's certificate request as the app sends it,
// with what the edge knows about the call.
type RequestInput struct {
	ContractSHA256 string
	// AcceptContract and ApproveClauses are the two flags; nil is a flag
	// the app did not send.
	AcceptContract *bool
	ApproveClauses *bool
	Passphrase     string
	IP             string
	DeviceID       string
	DeviceJKT      string // RFC 7638 thumbprint of the DPoP key
}

// RequestCertificate records the applicant's acceptance of the contract and
// makes the PIN/PUK/ERC envelope, then moves the order from identified to
// requested in one transaction: the acceptance record, the code hashes and
// the envelope's reference are committed together, before any officer can
// approve and anything is issued. A stale or unknown contract hash is a
// Conflict; a missing flag or a passphrase outside the policy an
// InvalidRequest naming it.
func (s *Service) RequestCertificate(ctx context.Context, customerID, number string, in RequestInput) (*storage.Order, error) {
	if s.contracts == nil || s.envelopes == nil || s.evidence == nil {
		return nil, errs.M(errs.NotImplemented, msg.ContractUnavailable)
	}
	o, err := s.Order(ctx, customerID, number)
	if err != nil {
		return nil, err
	}
	if State(o.State) != Identified {
		return nil, errs.M(errs.Conflict, msg.RequestState, StateName(o.State))
	}
	if o.UserID == "" {
		return nil, errs.E(errs.Internal, "an identified order without a UserID")
	}
	for _, f := range []struct {
		name string
		v    *bool
	}{{"acceptContract", in.AcceptContract}, {"approveClauses", in.ApproveClauses}} {
		if f.v == nil || !*f.v {
			return nil, errs.M(errs.InvalidRequest, msg.RequestFlag, f.name)
		}
	}
	contract, err := s.acceptedContract(in.ContractSHA256)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Passphrase) < s.cfg.PassphraseMin {
		return nil, errs.M(errs.InvalidRequest, msg.RequestPassphrase, s.cfg.PassphraseMin)
	}
	if err := s.envelopes.CheckPassphrase(in.Passphrase, s.cfg.PassphraseMin); err != nil {
		return nil, err
	}
	ident, err := s.completedIdentification(ctx, number)
	if err != nil {
		return nil, err
	}
	given, surname := personName(ident)
	lang := contract.Lang

	codes, err := s.envelopes.Generate()
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "envelope codes")
	}
	req := &storage.CertificateRequest{
		ContractVersion: contract.Version, ContractSHA256: contract.SHA256, ContractLang: lang,
		AcceptContract: true, ApproveClauses: true, At: s.now().UTC(), IP: in.IP, DeviceID: in.DeviceID, DeviceJKT: in.DeviceJKT,
	}
	for _, h := range []struct {
		code string
		dst  *string
	}{{codes.PIN, &req.PINHash}, {codes.PUK, &req.PUKHash}, {codes.ERC, &req.ERCHash}} {
		if *h.dst, err = secret.Hash(h.code, s.cfg.Argon); err != nil {
			return nil, err
		}
	}
	if req.EnvelopeNumber, err = envelopeNumber(); err != nil {
		return nil, err
	}
	pdf, err := s.envelopes.Build(EnvelopeData{UserID: o.UserID, EnvelopeNumber: req.EnvelopeNumber, Lang: lang,
		GivenName: given, Surname: surname, Codes: codes, IssuedAt: req.At}, in.Passphrase)
	codes = Codes{}
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "build the envelope")
	}
	// The envelope is evidence before the order says it exists; an order
	// that then fails to move leaves an unreferenced file, encrypted twice.
	if req.Envelope, err = s.evidence.Put(ctx, pdf, "application/pdf"); err != nil {
		return nil, err
	}
	detail := map[string]string{"contractVersion": contract.Version, "contractSha256": contract.SHA256, "lang": lang,
		"envelope": req.EnvelopeNumber, "device": in.DeviceID}
	return s.transition(ctx, number, Requested, detail, func(o *storage.Order) error {
		if o.CustomerID != customerID {
			return errs.M(errs.NotFound, msg.ShopOrderNotFound)
		}
		o.Request = req
		return nil
	})
}

// acceptedContract finds the current contract, in either language, whose
// SHA-256 the applicant sent: a hash of an older version, or of nothing
// qes served, is a Conflict (download it again).
func (s *Service) acceptedContract(sha string) (*Contract, error) {
	sha = strings.ToLower(strings.TrimSpace(sha))
	current := s.contracts.Current()
	for _, lang := range ContractLangs {
		c, err := s.contracts.Template(current, lang)
		if err != nil {
			return nil, errs.Wrap(err, errs.Internal, "contract template")
		}
		if len(sha) == len(c.SHA256) && subtle.ConstantTimeCompare([]byte(sha), []byte(strings.ToLower(c.SHA256))) == 1 {
			return c, nil
		}
	}
	return nil, errs.M(errs.Conflict, msg.RequestContractHash)
}

// completedIdentification is the order's identification completed last:
// the one the officer reviews and the certificate's subject comes from.
func (s *Service) completedIdentification(ctx context.Context, number string) (*storage.Identification, error) {
	idents, err := s.store.IdentificationsOf(ctx, number)
	if err != nil {
		return nil, err
	}
	var last *storage.Identification
	for _, i := range idents {
		if i.State == storage.IdentificationCompleted && i.Chip != nil {
			last = i
		}
	}
	if last == nil {
		return nil, errs.E(errs.Internal, "an identified order has no completed identification")
	}
	return last, nil
}

// envelopeNumber is the envelope's printed number: 12 random digits in
// groups of four, a reference for support that reveals nothing.
func envelopeNumber() (string, error) {
	var b strings.Builder
	for i := 0; i < 12; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", errs.Internalf(err, "envelope number")
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String(), nil
}
