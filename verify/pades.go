package verify

// PAdES: a PDF's signature dictionaries are found by their /ByteRange
// arrays and /Contents holes, read straight from the bytes as a
// validator does (not through the pades package, which wrote them: what
// qes writes is checked by code that did not write it). The CMS in each
// hole is checked by this package's CMS code over the ByteRange bytes.
// The rest (the catalog, the DSS and its streams, each revision) is read
// by this package's own object reader (pdfread.go), which follows
// cross-reference streams and object streams as other tools write them.

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/internal/ber"
	"github.com/qesproject/qes/internal/cms"
)

// ErrNoPDFSignature: a PDF without a signature dictionary this package
// reads (a /ByteRange [0 a b c] around a /Contents <hex> hole).
var ErrNoPDFSignature = errors.New("a PDF without a signature (no /ByteRange around a /Contents hex string)")

// A crafted PDF can repeat signature dictionaries that each cover the
// whole file: the number and the bytes hashed in all are bounded.
const (
	maxPDFSignatures = 32
	maxPDFHashed     = 4 * MaxInput
)

// ErrTooManyPDFSignatures: more signatures, or more bytes under them,
// than one request checks.
var ErrTooManyPDFSignatures = fmt.Errorf("more than %d signatures, or more than %d bytes under them in all", maxPDFSignatures, maxPDFHashed)

// isPDF says whether b starts with a PDF header (ISO 32000 allows junk
// before it; readers look within the first 1024 bytes).
func isPDF(b []byte) bool {
	return bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-"))
}

// pdfSig is one signature dictionary's ByteRange, CMS and claimed time.
type pdfSig struct {
	at      int    // offset of its /ByteRange
	br      [4]int // the ByteRange
	der     []byte // the CMS, its zero padding cut off, as DER
	ber     bool   // the CMS was BER
	claimed time.Time
}

