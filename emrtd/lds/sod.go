package lds

import (
	"crypto"
	"encoding/asn1"
	"slices"
)

// Hash algorithm OIDs of the LDSSecurityObject (RFC 5754, RFC 3279).
var (
	OIDSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

var hashes = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
	name string
}{
	{OIDSHA1, crypto.SHA1, "SHA-1"},
	{OIDSHA224, crypto.SHA224, "SHA-224"},
	{OIDSHA256, crypto.SHA256, "SHA-256"},
	{OIDSHA384, crypto.SHA384, "SHA-384"},
	{OIDSHA512, crypto.SHA512, "SHA-512"},
}

// HashName names a hash the way the Report does ("SHA-256").
func HashName(h crypto.Hash) string {
	for _, x := range hashes {
		if x.hash == h {
			return x.name
		}
	}
	return h.String()
}

// HashOID returns the OID of h, nil for a hash the LDS does not use.
func HashOID(h crypto.Hash) asn1.ObjectIdentifier {
	for _, x := range hashes {
		if x.hash == h {
			return x.oid
		}
	}
	return nil
}

// DataGroupHash is one entry of the LDSSecurityObject.
type DataGroupHash struct {
	Number int
	Hash   []byte
}

// SecurityObject is the LDSSecurityObject (Doc 9303-10 §4.6.2.2), the
// eContent the SOD signs.
type SecurityObject struct {
	Version        int // 0, or 1 with LDS version info
	Hash           crypto.Hash
	HashOID        asn1.ObjectIdentifier
	DataGroups     []DataGroupHash
	LDSVersion     string // v1 only
	UnicodeVersion string // v1 only
}

// HashOf returns the hash the SOD lists for data group n, if any.
func (s *SecurityObject) HashOf(n int) ([]byte, bool) {
	for _, d := range s.DataGroups {
		if d.Number == n {
			return d.Hash, true
		}
	}
	return nil, false
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type dataGroupHash struct {
	Number int
	Hash   []byte
}

type ldsVersionInfo struct {
	LDSVersion     string `asn1:"printable"`
	UnicodeVersion string `asn1:"printable"`
}

type ldsSecurityObjectV0 struct {
	Version    int
	Hash       algorithmIdentifier
	DataGroups []dataGroupHash
}

type ldsSecurityObjectV1 struct {
	Version     int
	Hash        algorithmIdentifier
	DataGroups  []dataGroupHash
	VersionInfo ldsVersionInfo
}

// ParseSecurityObject parses an LDSSecurityObject (DER) and checks what
// Doc 9303 requires of it: version 0 or 1 (1 with LDS version info), a
// known hash, 2 to 16 data groups numbered 1-16, each once, with a hash of
// the algorithm's length.
func ParseSecurityObject(der []byte) (*SecurityObject, error) {
	if len(der) > MaxSOD {
		return nil, malformed("LDSSecurityObject has %d bytes", len(der))
	}
	var v1 ldsSecurityObjectV1
	var s SecurityObject
	if rest, err := asn1.Unmarshal(der, &v1); err == nil && len(rest) == 0 {
		if v1.Version != 1 {
			return nil, malformed("LDSSecurityObject version %d with LDS version info", v1.Version)
		}
		s = SecurityObject{Version: 1, HashOID: v1.Hash.Algorithm, LDSVersion: v1.VersionInfo.LDSVersion,
			UnicodeVersion: v1.VersionInfo.UnicodeVersion}
		for _, d := range v1.DataGroups {
			s.DataGroups = append(s.DataGroups, DataGroupHash(d))
		}
		if err := s.setHash(v1.Hash); err != nil {
			return nil, err
		}
	} else {
		var v0 ldsSecurityObjectV0
		rest, err := asn1.Unmarshal(der, &v0)
		if err != nil {
			return nil, malformed("LDSSecurityObject: %v", err)
		}
		if len(rest) != 0 {
			return nil, malformed("LDSSecurityObject: %d bytes after it", len(rest))
		}
		if v0.Version != 0 {
			return nil, malformed("LDSSecurityObject version %d without LDS version info", v0.Version)
		}
		s = SecurityObject{Version: 0, HashOID: v0.Hash.Algorithm}
		for _, d := range v0.DataGroups {
			s.DataGroups = append(s.DataGroups, DataGroupHash(d))
		}
		if err := s.setHash(v0.Hash); err != nil {
			return nil, err
		}
	}
	if n := len(s.DataGroups); n < 2 || n > 16 {
		return nil, malformed("LDSSecurityObject lists %d data groups", n)
	}
	seen := map[int]bool{}
	for _, d := range s.DataGroups {
		if d.Number < 1 || d.Number > 16 || seen[d.Number] {
			return nil, malformed("LDSSecurityObject data group number %d", d.Number)
		}
		seen[d.Number] = true
		if len(d.Hash) != s.Hash.Size() {
			return nil, malformed("LDSSecurityObject: DG%d hash of %d bytes for %s", d.Number, len(d.Hash), HashName(s.Hash))
		}
	}
	return &s, nil
}

func (s *SecurityObject) setHash(a algorithmIdentifier) error {
	for _, x := range hashes {
		if x.oid.Equal(a.Algorithm) {
			// Parameters are absent or NULL (RFC 5754 §2).
			if len(a.Parameters.FullBytes) != 0 && !slices.Equal(a.Parameters.FullBytes, []byte{5, 0}) {
				return malformed("LDSSecurityObject hash parameters")
			}
			s.Hash = x.hash
			s.HashOID = x.oid
			return nil
		}
	}
	return malformed("LDSSecurityObject hash algorithm %v", a.Algorithm)
}

// Encode returns the DER of the LDSSecurityObject, version 1 when
// LDSVersion is set; for the test generators.
func (s *SecurityObject) Encode() ([]byte, error) {
	oid := HashOID(s.Hash)
	if oid == nil {
		return nil, malformed("hash %v has no LDS OID", s.Hash)
	}
	alg := algorithmIdentifier{Algorithm: oid}
	dgs := make([]dataGroupHash, len(s.DataGroups))
	for i, d := range s.DataGroups {
		dgs[i] = dataGroupHash(d)
	}
	if s.LDSVersion != "" {
		return asn1.Marshal(ldsSecurityObjectV1{Version: 1, Hash: alg, DataGroups: dgs,
			VersionInfo: ldsVersionInfo{s.LDSVersion, s.UnicodeVersion}})
	}
	return asn1.Marshal(ldsSecurityObjectV0{Version: 0, Hash: alg, DataGroups: dgs})
}
