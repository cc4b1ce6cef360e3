package sam

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// PINPolicy is shown to holders and enforced: 6 to 8 digits, not one digit
// repeated, not an ascending or descending run.
const PINPolicy = "6 to 8 digits; not all the same digit and not a sequence such as 123456"

// CheckPIN enforces PINPolicy.
func CheckPIN(pin string) error {
	if len(pin) < 6 || len(pin) > 8 || strings.Trim(pin, "0123456789") != "" {
		return errs.M(errs.InvalidRequest, msg.PINPolicy)
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	if same || up || down {
		return errs.M(errs.InvalidRequest, msg.PINGuessable)
	}
	return nil
}

// newDigits returns n random decimal digits (PUKs, emergency codes).
func newDigits(n int) (string, error) {
	var b strings.Builder
	for i := 0; i < n; i++ {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", errs.Internalf(err, "random digits")
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String(), nil
}

// NewCredential is a credential to create for a holder.
type NewCredential struct {
	HolderID    string
	PIN         string
	KeyType     hsm.KeyType
	Description string
}

// Created reports a new credential and its one-time secrets: the PUK and
// the emergency code are shown once (in the PIN/PUK envelope) and never
// again.
type Created struct {
	Credential *storage.Credential
	PUK        string
	ERC        string
}

// CreateCredential generates a key pair in the HSM, has the CA certify it
// and stores the credential with its PIN and PUK hashes.
func (s *Service) CreateCredential(ctx context.Context, nc NewCredential) (*Created, error) {
	if err := CheckPIN(nc.PIN); err != nil {
		return nil, err
	}
	if nc.KeyType == "" {
		nc.KeyType = hsm.ECP256
	}
	if _, err := hsm.ParseKeyType(string(nc.KeyType)); err != nil {
		return nil, err
	}
	h, err := s.store.Holder(ctx, nc.HolderID)
	if err != nil {
		return nil, err
	}
	id, err := secret.NewID()
	if err != nil {
		return nil, err
	}
	puk, err := newDigits(10)
	if err != nil {
		return nil, err
	}
	pinHash, err := secret.Hash(nc.PIN, s.cfg.Argon)
	if err != nil {
		return nil, err
	}
	pukHash, err := secret.Hash(puk, s.cfg.Argon)
	if err != nil {
		return nil, err
	}
	erc, ercHash, err := s.newERC()
	if err != nil {
		return nil, err
	}
	c := &storage.Credential{
		ID: id, HolderID: h.ID, KeyType: string(nc.KeyType),
		KeyEnabled: true, Description: nc.Description, Multisign: s.cfg.Multisign,
		PINHash: pinHash, PUKHash: pukHash, ERCHash: ercHash,
	}
	if err := s.generateAndCertify(ctx, h, c); err != nil {
		return nil, err
	}
	return &Created{Credential: c, PUK: puk, ERC: erc}, nil
}

// generateAndCertify generates c's key in the HSM, has the CA certify it
// and stores c: the steps every new credential shares. Nothing is left
// behind when a step fails: no key without a certificate, no certified key
// without its credential.
func (s *Service) generateAndCertify(ctx context.Context, h *storage.Holder, c *storage.Credential) error {
	kt := hsm.KeyType(c.KeyType)
	// A key event: on record before the HSM generates the key, or not at all.
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "credential.create", Holder: h.ID, Credential: c.ID, Detail: map[string]string{"key": c.KeyType}}); err != nil {
		return err
	}
	ref, pub, err := s.keys.Generate(ctx, kt, "credential "+c.ID)
	if err != nil {
		return err
	}
	chain, err := s.issuer.IssueHolderCertificate(ctx, h, c.ID, pub)
	if err != nil {
		// Never leave an uncertified key behind in the HSM.
		if derr := s.keys.Destroy(ctx, ref); derr != nil {
			s.log.ErrorContext(ctx, "destroy key after failed issuance", "key", ref, "err", derr)
		}
		return err
	}
	c.KeyRef, c.CreatedAt = string(ref), s.now()
	for _, cert := range chain {
		c.Certificates = append(c.Certificates, cert.Raw)
	}
	if err := s.store.CreateCredential(ctx, c); err != nil {
		_ = s.keys.Destroy(ctx, ref)
		return err
	}
	s.record(ctx, audit.Event{Type: "credential.create", Holder: h.ID, Credential: c.ID, Outcome: "ok",
		Detail: map[string]string{"key": c.KeyType, "serial": fmt.Sprintf("%x", chain[0].SerialNumber), "keyEnabled": fmt.Sprint(c.KeyEnabled)}})
	return nil
}

// HashedCredential is a credential whose PIN, PUK and emergency code were
// drawn elsewhere (the enrolment's envelope) and arrive as argon2id hashes.
type HashedCredential struct {
	HolderID                  string
	PINHash, PUKHash, ERCHash string
	KeyType                   hsm.KeyType
	Description               string
}

// CreateCredentialFromHashes generates a key pair in the HSM, has the CA
// certify it and stores the credential with the given hashes and its key
// DISABLED: the holder enables it at activation, after changing the
// envelope's PIN. No secret passes through here in clear.
func (s *Service) CreateCredentialFromHashes(ctx context.Context, hc HashedCredential) (*storage.Credential, error) {
	if hc.KeyType == "" {
		hc.KeyType = hsm.ECP256
	}
	if _, err := hsm.ParseKeyType(string(hc.KeyType)); err != nil {
		return nil, err
	}
	for _, h := range []string{hc.PINHash, hc.PUKHash, hc.ERCHash} {
		if !strings.HasPrefix(h, "$argon2id$") {
			return nil, errs.E(errs.Internal, "a credential from hashes needs argon2id hashes of the PIN, PUK and emergency code")
		}
	}
	h, err := s.store.Holder(ctx, hc.HolderID)
	if err != nil {
		return nil, err
	}
	id, err := secret.NewID()
	if err != nil {
		return nil, err
	}
	c := &storage.Credential{
		ID: id, HolderID: h.ID, KeyType: string(hc.KeyType), KeyEnabled: false, Description: hc.Description,
		Multisign: s.cfg.Multisign, PINHash: hc.PINHash, PUKHash: hc.PUKHash, ERCHash: hc.ERCHash,
	}
	if err := s.generateAndCertify(ctx, h, c); err != nil {
		return nil, err
	}
	return c, nil
}

