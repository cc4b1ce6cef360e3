package sam

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// SignRequest is a signatures/signHash call.
type SignRequest struct {
	Principal      *authn.Principal
	CredentialID   string
	SAD            string // empty when the access token has credential scope
	Hashes         []string
	HashAlgorithm  string
	SignAlgo       string
	SignAlgoParams string
}

// SignHash signs raw digests with the credential's key. Before the HSM is
// touched, an intent record is in the audit log and the SAD's use is
// committed; if either write fails nothing is signed.
func (s *Service) SignHash(ctx context.Context, r SignRequest) ([]string, error) {
	p := r.Principal
	sadKey, err := s.resolveSAD(p, r.SAD)
	if err != nil {
		return nil, err
	}
	c, err := s.owned(ctx, p.HolderID, r.CredentialID)
	if err != nil {
		return nil, err
	}
	if len(r.Hashes) == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.EmptyHashes)
	}
	if len(r.Hashes) > c.Multisign {
		return nil, errs.M(errs.InvalidRequest, msg.TooManySignatures)
	}
	// From the usability check to the HSM's answer no suspension or
	// revocation of this credential can commit (see signingGate).
	release := s.gate.hold(c.ID, false)
	defer release()
	v, err := s.view(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := usable(c, v); err != nil {
		return nil, err
	}
	params, err := ResolveSignAlgo(publicKey(v.Chain), r.SignAlgo, r.HashAlgorithm, r.SignAlgoParams)
	if err != nil {
		return nil, err
	}
	hashes, _, err := normalizeHashes(r.Hashes, HashOID(params.Hash))
	if err != nil {
		return nil, err
	}
	digests := make([][]byte, len(hashes))
	for i, h := range hashes {
		digests[i], _ = base64.StdEncoding.DecodeString(h) // normalized above
	}

	intent := audit.Event{Type: "signature.intent", Holder: p.HolderID, Credential: c.ID, Client: p.ClientID,
		Detail: map[string]string{"count": fmt.Sprint(len(hashes)), "signAlgo": r.SignAlgo, "hashes": hashesFingerprint(digests)}}
	result := audit.Event{Type: "signature.result", Holder: p.HolderID, Credential: c.ID, Client: p.ClientID, Detail: intent.Detail}

	// The intent and the SAD's use are durable together, in one commit
	// shared with the concurrent requests, before the HSM signs (see
	// relay.go).
	if err := s.useSAD(ctx, sadKey, p.HolderID, c, v.Chain[0], HashOID(params.Hash), hashes, intent); err != nil {
		result.Outcome = "denied"
		result.Detail = map[string]string{"reason": errs.KindOf(err).String()}
		s.record(ctx, result)
		return nil, err
	}
	signer, err := s.keys.Signer(ctx, hsm.KeyRef(c.KeyRef))
	if err != nil {
		result.Outcome = "error"
		s.record(ctx, result)
		return nil, err
	}
	sigs := make([]string, len(digests))
	for i, d := range digests {
		sig, err := signer.Sign(rand.Reader, d, params.Opts)
		if err != nil {
			result.Outcome = "error"
			s.record(ctx, result)
			return nil, errs.WrapM(err, errs.Unavailable, msg.HSMCouldNotSign)
		}
		sigs[i] = base64.StdEncoding.EncodeToString(sig)
	}
	// The intent is on record already; the result and the holder's
	// signing history need not hold the response back (failures to write
	// them are logged).
	result.Outcome = "ok"
	signedAt := s.now()
	// After its intent, which the relay queued before the HSM signed.
	s.audit.AppendRelayed(result, nil)
	if s.history != nil {
		s.history.Signed(context.WithoutCancel(ctx), p.HolderID, c.ID, p.ClientID, len(sigs), nil, signedAt)
	}
	return sigs, nil
}

