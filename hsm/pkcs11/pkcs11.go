//go:build cgo

// Package pkcs11 is the only place qes talks PKCS#11 (through crypto11, which
// needs cgo). Every private key is generated inside the token, marked
// sensitive and non-extractable, and is handed to the rest of the system as a
// crypto.Signer found by its CKA_ID. Only the composition root and tests
// construct it; everything else sees the cgo-free interfaces of package hsm.
// A build without cgo gets nocgo.go instead, whose Open explains why it fails.
package pkcs11

import (
	"context"
	"crypto"
	"crypto/cipher"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Manager generates, finds and destroys keys on one token. It is safe for
// concurrent use.
type Manager struct {
	ctx *crypto11.Context

	mu      sync.RWMutex
	signers map[hsm.KeyRef]crypto11.Signer
	secrets map[string]*crypto11.SecretKey

	// writes serialises what creates or deletes token objects. SoftHSM2's
	// file object store is not safe when one process writes objects from
	// several threads (SoftHSMv2 issue 573: a concurrent C_GenerateKeyPair
	// fails now and then with CKR_TEMPLATE_INCONSISTENT or
	// CKR_GENERAL_ERROR, seen here when parallel tests start servers on one
	// token). Keys are made rarely, so every module pays nothing that
	// matters; signing is not serialised. Always the innermost lock.
	writes sync.Mutex
	// objectLock is hsm.Config.ObjectLock (nil: none), taken before writes.
	objectLock func() (unlock func(), err error)

	closeOnce sync.Once
	closeErr  error
}

// *Manager is the PKCS#11 implementation of hsm.Manager.
var _ hsm.Manager = (*Manager)(nil)

// Available reports whether this build can talk PKCS#11; it always can when
// built with cgo (nocgo.go holds the other answer).
func Available() error { return nil }

// Open logs in to the token described by cfg. It returns the interface, not
// *Manager, so that this build and the no-cgo one have the same signature and
// a failed Open is a nil hsm.Manager, never a typed nil.
func Open(_ context.Context, cfg hsm.Config) (hsm.Manager, error) {
	if cfg.Module == "" || cfg.TokenLabel == "" {
		return nil, errs.M(errs.InvalidRequest, msg.PKCS11ConfigMissing)
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = 32
	}
	if cfg.PoolWaitTimeout == 0 {
		cfg.PoolWaitTimeout = 10 * time.Second
	}
	c, err := crypto11.Configure(&crypto11.Config{
		Path:            cfg.Module,
		TokenLabel:      cfg.TokenLabel,
		Pin:             cfg.PIN,
		MaxSessions:     cfg.MaxSessions,
		PoolWaitTimeout: cfg.PoolWaitTimeout,
	})
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11OpenTokenModule, cfg.TokenLabel, cfg.Module)
	}
	return &Manager{
		ctx:        c,
		signers:    make(map[hsm.KeyRef]crypto11.Signer),
		secrets:    make(map[string]*crypto11.SecretKey),
		objectLock: cfg.ObjectLock,
	}, nil
}

// lockWrites takes what a change to the token's objects needs: the
// cross-process object lock, when configured, followed by one lookup so
// that this process's object store has caught up with the other
// processes' changes before its own moves the store's change counter
// (hsm.Config.ObjectLock); then the in-process writes mutex.
func (m *Manager) lockWrites() (unlock func(), err error) {
	release := func() {}
	if m.objectLock != nil {
		if release, err = m.objectLock(); err != nil {
			return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11LockObjects)
		}
		if _, err := m.ctx.FindKeyPairs([]byte{0}, nil); err != nil {
			release()
			return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11LockObjects)
		}
	}
	m.writes.Lock()
	return func() { m.writes.Unlock(); release() }, nil
}

// Close logs out and releases the module. It is safe to call more than once
// (crypto11 panics on a second Close).
func (m *Manager) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.ctx.Close() })
	return m.closeErr
}

