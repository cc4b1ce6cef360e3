package verify

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/oids"
)

// This file checks archive-time-stamp-v3 attributes (ETSI EN 319 122-1
// 5.5.3) with code of its own: internal/cms computes the imprint when qes
// writes a B-LTA, and recomputing it here with that same code would only
// check that the writer agrees with itself.

// Archive time-stamp outcomes, as Signer.ArchiveTimeStampStatus reports them.
const (
	ArchiveValid           = "archive time-stamp valid"
	ArchiveImprintMismatch = "imprint mismatch"
	ArchiveInvalid         = "archive time-stamp invalid"
)

// errImprintMismatch is wrapped by every failure that means the signature
// is no longer what the archive time-stamp covered.
var errImprintMismatch = errors.New("imprint mismatch")

// maxIndexEntries bounds each list of an ATSHashIndexV3: an index never
// names more elements than the SignedData holds, and MaxInput bounds those.
const maxIndexEntries = 4096

// archiveTS is one archive time-stamp of a signer and the imprint it must
// carry, recomputed from the signature as it is now; err when it cannot be
// (a malformed token or index, or an index naming what the signature no
// longer holds).
type archiveTS struct {
	token   []byte
	imprint []byte
	err     error
	// mismatch: the token's imprint is not imprint (or err is one).
	mismatch bool
}

// archiveImprints recomputes the imprint of every archive-time-stamp-v3
// of si over content (the attached content, or the detached one given).
func archiveImprints(p *p7, si *signerInfo, content []byte) []archiveTS {
	var out []archiveTS
	for _, tok := range si.unsigned[oids.AttrArchiveTimeStampV3.String()] {
		imprint, stamped, err := archiveImprint(p, si, content, tok)
		out = append(out, archiveTS{token: tok, imprint: imprint, err: err,
			mismatch: errors.Is(err, errImprintMismatch) || (err == nil && !bytes.Equal(imprint, stamped))})
	}
	return out
}

// archiveImprint is the message imprint an archive-time-stamp-v3 token
// must carry (EN 319 122-1 5.5.3), the hash with the token's imprint
// algorithm of
//
//	eContentType || H(content) || version, sid, digestAlgorithm,
//	signedAttrs, signatureAlgorithm, signature || ATSHashIndexV3
//
// after checking that every certificate, revocation value and unsigned
// attribute value the token's ATSHashIndexV3 lists is still in the
// signature, byte for byte (5.5.2): what was added later is not listed,
// what was changed no longer matches. stamped is the imprint the token
// carries (its signature not yet checked).
func archiveImprint(p *p7, si *signerInfo, content, token []byte) (imprint, stamped []byte, err error) {
	tp, perr := parseP7(token)
	if perr != nil || !tp.attached || len(tp.signers) != 1 {
		return nil, nil, errors.New("not a time-stamp token")
	}
	info, err := cms.ParseTimestampToken(token)
	if err != nil {
		return nil, nil, err
	}
	if info.Info.Hash == 0 || !info.Info.Hash.Available() {
		return nil, nil, fmt.Errorf("imprint algorithm %v is not supported", info.Info.HashOID)
	}
	indexes := tp.signers[0].unsigned[oids.AttrATSHashIndexV3.String()]
	if len(indexes) != 1 {
		return nil, nil, fmt.Errorf("the token carries %d ats-hash-index-v3 values, not one", len(indexes))
	}
	index := indexes[0]
	ih, lists, err := parseATSHashIndexV3(index)
	if err != nil {
		return nil, nil, err
	}
	var units [][]byte
	for _, a := range si.unsignedPairs {
		units = append(units, append(append([]byte(nil), a.attrType...), a.value...))
	}
	for i, held := range [][][]byte{p.rawCerts, p.rawRevs, units} {
		what := [...]string{"certificate", "revocation value", "unsigned attribute value"}[i]
		have := make(map[string]bool, len(held))
		for _, el := range held {
			d := ih.New()
			d.Write(el)
			have[string(d.Sum(nil))] = true
		}
		for _, want := range lists[i] {
			if !have[string(want)] {
				return nil, nil, fmt.Errorf("%w: the hash index names a %s the signature no longer holds as it was", errImprintMismatch, what)
			}
		}
	}
	h := info.Info.Hash
	cd := h.New()
	cd.Write(content)
	d := h.New()
	d.Write(p.rawEType)
	d.Write(cd.Sum(nil))
	d.Write(si.rawFields)
	d.Write(index)
	return d.Sum(nil), info.Info.Digest, nil
}

// parseATSHashIndexV3 reads
//
//	ATSHashIndexV3 ::= SEQUENCE {
//	  hashIndAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
//	  certificatesHashIndex SEQUENCE OF OCTET STRING,
//	  crlsHashIndex SEQUENCE OF OCTET STRING,
//	  unsignedAttrValuesHashIndex SEQUENCE OF OCTET STRING }
//
// The algorithm is told from the lists by counting: all four are
// SEQUENCEs.
func parseATSHashIndexV3(der []byte) (crypto.Hash, [3][][]byte, error) {
	var lists [3][][]byte
	bad := errors.New("the ats-hash-index-v3 is malformed")
	in := cryptobyte.String(der)
	var body cryptobyte.String
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) || !in.Empty() {
		return 0, lists, bad
	}
	var els []cryptobyte.String
	for !body.Empty() && len(els) < 5 {
		var el cryptobyte.String
		if !body.ReadASN1(&el, cbasn1.SEQUENCE) {
			return 0, lists, bad
		}
		els = append(els, el)
	}
	h := crypto.SHA256
	switch len(els) {
	case 3:
	case 4:
		alg := els[0]
		var id asn1.ObjectIdentifier
		if !alg.ReadASN1ObjectIdentifier(&id) {
			return 0, lists, bad
		}
		var ok bool
		if h, ok = oids.HashOf(id); !ok {
			return 0, lists, errors.New("the ats-hash-index-v3 names an unsupported hash")
		}
		els = els[1:]
	default:
		return 0, lists, bad
	}
	for i, el := range els {
		for !el.Empty() {
			var v []byte
			if len(lists[i]) == maxIndexEntries || !el.ReadASN1Bytes(&v, cbasn1.OCTET_STRING) || len(v) != h.Size() {
				return 0, lists, bad
			}
			lists[i] = append(lists[i], v)
		}
	}
	return h, lists, nil
}