// resolveSAD picks the SAD record: from the SAD parameter, or from a
// credential-scope token. Both at once is ambiguous and refused.
func (s *Service) resolveSAD(p *authn.Principal, sad string) ([]byte, error) {
	switch {
	case sad != "" && p.SADKey != nil:
		return nil, errs.M(errs.InvalidRequest, msg.SADTwice)
	case p.SADKey != nil:
		return p.SADKey, nil
	case sad == "":
		return nil, errs.M(errs.InvalidRequest, msg.MissingParam, "string", "SAD")
	case len(sad) != 43:
		return nil, errs.M(errs.InvalidSAD, msg.InvalidParam, "SAD")
	}
	return s.sadKey(sad)
}

// consumeSAD removes the hashes about to be signed from the SAD's multiset,
// committing before the caller signs. The store commits concurrent
// requests' uses together (group commit) and may run the closure more
// than once: it decides from the SAD it is given and the request alone.
func (s *Service) consumeSAD(ctx context.Context, key []byte, holderID, credentialID, hashOID string, hashes []string) error {
	err := s.store.UpdateSAD(ctx, key, s.takeHashes(holderID, credentialID, hashOID, hashes))
	if errs.Is(err, errs.NotFound) {
		return errs.M(errs.InvalidSAD, msg.InvalidParam, "SAD")
	}
	return err
}

// useSAD is consumeSAD writing the signature's intent in the same
// transaction (the audit outbox, see relay.go), which also checks again
// that the credential and its certificate (leaf, as checked before the
// call) can sign: a change committed by another node since that check
// refuses the use.
func (s *Service) useSAD(ctx context.Context, key []byte, holderID string, c *storage.Credential, leaf *x509.Certificate, hashOID string, hashes []string, intent audit.Event) error {
	take := s.takeHashes(holderID, c.ID, hashOID, hashes)
	now := s.now()
	check := func(sad *storage.SAD, cred *storage.Credential, cert *storage.Certificate) error {
		if cred.HolderID != holderID || len(cred.Certificates) == 0 || !bytes.Equal(cred.Certificates[0], c.Certificates[0]) {
			// Renewed (or replaced) since the request began: the SAD was
			// for the old certificate.
			return errs.M(errs.InvalidSAD, msg.InvalidParam, "SAD")
		}
		if err := usable(cred, &View{CertState: s.issuer.CertificateStateOf(leaf, cert, now)}); err != nil {
			return err
		}
		return take(sad)
	}
	err := s.outboxIntent(ctx, storage.SADUse{Key: key, CredentialID: c.ID, CertificateSerial: s.issuer.RegisterKey(leaf), Check: check}, intent)
	if errs.Is(err, errs.NotFound) {
		return errs.M(errs.InvalidSAD, msg.InvalidParam, "SAD")
	}
	return err
}

// takeHashes is the SAD change of a signature: the hashes leave the
// multiset, or nothing changes and the use is refused.
func (s *Service) takeHashes(holderID, credentialID, hashOID string, hashes []string) func(*storage.SAD) error {
	now := s.now()
	return func(sad *storage.SAD) error {
		if err := checkSADOwner(sad, holderID, credentialID, now); err != nil {
			return err
		}
		if sad.HashAlgorithm != hashOID || len(hashes) > sad.Remaining {
			return errs.M(errs.HashNotAuthorized, msg.HashNotAuthorized)
		}
		left := append([]string(nil), sad.Hashes...)
		for _, h := range hashes {
			i := indexOf(left, h)
			if i < 0 {
				return errs.M(errs.HashNotAuthorized, msg.HashNotAuthorized)
			}
			left = append(left[:i], left[i+1:]...)
		}
		sad.Hashes = left
		sad.Remaining -= len(hashes)
		return nil
	}
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

// hashesFingerprint identifies the batch in the audit log without listing
// every digest.
func hashesFingerprint(digests [][]byte) string {
	h := sha256.New()
	for _, d := range digests {
		h.Write(d)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