// Generate creates a new signing key pair inside the token. The private key is
// sensitive, non-extractable and can only sign; the public key can only verify.
func (m *Manager) Generate(ctx context.Context, kt hsm.KeyType, label string) (hsm.KeyRef, crypto.PublicKey, error) {
	if err := ctx.Err(); err != nil {
		return "", nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", nil, errs.Internalf(err, "hsm: random key id")
	}
	pubAttrs, err := crypto11.NewAttributeSetWithIDAndLabel(id, []byte(label))
	if err != nil {
		return "", nil, errs.Internalf(err, "hsm: key attributes")
	}
	privAttrs := pubAttrs.Copy()
	// Keys for qualified signatures sign and do nothing else; crypto11's RSA
	// default would also allow decryption with the same key.
	_ = privAttrs.Set(crypto11.CkaSign, true)
	_ = privAttrs.Set(crypto11.CkaDecrypt, false)
	_ = privAttrs.Set(crypto11.CkaSensitive, true)
	_ = privAttrs.Set(crypto11.CkaExtractable, false)
	_ = privAttrs.Set(p11.CKA_PRIVATE, true)
	_ = pubAttrs.Set(crypto11.CkaVerify, true)
	_ = pubAttrs.Set(crypto11.CkaEncrypt, false)

	var s crypto11.Signer
	unlock, err := m.lockWrites()
	if err != nil {
		return "", nil, err
	}
	switch kt {
	case hsm.ECP256:
		s, err = m.ctx.GenerateECDSAKeyPairWithAttributes(pubAttrs, privAttrs, elliptic.P256())
	case hsm.ECP384:
		s, err = m.ctx.GenerateECDSAKeyPairWithAttributes(pubAttrs, privAttrs, elliptic.P384())
	case hsm.RSA2048:
		s, err = m.ctx.GenerateRSAKeyPairWithAttributes(pubAttrs, privAttrs, 2048)
	case hsm.RSA3072:
		s, err = m.ctx.GenerateRSAKeyPairWithAttributes(pubAttrs, privAttrs, 3072)
	default:
		unlock()
		return "", nil, errs.M(errs.InvalidRequest, msg.PKCS11UnsupportedKeyType, kt)
	}
	unlock()
	if err != nil {
		return "", nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11GenerateKey, string(kt))
	}
	ref := hsm.KeyRef(hex.EncodeToString(id))
	m.mu.Lock()
	m.signers[ref] = s
	m.mu.Unlock()
	return ref, s.Public(), nil
}

// Signer returns the key pair ref as a crypto.Signer. Handles are cached
// because a lookup by attribute grows slower with every object on the token.
func (m *Manager) Signer(ctx context.Context, ref hsm.KeyRef) (crypto.Signer, error) {
	m.mu.RLock()
	s, ok := m.signers[ref]
	m.mu.RUnlock()
	if ok {
		return s, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id, err := hex.DecodeString(string(ref))
	if err != nil || len(id) == 0 {
		return nil, errs.M(errs.NotFound, msg.PKCS11MalformedKeyReference, ref)
	}
	// FindKeyPairs, unlike FindKeyPair, tells "none" apart from a token error.
	found, err := m.ctx.FindKeyPairs(id, nil)
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11FindKey, string(ref))
	}
	if len(found) == 0 || found[0] == nil {
		return nil, errs.M(errs.NotFound, msg.PKCS11NoKeyPair, ref)
	}
	s = found[0]
	m.mu.Lock()
	m.signers[ref] = s
	m.mu.Unlock()
	return s, nil
}

// Destroy deletes both halves of the key pair. Destroying a key that is
// already gone is not an error: revocation must be able to retry.
func (m *Manager) Destroy(ctx context.Context, ref hsm.KeyRef) error {
	cs, err := m.Signer(ctx, ref)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s := cs.(crypto11.Signer)
	m.mu.Lock()
	delete(m.signers, ref)
	m.mu.Unlock()
	unlock, err := m.lockWrites()
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.Delete(); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.PKCS11DestroyKey, string(ref))
	}
	return nil
}

// KeyAttributes reads the security attributes of the private key ref.
func (m *Manager) KeyAttributes(ctx context.Context, ref hsm.KeyRef) (hsm.Attributes, error) {
	s, err := m.Signer(ctx, ref)
	if err != nil {
		return hsm.Attributes{}, err
	}
	set, err := m.ctx.GetAttributes(s, []crypto11.AttributeType{
		crypto11.CkaSensitive, crypto11.CkaExtractable, crypto11.CkaNeverExtractable, crypto11.CkaLocal, crypto11.CkaDecrypt,
	})
	if err != nil {
		return hsm.Attributes{}, errs.WrapM(err, errs.Unavailable, msg.PKCS11ReadKeyAttributes)
	}
	b := func(t crypto11.AttributeType) bool {
		a := set[t]
		return a != nil && len(a.Value) > 0 && a.Value[0] != 0
	}
	return hsm.Attributes{
		Sensitive:        b(crypto11.CkaSensitive),
		Extractable:      b(crypto11.CkaExtractable),
		NeverExtractable: b(crypto11.CkaNeverExtractable),
		Local:            b(crypto11.CkaLocal),
		CanDecrypt:       b(crypto11.CkaDecrypt),
	}, nil
}

