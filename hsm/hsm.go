// Package hsm is the key boundary of qes: the interfaces through which the
// rest of the system generates, finds and destroys keys and keys its MACs and
// seals, plus the plain types that travel with them (KeyRef, KeyType).
//
// It is deliberately free of cgo, like smallstep/crypto's kms/apiv1: the CSC
// and portal edges, the CA and the pure CSC client (qesctl sign) import it
// without linking a PKCS#11 library. The implementation over PKCS#11
// (crypto11) lives in hsm/pkcs11 and only the composition root (internal/app)
// and tests construct it; hsm/softhsm prepares the embedded SoftHSM2 token.
package hsm

import (
	"context"
	"crypto"
	"errors"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Config selects a PKCS#11 module and token.
type Config struct {
	// Module is the path of the PKCS#11 shared library.
	Module string
	// TokenLabel selects the token.
	TokenLabel string
	// PIN is the token's user PIN (the HSM operator's, not a holder's).
	PIN string
	// MaxSessions bounds the session pool; 0 means a default sized for signing load.
	MaxSessions int
	// PoolWaitTimeout bounds how long a caller waits for a free session, so
	// that an exhausted pool becomes an error instead of a hung request.
	PoolWaitTimeout time.Duration
	// ObjectLock, when set, is taken around every change to the token's
	// objects (generate, destroy) by processes that share a SoftHSM2 file
	// store: a process that creates an object takes the store's change
	// counter past another process's creation it has not looked at yet,
	// and then never sees that object. Under the lock the manager first
	// looks the token up (catching up on others' changes), then changes it.
	// Network HSMs need none.
	ObjectLock func() (unlock func(), err error)
}

// KeyType names the key algorithms a credential can have.
type KeyType string

const (
	ECP256  KeyType = "ec-p256"
	ECP384  KeyType = "ec-p384"
	RSA2048 KeyType = "rsa-2048"
	RSA3072 KeyType = "rsa-3072"
)

// KeyTypes lists the supported key types in the order offered to users.
var KeyTypes = []KeyType{ECP256, ECP384, RSA2048, RSA3072}

// ParseKeyType accepts the names of KeyTypes.
func ParseKeyType(s string) (KeyType, error) {
	for _, kt := range KeyTypes {
		if strings.EqualFold(s, string(kt)) {
			return kt, nil
		}
	}
	return "", errs.M(errs.InvalidRequest, msg.HSMUnknownKeyType, s)
}

// KeyRef identifies a key pair on the token by its CKA_ID, hex-encoded.
type KeyRef string

// KeyManager generates, finds and destroys signing key pairs. Every private
// key is generated inside the token, sensitive and non-extractable, and is
// handed out only as a crypto.Signer. Implementations are safe for
// concurrent use; a missing key is errs.NotFound.
type KeyManager interface {
	Generate(ctx context.Context, kt KeyType, label string) (KeyRef, crypto.PublicKey, error)
	Signer(ctx context.Context, ref KeyRef) (crypto.Signer, error)
	// Destroy deletes both halves of the key pair; a key already gone is not
	// an error, so that revocation can retry.
	Destroy(ctx context.Context, ref KeyRef) error
}

// MAC is an HMAC-SHA256 key that never leaves the token. qes keys the lookup
// hashes of high-entropy secrets (SAD, refresh tokens, OTP codes) with it, so
// a stolen database alone cannot test guesses.
type MAC interface {
	// Sum returns HMAC-SHA256(key, parts joined with a 0 separator).
	Sum(parts ...[]byte) ([]byte, error)
}

// Sealer encrypts small secrets that must be recovered later (an
// authenticator-app seed cannot be hashed) with a key that never leaves the
// token.
type Sealer interface {
	// Seal encrypts plaintext bound to additional data ad (e.g. the holder
	// ID, so a sealed value cannot be moved to another record).
	Seal(plaintext, ad []byte) ([]byte, error)
	// Open decrypts what Seal produced with the same ad.
	Open(sealed, ad []byte) ([]byte, error)
}

// Attributes reports the security attributes of a private key so that tests
// and operators can check that it cannot leave the token.
type Attributes struct {
	Sensitive, Extractable, NeverExtractable, Local, CanDecrypt bool
}

// Manager is one open token: the key manager plus the named secret keys and
// the key-attribute check. The composition root owns it and closes it.
type Manager interface {
	KeyManager
	// KeyAttributes reads the security attributes of the private key ref.
	KeyAttributes(ctx context.Context, ref KeyRef) (Attributes, error)
	// MACKey returns the named HMAC key, generating it on first use.
	MACKey(ctx context.Context, name string) (MAC, error)
	// Sealer returns the named AES key's sealer, generating the key on first use.
	Sealer(ctx context.Context, name string) (Sealer, error)
	// Close logs out and releases the module; calling it again is harmless.
	Close() error
}

// ErrSecretMissing tells a caller that a named secret key does not exist.
var ErrSecretMissing = errors.New("hsm: secret key not found")
