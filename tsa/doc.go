// Package tsa is the RFC 3161 time-stamp authority of qes.
//
// A TSA answers DER TimeStampReq messages with DER TimeStampResp messages
// whose tokens are CMS SignedData over a TSTInfo, signed by an injected
// crypto.Signer (the HSM in production) and carrying the RFC 5816
// signing-certificate-v2 attribute. The same token issuance backs the CSC
// signatures/timestamp method through TSA.Timestamp, and an HTTP handler
// serves the RFC 3161 HTTP transport. Client is the matching HTTP client used
// when signing PDFs with a (possibly external) TSA.
//
// The encoders write DER by hand with cryptobyte instead of a CMS library:
// the token has a fixed shape, and owning every byte keeps the signed
// attributes, their DER ordering and the ESSCertIDv2 exactly as RFC 5816
// and ETSI EN 319 422 want them.
package tsa
