package ocsp

import (
	"crypto"
	"encoding/asn1"
)

var (
	oidBasicResponse = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidNonce         = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidNoCheck       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
)

// certIDHash is one CertID hash algorithm the responder can match issuers
// with; its index is part of the cache key.
type certIDHash struct {
	index int
	hash  crypto.Hash
	oid   asn1.ObjectIdentifier
}

// certIDHashes lists the accepted CertID hashes: SHA-1 because RFC 5019
// clients (OpenSSL's default) still send it, SHA-2 for everyone else. The
// CertID hash only names the issuer; its collision resistance is not what
// the response's authenticity rests on.
var certIDHashes = []certIDHash{
	{0, crypto.SHA1, oidSHA1},
	{1, crypto.SHA256, oidSHA256},
	{2, crypto.SHA384, oidSHA384},
	{3, crypto.SHA512, oidSHA512},
}

func certIDHashByOID(oid asn1.ObjectIdentifier) (certIDHash, bool) {
	for _, h := range certIDHashes {
		if h.oid.Equal(oid) {
			return h, true
		}
	}
	return certIDHash{}, false
}