// View is what the CSC API reports about a credential.
type View struct {
	ID          string
	Description string
	KeyEnabled  bool
	KeyAlgos    []string
	KeyLen      int
	Curve       string
	CertState   CertState
	Chain       []*x509.Certificate
	Multisign   int
	PINBlocked  bool
}

// Usable reports whether the credential can sign now.
func (v *View) Usable() bool {
	return v.KeyEnabled && v.CertState == CertValid && !v.PINBlocked
}

// parsedChains caches parsed chains by leaf DER: parsing on every signHash
// would cost more than the bookkeeping around the HSM call.
var parsedChains sync.Map // string(leaf DER) -> []*x509.Certificate

// ChainOf parses the credential's certificate chain, signer first (cached
// per leaf: the stored chain changes only by replacing the leaf).
func ChainOf(c *storage.Credential) ([]*x509.Certificate, error) {
	if len(c.Certificates) == 0 {
		return nil, errs.Ef(errs.Internal, "credential %s has no certificate", c.ID)
	}
	cacheKey := string(c.Certificates[0])
	if v, ok := parsedChains.Load(cacheKey); ok {
		return v.([]*x509.Certificate), nil
	}
	chain := make([]*x509.Certificate, 0, len(c.Certificates))
	for _, der := range c.Certificates {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, errs.Internalf(err, "parse certificate of credential %s", c.ID)
		}
		chain = append(chain, cert)
	}
	parsedChains.Store(cacheKey, chain)
	return chain, nil
}

func (s *Service) view(ctx context.Context, c *storage.Credential) (*View, error) {
	chain, err := ChainOf(c)
	if err != nil {
		return nil, err
	}
	state, err := s.issuer.CertificateState(ctx, chain[0], s.now())
	if err != nil {
		return nil, err
	}
	pub := chain[0].PublicKey
	klen, curve := keyLenAndCurve(pub)
	return &View{
		ID: c.ID, Description: c.Description, KeyEnabled: c.KeyEnabled,
		KeyAlgos: keyAlgos(pub), KeyLen: klen, Curve: curve,
		CertState: state, Chain: chain, Multisign: c.Multisign, PINBlocked: c.PINBlocked,
	}, nil
}

// owned loads a credential and checks it is the holder's. Someone else's
// credential is reported exactly like a missing one.
func (s *Service) owned(ctx context.Context, holderID, credentialID string) (*storage.Credential, error) {
	c, err := s.store.Credential(ctx, credentialID)
	if errs.Is(err, errs.NotFound) || (err == nil && c.HolderID != holderID) {
		return nil, errs.M(errs.NotFound, msg.UnknownCredential)
	}
	return c, err
}

// Owned returns the holder's credential; one that does not exist or is
// someone else's is NotFound, with the same answer for both.
func (s *Service) Owned(ctx context.Context, holderID, credentialID string) (*storage.Credential, error) {
	return s.owned(ctx, holderID, credentialID)
}

// CheckOwner refuses a credential that does not exist or is not the
// holder's, with the same answer for both.
func (s *Service) CheckOwner(ctx context.Context, holderID, credentialID string) error {
	_, err := s.owned(ctx, holderID, credentialID)
	return err
}

// List returns the holder's credentials, optionally only those that can sign.
func (s *Service) List(ctx context.Context, holderID string, onlyValid bool) ([]*View, error) {
	creds, err := s.store.CredentialsOf(ctx, holderID)
	if err != nil {
		return nil, err
	}
	out := make([]*View, 0, len(creds))
	for _, c := range creds {
		v, err := s.view(ctx, c)
		if err != nil {
			return nil, err
		}
		if onlyValid && !v.Usable() {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

// Info returns one of the holder's credentials.
func (s *Service) Info(ctx context.Context, holderID, credentialID string) (*View, error) {
	c, err := s.owned(ctx, holderID, credentialID)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, c)
}

// usable refuses credentials that must not sign, with the CSC texts.
func usable(c *storage.Credential, v *View) error {
	if !c.KeyEnabled {
		return errs.M(errs.CredentialUnusable, msg.CredentialDisabled)
	}
	switch v.CertState {
	case CertValid:
		return nil
	case CertExpired:
		return errs.M(errs.CredentialUnusable, msg.CertExpired)
	case CertRevoked:
		return errs.M(errs.CredentialUnusable, msg.CertRevoked)
	case CertSuspended:
		return errs.M(errs.CredentialUnusable, msg.CertSuspended)
	default:
		return errs.M(errs.CredentialUnusable, msg.CertNotYetValid)
	}
}

// publicKey is the credential's public key (from its certificate).
func publicKey(chain []*x509.Certificate) crypto.PublicKey { return chain[0].PublicKey }

// ERCDigits is the length of an emergency code (package lifecycle checks
// it; the code is made here, with the credential).
const ERCDigits = 12

func (s *Service) newERC() (code, hash string, err error) {
	if code, err = newDigits(ERCDigits); err != nil {
		return "", "", err
	}
	if hash, err = secret.Hash(code, s.cfg.Argon); err != nil {
		return "", "", err
	}
	return code, hash, nil
}
