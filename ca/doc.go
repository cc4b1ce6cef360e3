// Package ca issues the certificates of a qualified trust service: the CA
// hierarchy (self-signed root, issuing CA), qualified certificates for natural
// persons (ETSI EN 319 412-1/-2/-5), delegated OCSP responder and TSA
// certificates, and CRLs (RFC 5280). It also holds the pure certificate status
// state machine (active, suspended, revoked, expired) that the lifecycle
// service drives.
//
// The package only signs. It owns no storage and no keys: every CA key arrives
// as a crypto.Signer (in production a PKCS#11 object, whose Sign ignores the
// rand argument), and time comes from an injected clock.
//
// Every certificate and CRL is linted before the CA key signs it, following
// letsencrypt/boulder: the to-be-signed object is first signed by a throwaway
// key of the same algorithm under a copy of the issuer that carries that key,
// the result is run through zlint (RFC 5280 and ETSI lint sources) and through
// this package's own ETSI checks, and only a clean result is signed for real.
// The real to-be-signed bytes are then compared with the linted ones, so what
// was linted is exactly what was signed. Between lint and signature the
// optional IssuerConfig.BeforeSign hook lets the caller record the serial and
// the linted certificate, so that every certificate the CA key may sign is
// known to the store even if the process stops right after signing.
//
// Serial numbers are 16 random octets (126 random bits, positive); their
// uniqueness is finally the store's to enforce (unique constraint at
// BeforeSign), with IssuerConfig.SerialInUse as an optional early check.
package ca
