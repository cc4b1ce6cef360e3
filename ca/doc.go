// Package ca issues the certificates of a qualified trust service: the CA
// hierarchy (self-signed root, issuing CA), qualified certificates for natural
// persons (ETSI EN 319 412-1/-2/-5), delegated OCSP responder and TSA
// certificates, and CRLs (RFC 5280) with the handler of their distribution
// points. It holds State, the one certificate status of qes, and the pure
// status state machine (valid, suspended, revoked, expired) that the
// lifecycle service drives, and the hierarchy's set-up (EnsureAuthorities: the
// key ceremony of the embedded default).
//
// Signing needs no storage and no keys of its own: every CA key arrives as a
// crypto.Signer (in production a PKCS#11 object, whose Sign ignores the rand
// argument), and time comes from an injected clock. The register (Service)
// and the hierarchy set-up keep their records in the storage interfaces they
// are given.
//
// Every certificate and CRL is linted before the CA key signs it, following
// letsencrypt/boulder: the to-be-signed object is first signed by a throwaway
// key of the same algorithm under a copy of the issuer that carries that key,
// the result is run through zlint (RFC 5280 and ETSI lint sources) and through
// this package's own ETSI checks, and only a clean result is signed for real.
// The real to-be-signed bytes are then compared with the linted ones, so what
// was linted is exactly what was signed. Between lint and signature the
// optional IssuerConfig.BeforeSign hook lets the caller record the serial, the
// linted certificate and the request's Owner (a holder's credential, or the
// service), so that every certificate the CA key may sign is known to the
// store even if the process stops right after signing.
//
// Serial numbers are 16 random octets (126 random bits, positive); their
// uniqueness is finally the store's to enforce (unique constraint at
// BeforeSign), with IssuerConfig.SerialInUse as an optional early check.
package ca