func (s pdfSig) end() int { return s.br[2] + s.br[3] }

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s*\]`)

// pdfSignatures finds the signature dictionaries of a PDF in file order
// of the revisions they sign. An array that does not frame a hex string,
// or that points outside the file, is not a signature.
func pdfSignatures(pdf []byte) []pdfSig {
	var out []pdfSig
	seen := map[[4]int]bool{}
	for _, m := range byteRangeRE.FindAllSubmatchIndex(pdf, -1) {
		var br [4]int
		ok := true
		for i := range br {
			n, err := strconv.Atoi(string(pdf[m[2+2*i]:m[3+2*i]]))
			if err != nil {
				ok = false
				break
			}
			br[i] = n
		}
		if !ok || seen[br] || br[0] != 0 || br[1] <= 0 || br[2] <= br[1]+1 || br[3] < 0 || br[2]+br[3] > len(pdf) || br[2]+br[3] < br[2] {
			continue
		}
		// The array itself must be signed: outside the hole, inside the range.
		if m[0] >= br[1] && m[0] < br[2] || m[1] > br[2]+br[3] {
			continue
		}
		hole := pdf[br[1]:br[2]]
		if hole[0] != '<' || hole[len(hole)-1] != '>' {
			continue
		}
		raw := make([]byte, hex.DecodedLen(len(hole)-2))
		n, err := hex.Decode(raw, hole[1:len(hole)-1])
		if err != nil {
			continue
		}
		// Acrobat and older tools write the CMS with indefinite lengths
		// (BER): it is read as DER, and the report says so.
		der, _, wasBER, err := ber.FirstToDER(raw[:n], MaxInput)
		if err != nil {
			// Not BER either (zeroed, damaged): still a signature,
			// reported as one that does not verify, if its first
			// element can be cut out.
			s := cryptobyte.String(raw[:n])
			var elem cryptobyte.String
			var tag cbasn1.Tag
			if !s.ReadAnyASN1Element(&elem, &tag) {
				continue
			}
			der, wasBER = elem, false
		}
		seen[br] = true
		out = append(out, pdfSig{at: m[0], br: br, der: der, ber: wasBER, claimed: pdfClaimedTime(pdf, m[0])})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].end() < out[j].end() })
	return out
}

var pdfDateRE = regexp.MustCompile(`/M\s*\(D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?'?\)`)

// pdfClaimedTime reads the /M of the dictionary holding the /ByteRange at
// at: the nearest one after the start of its object.
func pdfClaimedTime(pdf []byte, at int) time.Time {
	start := bytes.LastIndex(pdf[:at], []byte(" obj"))
	if start < 0 {
		return time.Time{}
	}
	m := pdfDateRE.FindSubmatch(pdf[start:at])
	if m == nil {
		return time.Time{}
	}
	num := func(i, def int) int {
		if len(m[i]) == 0 {
			return def
		}
		n, _ := strconv.Atoi(string(m[i]))
		return n
	}
	loc := time.UTC
	if sign := string(m[7]); sign == "+" || sign == "-" {
		off := num(8, 0)*3600 + num(9, 0)*60
		if sign == "-" {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(num(1, 0), time.Month(num(2, 1)), num(3, 1), num(4, 0), num(5, 0), num(6, 0), 0, loc).UTC()
}

// verifyPDF checks every signature and document time-stamp of a PDF.
func verifyPDF(v *verifier, pdf []byte) (*Report, error) {
	sigs := pdfSignatures(pdf)
	if len(sigs) == 0 {
		return nil, ErrNoPDFSignature
	}
	hashed := 0
	for _, s := range sigs {
		hashed += s.br[1] + s.br[3]
	}
	if len(sigs) > maxPDFSignatures || hashed > maxPDFHashed {
		return nil, ErrTooManyPDFSignatures
	}
	r := v.r
	total := len(pdf)
	v.printf(1, "PDF with %d signature(s) or document time-stamp(s), %d bytes", len(sigs), total)
	// The objects (catalog, AcroForm, DSS, signature dictionaries) are
	// read through the cross-reference, object streams included. A file
	// whose structure does not read within the bounds is not valid; its
	// signatures are still checked from the bytes.
	rv := newPDFRevisions(pdf)
	ends := pdfRevisionEnds(pdf)
	final, err := rv.at(total)
	var sigDicts map[[4]int]pdfSigDict
	var dssCerts, dssOCSPs, dssCRLs [][]byte
	if err == nil && final.trailer["Encrypt"] != nil {
		// Its strings and streams are encrypted (the signatures' /Contents
		// are not): the DSS and the permissions are not read, as before
		// this reader, and that alone does not make it invalid.
		v.printf(1, "an encrypted PDF: its DSS and DocMDP/FieldMDP are not read")
		final = nil
	} else if err == nil {
		sigDicts = pdfSigDicts(final)
		dssCerts, dssOCSPs, dssCRLs, err = dssStreams(final)
	}
	if err == nil && len(ends) > maxPDFRevisions {
		err = pdfBound("more than %d revisions", maxPDFRevisions)
	}
	if err != nil {
		final = nil
		v.printf(1, "not valid: %v", err)
		r.Problems = append(r.Problems, err.Error())
	}
	var extraCerts []*x509.Certificate
	for _, der := range dssCerts {
		if c, err := x509.ParseCertificate(der); err == nil {
			extraCerts = append(extraCerts, c)
		}
	}
	nSig := 0
	for _, s := range sigs {
		if _, err := cms.ParseTimestampToken(s.der); err != nil {
			nSig++
		}
	}
	sigNo := 0
	for i, s := range sigs {
		content := make([]byte, 0, s.br[1]+s.br[3])
		content = append(content, pdf[:s.br[1]]...)
		content = append(content, pdf[s.br[2]:s.end()]...)
		if !revisionEnd(pdf[:s.end()]) {
			r.Problems = append(r.Problems, fmt.Sprintf("revision %d: its ByteRange does not end at the end of a revision (%%%%EOF)", i+1))
		}
		if _, err := cms.ParseTimestampToken(s.der); err == nil {
			// A document time-stamp (ETSI.RFC3161): its imprint is over the ByteRange bytes.
			if _, err := v.timestamp(s.der, content, 1, fmt.Sprintf("document time-stamp over bytes 0..%d of %d", s.end(), total)); err != nil {
				v.printf(1, "document time-stamp: INVALID (%v)", err)
				r.Problems = append(r.Problems, fmt.Sprintf("document time-stamp %d: %v", i+1, err))
			}
			continue
		}
		sigNo++
		label := fmt.Sprintf("signature %d of %d", sigNo, nSig)
		if s.ber {
			v.noteBER(1)
		}
		p, err := parseP7(s.der)
		if err != nil || p.attached || len(p.signers) != 1 {
			if err == nil {
				err = errors.New("not a detached CMS with one signer")
			}
			v.r.Signers = append(v.r.Signers, Signer{Layer: 1, Label: label, Chain: "not checked", Status: CertStatus{Status: StatusNotChecked}, Problem: err.Error()})
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", label, err))
			continue
		}
		// B-LT keeps the revocation values in a later revision's DSS: its
		// streams are offered to the status check, which takes only a
		// response or CRL that matches the certificate and whose issuer
		// signed it.
		if final != nil {
			p.ocsps, p.crls = append(p.ocsps, dssOCSPs...), append(p.crls, dssCRLs...)
			p.certs = append(p.certs, extraCerts...)
		} else {
			o, c := dssValues(pdf[s.end():])
			p.ocsps, p.crls = append(p.ocsps, o...), append(p.crls, c...)
		}
		idx := len(v.r.Signers)
		// Without a signing-time attribute (PAdES baseline leaves it out)
		// or time-stamp, the chain and status are checked at /M.
		now := v.o.Now
		if !s.claimed.IsZero() {
			v.o.Now = s.claimed
		}
		err = v.signer(p, p.signers[0], content, 1, 1, label)
		v.o.Now = now
		if err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", label, err))
		}
		if idx >= len(v.r.Signers) {
			continue
		}
		rec := &v.r.Signers[idx]
		v.printf(2, "signed revision covers bytes 0..%d of %d", s.end(), total)
		if rec.SigningTime.IsZero() && !s.claimed.IsZero() {
			// PAdES baseline leaves signing-time out of the CMS: /M is the claim.
			rec.SigningTime = s.claimed
			v.printf(2, "signing time (claimed in the signature dictionary's /M): %s", s.claimed.Format(time.RFC3339))
		}
		if rec.Problem == "" {
			if lv := pdfLevel(pdf, rv, ends, final != nil, rec.Level, s, sigs[i+1:]); lv != rec.Level {
				rec.Level = lv
				v.printf(2, "PAdES level (with the later revisions' DSS and document time-stamps): %s", lv)
			}
		}
		if sd, ok := signedSigDict(rv, s, sigDicts); ok && final != nil && (sd.docMDP > 0 || sd.lock != "") {
			rec.Certification, rec.Permission = sd.docMDP, sd.permission()
			v.printf(2, "permission: %s", rec.Permission)
			docBad, lockBad, revs, err := mdpVerdict(rv, ends, s.end(), sd)
			switch {
			case err != nil:
				// What it permits cannot be judged: not valid either.
				rec.LaterChanges = "the later revisions could not be compared: " + err.Error()
				r.Problems = append(r.Problems, fmt.Sprintf("%s: %s", label, rec.LaterChanges))
			case revs == 0:
				rec.LaterChanges = "no later revision"
			case len(docBad) == 0 && len(lockBad) == 0:
				rec.LaterChanges = fmt.Sprintf("the %d later revision(s) change only what it permits", revs)
			default:
				var why []string
				if len(docBad) > 0 {
					why = append(why, fmt.Sprintf("modified after certification, not permitted by P=%d: %s", sd.docMDP, strings.Join(docBad, "; ")))
				}
				if len(lockBad) > 0 {
					why = append(why, "a later revision changes a field it locks: "+strings.Join(lockBad, "; "))
				}
				rec.LaterChanges = strings.Join(why, "; ")
				r.Problems = append(r.Problems, fmt.Sprintf("%s: %s", label, rec.LaterChanges))
				if rec.Problem == "" {
					rec.Problem = rec.LaterChanges
				}
			}
			v.printf(2, "later changes: %s", rec.LaterChanges)
		}
		if s.end() < total {
			v.printf(2, "later revisions add %d bytes after it%s", total-s.end(), laterWhat(rv, final != nil, pdf[:s.end()], pdf[s.end():]))
		}
	}
	if last := sigs[len(sigs)-1]; last.end() < total {
		v.printf(1, "the last %d bytes (after byte %d) are covered by no signature%s", total-last.end(), last.end(), laterWhat(rv, final != nil, pdf[:last.end()], pdf[last.end():]))
	}
	r.Valid = len(r.Problems) == 0
	return r, nil
}

// signedSigDict reads a signature's dictionary (its /Reference, and the
// /Perms naming it) in the revision it signs, where a later revision
// cannot remove it: one that drops the field or /Perms would otherwise
// escape the verdict on what it changes. The final revision's is the
// fallback when the signed one does not read.
func signedSigDict(rv *pdfRevisions, s pdfSig, final map[[4]int]pdfSigDict) (pdfSigDict, bool) {
	if d, err := rv.at(s.end()); err == nil {
		if sd, ok := pdfSigDicts(d)[s.br]; ok {
			return sd, true
		}
	}
	sd, ok := final[s.br]
	return sd, ok
}

// pdfLevel raises a signature's CAdES level to the PAdES one: B-T and a
// DSS added or extended in a later revision is B-LT; a document time-stamp
// over that revision is B-LTA. Without a readable structure (or revision
// at the signature's end), the text "/DSS" after it stands for the DSS.
func pdfLevel(pdf []byte, rv *pdfRevisions, ends []int, readable bool, level string, s pdfSig, later []pdfSig) string {
	if level != "B-T" && level != "B-LT" {
		return level
	}
	dssAt := -1
	var base *pdfDoc
	if readable {
		base, _ = rv.at(s.end())
	}
	if base != nil {
		state, prev := dssState(base), s.end()
		for _, e := range ends {
			if e <= s.end() {
				continue
			}
			d, err := rv.at(e)
			if err != nil {
				continue
			}
			if st := dssState(d); st != "" && st != state {
				dssAt = prev // the DSS's revision starts here
				break
			}
			prev = e
		}
	} else if i := bytes.Index(pdf[s.end():], []byte("/DSS")); i >= 0 {
		dssAt = s.end() + i
	}
	if dssAt < 0 {
		return level
	}
	level = "B-LT"
	for _, l := range later {
		if l.br[1] > dssAt {
			if _, err := cms.ParseTimestampToken(l.der); err == nil {
				return "B-LTA"
			}
		}
	}
	return level
}

var objRE = regexp.MustCompile(`(?:^|[\s>])(\d{1,10})\s+(\d{1,5})\s+obj\b`)

// objects lists the "N G obj" headers in b (objects in object streams
// are not seen: the fallback for a structure the reader refused).
func objects(b []byte) map[string]bool {
	out := map[string]bool{}
	for _, m := range objRE.FindAllSubmatch(b, -1) {
		out[string(m[1])+" "+string(m[2])] = true
	}
	return out
}

// laterWhat names what later revisions hold that a reader cares about:
// a DSS, document time-stamps, signatures, and whether they only add
// objects or also redefine objects of the signed revision (a new
// signature field legitimately redefines the catalog, the form and the
// page; what a certification signature or a field lock permits is judged
// apart, in pdfmdp.go).
func laterWhat(rv *pdfRevisions, readable bool, signed, tail []byte) string {
	var what []string
	var redefined []string
	added := 0
	dss := bytes.Contains(tail, []byte("/DSS"))
	a, errA := rv.at(len(signed))
	b, errB := rv.at(len(signed) + len(tail))
	if readable && errA == nil && errB == nil {
		var nums []int
		added, nums, _ = pdfChanged(a, b)
		for _, n := range nums {
			e, _ := b.entry(n)
			redefined = append(redefined, fmt.Sprintf("%d %d", n, e.gen))
		}
		dss = dssState(a) != dssState(b)
	} else {
		before := objects(signed)
		for o := range objects(tail) {
			if before[o] {
				redefined = append(redefined, o)
			} else {
				added++
			}
		}
	}
	sort.Strings(redefined)
	if len(redefined) == 0 {
		what = append(what, fmt.Sprintf("they only add objects (%d new)", added))
	} else {
		if len(redefined) > 10 {
			redefined = append(redefined[:10], "...")
		}
		what = append(what, fmt.Sprintf("%d new objects, and they redefine objects of the signed revision: %s", added, strings.Join(redefined, ", ")))
	}
	if dss {
		what = append(what, "a DSS")
	}
	if bytes.Contains(tail, []byte("/DocTimeStamp")) {
		what = append(what, "a document time-stamp")
	}
	if n := bytes.Count(tail, []byte("/ByteRange")); n > 0 {
		what = append(what, fmt.Sprintf("%d signature dictionar(ies)", n))
	}
	return " (" + strings.Join(what, "; ") + ")"
}

// revisionEnd says whether b ends with %%EOF and at most an end of line.
func revisionEnd(b []byte) bool {
	return bytes.HasSuffix(bytes.TrimRight(b, "\r\n"), []byte("%%EOF"))
}

var streamRE = regexp.MustCompile(`/Length\s+(\d{1,9})\s*>>\s*stream\r?\n`)

// dssValues finds the OCSP responses and CRLs among the unfiltered
// streams of b; filtered streams and other objects are passed over. It
// is the fallback for a file whose structure the reader refused (which is
// then not valid anyway): the status it gives is still worth reporting.
func dssValues(b []byte) (ocsps, crls [][]byte) {
	if !bytes.Contains(b, []byte("/DSS")) {
		return nil, nil
	}
	for _, m := range streamRE.FindAllSubmatchIndex(b, -1) {
		n, err := strconv.Atoi(string(b[m[2]:m[3]]))
		if err != nil || n <= 0 || m[1]+n > len(b) {
			continue
		}
		data := b[m[1] : m[1]+n]
		if _, err := ocsp.ParseResponse(data, nil); err == nil {
			ocsps = append(ocsps, data)
		} else if _, err := x509.ParseRevocationList(data); err == nil {
			crls = append(crls, data)
		}
	}
	return ocsps, crls
}
