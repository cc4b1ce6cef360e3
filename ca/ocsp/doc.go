// Package ocsp is the RFC 6960 OCSP responder of the qes CA.
//
// A Responder is an http.Handler answering GET and POST requests for the
// certificates of one issuing CA. Statuses come from a Source;
// RegisterSource is the one over the CA's register and the one mapping from
// ca.State to OCSP's good/revoked/unknown. ValidationData answers PAdES B-LT's
// requests for the hierarchy's OCSP responses and CRLs in-process. Responses
// are signed by a delegated OCSP responder certificate whose key is an
// injected crypto.Signer (the HSM).
//
// Responses to requests without a nonce are pre-signed and cached per
// serial number and CertID hash algorithm, so the hot path is a map lookup:
// the CA must call Invalidate when it changes a certificate's status, and
// cached responses are re-signed once they are older than Config.Refresh.
// Requests with a nonce get a freshly signed response echoing it.
//
// Protocol outcomes are always OCSP responses: malformed requests get
// malformedRequest and requests for another CA get unauthorized, both with
// HTTP 200 as OCSP clients (OpenSSL among them) only read the OCSP status
// from 200 answers; a failing Source or signer gives internalError (HTTP
// 500) or tryLater (HTTP 503). Only transport errors (method, media type,
// body size) are plain-text 4xx.
package ocsp
