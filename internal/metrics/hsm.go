package metrics

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
)

// HSM times every operation on the token and counts the failures, by
// operation: generate, signer (finding a key), sign, destroy, attributes,
// mac_key, sealer, mac, seal, open. A missing key found by Signer or
// Destroy is an answer, not a token error, and is not counted as one.
func (m *Metrics) HSM(inner hsm.Manager) hsm.Manager { return &manager{Manager: inner, m: m} }

// SigningKeys is the key manager handed to the signature activation
// module: every signature made through it is counted by algorithm. The
// count sits here rather than in sam because sam must not know Prometheus,
// and every holder signature (signHash, signDoc, activation) goes through
// the Signer sam obtains from its key manager.
func (m *Metrics) SigningKeys(inner hsm.KeyManager) hsm.KeyManager {
	return &signingKeys{KeyManager: inner, m: m}
}

func (m *Metrics) observeHSM(op string, start time.Time, err error) {
	m.hsmDuration.WithLabelValues(op).Observe(since(start))
	if err != nil {
		m.hsmErrors.WithLabelValues(op).Inc()
	}
}

type manager struct {
	hsm.Manager
	m *Metrics
}

func (w *manager) Generate(ctx context.Context, kt hsm.KeyType, label string) (hsm.KeyRef, crypto.PublicKey, error) {
	start := time.Now()
	ref, pub, err := w.Manager.Generate(ctx, kt, label)
	w.m.observeHSM("generate", start, err)
	return ref, pub, err
}

func (w *manager) Signer(ctx context.Context, ref hsm.KeyRef) (crypto.Signer, error) {
	start := time.Now()
	s, err := w.Manager.Signer(ctx, ref)
	w.m.observeHSM("signer", start, tokenErr(err))
	if err != nil {
		return nil, err
	}
	return &timedSigner{Signer: s, m: w.m}, nil
}

func (w *manager) Destroy(ctx context.Context, ref hsm.KeyRef) error {
	start := time.Now()
	err := w.Manager.Destroy(ctx, ref)
	w.m.observeHSM("destroy", start, err)
	return err
}

func (w *manager) KeyAttributes(ctx context.Context, ref hsm.KeyRef) (hsm.Attributes, error) {
	start := time.Now()
	a, err := w.Manager.KeyAttributes(ctx, ref)
	w.m.observeHSM("attributes", start, tokenErr(err))
	return a, err
}

func (w *manager) MACKey(ctx context.Context, name string) (hsm.MAC, error) {
	start := time.Now()
	k, err := w.Manager.MACKey(ctx, name)
	w.m.observeHSM("mac_key", start, err)
	if err != nil {
		return nil, err
	}
	return &timedMAC{MAC: k, m: w.m}, nil
}

func (w *manager) Sealer(ctx context.Context, name string) (hsm.Sealer, error) {
	start := time.Now()
	s, err := w.Manager.Sealer(ctx, name)
	w.m.observeHSM("sealer", start, err)
	if err != nil {
		return nil, err
	}
	return &timedSealer{Sealer: s, m: w.m}, nil
}

// tokenErr drops the not-found answer, which is the token working.
func tokenErr(err error) error {
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	return err
}

type timedSigner struct {
	crypto.Signer
	m *Metrics
}

func (s *timedSigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	start := time.Now()
	sig, err := s.Signer.Sign(rand, digest, opts)
	s.m.observeHSM("sign", start, err)
	return sig, err
}

type timedMAC struct {
	hsm.MAC
	m *Metrics
}

func (k *timedMAC) Sum(parts ...[]byte) ([]byte, error) {
	start := time.Now()
	sum, err := k.MAC.Sum(parts...)
	k.m.observeHSM("mac", start, err)
	return sum, err
}

type timedSealer struct {
	hsm.Sealer
	m *Metrics
}

func (s *timedSealer) Seal(plaintext, ad []byte) ([]byte, error) {
	start := time.Now()
	out, err := s.Sealer.Seal(plaintext, ad)
	s.m.observeHSM("seal", start, err)
	return out, err
}

func (s *timedSealer) Open(sealed, ad []byte) ([]byte, error) {
	start := time.Now()
	out, err := s.Sealer.Open(sealed, ad)
	// A value that does not open under its additional data is refused
	// input, which the token answered: still an error of the operation.
	s.m.observeHSM("open", start, err)
	return out, err
}

type signingKeys struct {
	hsm.KeyManager
	m *Metrics
}

func (k *signingKeys) Signer(ctx context.Context, ref hsm.KeyRef) (crypto.Signer, error) {
	s, err := k.KeyManager.Signer(ctx, ref)
	if err != nil {
		return nil, err
	}
	return &countingSigner{Signer: s, m: k.m}, nil
}

type countingSigner struct {
	crypto.Signer
	m *Metrics
}

func (s *countingSigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := s.Signer.Sign(rand, digest, opts)
	if err == nil {
		s.m.signatures.WithLabelValues(Algorithm(s.Public(), opts)).Inc()
	}
	return sig, err
}

// Algorithm names a signature by key and scheme, such as "ecdsa-p256-sha256"
// or "rsa-3072-pss-sha512": a bounded set, fit for a label.
func Algorithm(pub crypto.PublicKey, opts crypto.SignerOpts) string {
	hash := "none"
	if opts != nil && opts.HashFunc() != 0 {
		hash = strings.ToLower(strings.ReplaceAll(opts.HashFunc().String(), "-", ""))
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ecdsa-" + strings.ToLower(strings.ReplaceAll(k.Curve.Params().Name, "-", "")) + "-" + hash
	case *rsa.PublicKey:
		scheme := "pkcs1"
		if _, ok := opts.(*rsa.PSSOptions); ok {
			scheme = "pss"
		}
		return "rsa-" + strconv.Itoa(k.N.BitLen()) + "-" + scheme + "-" + hash
	case ed25519.PublicKey:
		return "ed25519"
	}
	return "other"
}
