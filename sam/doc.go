// Package sam is qes's signature activation module, the trusted core: it
// keeps the holders' signing credentials (keys in the HSM, certificates,
// PIN/PUK), checks the two factors (PIN and the holder's OTP, with their
// lockouts), turns them into Signature Activation Data bound to the hashes
// to sign (SCAL2; grant, extend, consume), and signs those hashes
// (SignHash) or the digests package signdoc hands it (DocSigning) -
// nothing else can make the HSM sign with a holder's key. It links neither
// pades nor ca: the CA reaches it only through the Issuer interface.
//
// The authorization server (package oauth) uses the narrow API of
// approval.go. What left it: the holder accounts (account), the OAuth 2.0
// server (oauth), the certificate lifecycle (lifecycle), server-side AdES
// (signdoc), the signing history (history), the web sessions (portal) and
// the bearer tokens (authn).
package sam