// secretKey finds (or, when create is set, generates) a named generic secret
// key used for HMAC.
func (m *Manager) secretKey(name string, create bool) (*crypto11.SecretKey, error) {
	m.mu.RLock()
	k, ok := m.secrets[name]
	m.mu.RUnlock()
	if ok {
		return k, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.secrets[name]; ok {
		return k, nil
	}
	label := []byte("qes-mac-" + name)
	found, err := m.ctx.FindKeys(nil, label)
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11FindSecret, name)
	}
	k = nil
	if len(found) > 0 {
		k = found[0]
	}
	if k == nil {
		if !create {
			return nil, hsm.ErrSecretMissing
		}
		if k, err = m.createSecret(label, crypto11.CipherGeneric); err != nil {
			return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11GenerateSecret, name)
		}
	}
	m.secrets[name] = k
	return k, nil
}

// createSecret makes the 256-bit secret key labelled label, unless
// another process made it since the caller looked: under the object lock
// it looks again before making a second one.
func (m *Manager) createSecret(label []byte, kind *crypto11.SymmetricCipher) (*crypto11.SecretKey, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("random key id: %w", err)
	}
	unlock, err := m.lockWrites()
	if err != nil {
		return nil, err
	}
	defer unlock()
	found, err := m.ctx.FindKeys(nil, label)
	if err != nil {
		return nil, err
	}
	if len(found) > 0 {
		return found[0], nil
	}
	return m.ctx.GenerateSecretKeyWithLabel(id, label, 256, kind)
}

// MACKey is an HMAC-SHA256 key that never leaves the token. qes keys the
// lookup hashes of high-entropy secrets (SAD, refresh tokens, OTP codes) with
// it, so a stolen database alone cannot test guesses.
type MACKey struct{ key *crypto11.SecretKey }

// MACKey returns the named HMAC key, generating it on first use.
func (m *Manager) MACKey(_ context.Context, name string) (hsm.MAC, error) {
	k, err := m.secretKey(name, true)
	if err != nil {
		return nil, err
	}
	return &MACKey{key: k}, nil
}

// Sum returns HMAC-SHA256(key, parts joined with a 0 separator).
func (k *MACKey) Sum(parts ...[]byte) (sum []byte, err error) {
	h, err := k.key.NewHMAC(p11.CKM_SHA256_HMAC, 0)
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11StartHMAC)
	}
	// crypto11's Sum panics on a token error; turn that into an error.
	defer func() {
		if r := recover(); r != nil {
			sum, err = nil, errs.WrapM(fmt.Errorf("%v", r), errs.Unavailable, msg.PKCS11HMAC)
		}
	}()
	for i, p := range parts {
		if i > 0 {
			if _, err := h.Write([]byte{0}); err != nil {
				h.Sum(nil)
				return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11HMAC)
			}
		}
		if _, err := h.Write(p); err != nil {
			h.Sum(nil)
			return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11HMAC)
		}
	}
	return h.Sum(nil), nil
}

// Sealer encrypts small secrets that must be recovered later (an
// authenticator-app seed cannot be hashed) with an AES-256-GCM key that never
// leaves the token.
type Sealer struct{ aead cipher.AEAD }

// Sealer returns the named AES key's sealer, generating the key on first use.
func (m *Manager) Sealer(_ context.Context, name string) (hsm.Sealer, error) {
	label := []byte("qes-aead-" + name)
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.secrets["aead:"+name]
	if !ok {
		found, err := m.ctx.FindKeys(nil, label)
		if err != nil {
			return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11FindAESKey, name)
		}
		if len(found) > 0 {
			k = found[0]
		} else {
			if k, err = m.createSecret(label, crypto11.CipherAES); err != nil {
				return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11GenerateAESKey, name)
			}
		}
		m.secrets["aead:"+name] = k
	}
	aead, err := k.NewGCM()
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.PKCS11AESGCM)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext bound to additional data ad (e.g. the holder ID,
// so a sealed value cannot be moved to another record).
func (s *Sealer) Seal(plaintext, ad []byte) (out []byte, err error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, errs.Internalf(err, "hsm: nonce")
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errs.WrapM(fmt.Errorf("%v", r), errs.Unavailable, msg.PKCS11Seal)
		}
	}()
	return s.aead.Seal(nonce, nonce, plaintext, ad), nil
}

// Open decrypts what Seal produced with the same ad.
func (s *Sealer) Open(sealed, ad []byte) (out []byte, err error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errs.E(errs.Internal, "hsm: sealed value too short")
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errs.WrapM(fmt.Errorf("%v", r), errs.Unavailable, msg.PKCS11Open)
		}
	}()
	out, err = s.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "hsm: sealed value does not open (wrong key or data)")
	}
	return out, nil
}
