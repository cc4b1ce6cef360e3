package pades

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/digitorus/timestamp"
)

// embeddedSig is one signature found in a file by its /ByteRange, without
// using this package's reader: the checks must not share its bugs.
type embeddedSig struct {
	byteRange [4]int64
	der       []byte // /Contents without the zero padding
	signed    []byte // the bytes the byte range covers
	docTS     bool   // /SubFilter /ETSI.RFC3161
	dict      string // the signature dictionary text around /ByteRange
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

func embeddedSignatures(t testing.TB, pdf []byte) []embeddedSig {
	t.Helper()
	var out []embeddedSig
	for _, m := range byteRangeRE.FindAllSubmatchIndex(pdf, -1) {
		var s embeddedSig
		for i := 0; i < 4; i++ {
			n, _ := strconv.ParseInt(string(pdf[m[2+2*i]:m[3+2*i]]), 10, 64)
			s.byteRange[i] = n
		}
		b, c, d := s.byteRange[1], s.byteRange[2], s.byteRange[3]
		if s.byteRange[0] != 0 || c+d > int64(len(pdf)) || b >= c || pdf[b] != '<' || pdf[c-1] != '>' {
			t.Fatalf("bad /ByteRange %v", s.byteRange)
		}
		raw, err := hex.DecodeString(string(pdf[b+1 : c-1]))
		if err != nil {
			t.Fatalf("/Contents is not hex: %v", err)
		}
		var v asn1.RawValue
		if _, err := asn1.Unmarshal(raw, &v); err != nil {
			t.Fatalf("/Contents is not DER: %v", err)
		}
		s.der = v.FullBytes
		s.signed = append(append([]byte(nil), pdf[:b]...), pdf[c:c+d]...)
		start := bytes.LastIndex(pdf[:m[0]], []byte(" obj"))
		s.dict = string(pdf[start:m[0]])
		s.docTS = strings.Contains(s.dict, "/ETSI.RFC3161")
		out = append(out, s)
	}
	return out
}

// opensslCMSVerify verifies a detached CMS over its byte range with openssl,
// trusting only root. It returns openssl's error output on failure.
func opensslCMSVerify(t testing.TB, s embeddedSig, rootPEM []byte) (bool, string) {
	t.Helper()
	needTool(t, "openssl")
	dir := t.TempDir()
	cmd := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER",
		"-in", writeFile(t, dir, "sig.der", s.der),
		"-content", writeFile(t, dir, "content.bin", s.signed),
		"-CAfile", writeFile(t, dir, "root.pem", rootPEM),
		"-purpose", "any", "-out", "/dev/null")
	out, err := cmd.CombinedOutput()
	return err == nil && strings.Contains(string(out), "Verification successful"), string(out)
}

// opensslTSVerify checks a TimeStampToken against data (or a precomputed
// SHA-256 digest when data is nil).
func opensslTSVerify(t testing.TB, token, data, digest, rootPEM, untrustedPEM []byte) (bool, string) {
	t.Helper()
	needTool(t, "openssl")
	dir := t.TempDir()
	args := []string{"ts", "-verify", "-in", writeFile(t, dir, "tok.der", token), "-token_in",
		"-CAfile", writeFile(t, dir, "root.pem", rootPEM),
		"-untrusted", writeFile(t, dir, "untrusted.pem", untrustedPEM)}
	if data != nil {
		args = append(args, "-data", writeFile(t, dir, "data.bin", data))
	} else {
		args = append(args, "-digest", hex.EncodeToString(digest))
	}
	out, err := exec.Command("openssl", args...).CombinedOutput()
	return err == nil && strings.Contains(string(out), "Verification: OK"), string(out)
}

// testSignerInfo and testSignedData decode CMS independently of cms.go
// (digitorus/pkcs7 silently drops signers when crls holds OCSP responses).
type testSignerInfo struct {
	Version         int
	SID             asn1.RawValue
	DigestAlgorithm asn1.RawValue
	SignedAttrs     []testAttribute `asn1:"optional,tag:0"`
	SignatureAlg    asn1.RawValue
	Signature       []byte
	UnsignedAttrs   []testAttribute `asn1:"optional,tag:1"`
}

type testAttribute struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

type testSignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo asn1.RawValue
	Certificates     asn1.RawValue    `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue    `asn1:"optional,tag:1"`
	SignerInfos      []testSignerInfo `asn1:"set"`
}

func parseTestCMS(t testing.TB, der []byte) testSignedData {
	t.Helper()
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 {
		t.Fatalf("CMS ContentInfo: %v (%d trailing bytes)", err, len(rest))
	}
	var sd testSignedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) > 0 {
		t.Fatalf("CMS SignedData: %v", err)
	}
	if len(sd.SignerInfos) != 1 {
		t.Fatalf("CMS has %d signers, want 1", len(sd.SignerInfos))
	}
	return sd
}

// signatureTimestamp returns the signature-time-stamp token of a CMS and the
// digest of the signature value it must cover (with the token's algorithm).
func signatureTimestamp(t testing.TB, der []byte) (token, sigDigest []byte) {
	t.Helper()
	si := parseTestCMS(t, der).SignerInfos[0]
	for _, a := range si.UnsignedAttrs {
		if a.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}) {
			ts, err := timestamp.Parse(a.Value.Bytes)
			if err != nil {
				t.Fatalf("parse signature time-stamp: %v", err)
			}
			h := ts.HashAlgorithm.New()
			h.Write(si.Signature)
			return a.Value.Bytes, h.Sum(nil)
		}
	}
	return nil, nil
}

// signedAttrOIDs lists the signed attribute types of the single signer.
func signedAttrOIDs(t testing.TB, der []byte) []string {
	t.Helper()
	var oids []string
	for _, a := range parseTestCMS(t, der).SignerInfos[0].SignedAttrs {
		oids = append(oids, a.Type.String())
	}
	return oids
}
