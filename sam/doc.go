// Package credential is qes's signature activation module: it keeps the
// holders' signing credentials (keys in the HSM, certificates, PIN/PUK),
// turns PIN + OTP into Signature Activation Data bound to the hashes to sign
// (SCAL2), and signs those hashes (SignHash) or the digests package signdoc
// hands it (DocSigning) - nothing else can make the HSM sign with a
// holder's key. It imports neither pades nor any document parser.
//
// What left it: the holder accounts (package account), the certificate
// lifecycle (lifecycle), server-side AdES (signdoc), the signing history
// (history), the web sessions (portal), the bearer tokens (authn) and the
// OAuth 2.0 authorization server (oauth), which uses the narrow API of
// approval.go.
package sam
