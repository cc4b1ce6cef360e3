package ocsp

import (
	"crypto"
	"encoding/asn1"

	"github.com/qesproject/qes/internal/oids"
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
	{0, crypto.SHA1, oids.SHA1},
	{1, crypto.SHA256, oids.SHA256},
	{2, crypto.SHA384, oids.SHA384},
	{3, crypto.SHA512, oids.SHA512},
}

func certIDHashByOID(oid asn1.ObjectIdentifier) (certIDHash, bool) {
	for _, h := range certIDHashes {
		if h.oid.Equal(oid) {
			return h, true
		}
	}
	return certIDHash{}, false
}
