// Package cms owns the CMS (RFC 5652) structures qes writes and reads:
// SignedData with one signer over signed attributes (the TSA's tokens and
// the PAdES/CAdES signatures are both built here), the attributes both use
// (content-type, message-digest, signing-time, ESS signing-certificate-v2,
// signature-time-stamp), and the RFC 3161 TimeStampToken parser that the TSA
// client, the PDF signer and the tests share. It verifies no signatures:
// that takes trust anchors and is each validator's business.
package cms
