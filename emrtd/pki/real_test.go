package pki_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
)

// The real files: ../shared/testdata/emrtd (README there says where they
// come from). mlTime lies within the master-list signer's validity.
var mlTime = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "testdata", "emrtd", name))
	if err != nil {
		t.Fatalf("the real eMRTD test vectors are missing: %v", err)
	}
	return b
}

func germanAnchor(t testing.TB) *pki.Certificate {
	t.Helper()
	c, err := pki.ParseCertificate(testdata(t, "de-csca07.cer"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func germanML(t testing.TB) *pki.MasterList {
	t.Helper()
	ml, err := pki.VerifyMasterList(testdata(t, "de.ml"), []*pki.Certificate{germanAnchor(t)}, mlTime)
	if err != nil {
		t.Fatal(err)
	}
	return ml
}

func TestGermanMasterList(t *testing.T) {
	anchor := germanAnchor(t)
	if _, ok := anchor.PublicKey.(*ec.PublicKey); !ok || anchor.Country() != "DE" || !anchor.IsCA ||
		anchor.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign || len(anchor.SubjectKeyID) != 20 {
		t.Fatalf("the German CSCA (brainpool, explicit parameters) parsed wrong: %T %q", anchor.PublicKey, anchor.Country())
	}
	ml := germanML(t)
	// 587 certificates parse; 0 are skipped (CSCA-UKRAINE's BER boolean
	// in basicConstraints included).
	if len(ml.Certificates) < 580 || ml.Skipped != 0 {
		t.Fatalf("%d certificates, %d skipped", len(ml.Certificates), ml.Skipped)
	}
	if ml.Signer == nil || ml.Anchor == nil || !bytes.Equal(ml.Anchor.Raw, anchor.Raw) || ml.SigningTime.IsZero() {
		t.Fatal("signer, anchor or signing time missing")
	}
	var italian []*pki.Certificate
	algs := map[string]int{}
	families := map[string]int{}
	for _, c := range ml.Certificates {
		switch k := c.PublicKey.(type) {
		case *ec.PublicKey:
			families[k.Curve.Name]++
		default:
			families["RSA"]++
		}
		if c.Country() == "IT" {
			italian = append(italian, c)
			algs[c.SignatureAlgorithm.String()]++
		}
	}
	if len(italian) != 9 || algs["sha1WithRSAEncryption"] == 0 || algs["RSASSA-PSS"] == 0 {
		t.Fatalf("Italian CSCAs: %d, algorithms %v", len(italian), algs)
	}
	for _, name := range []string{"brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "P-256", "RSA"} {
		if families[name] == 0 {
			t.Errorf("no %s CSCA in the list: %v", name, families)
		}
	}
	t.Logf("key families: %v", families)
}

func TestGermanMasterListRefusals(t *testing.T) {
	raw := testdata(t, "de.ml")
	anchor := germanAnchor(t)
	// Flipped bytes: in the list of certificates (messageDigest), in the
	// signer's certificate (its signature), near the end (the CMS
	// signature), and in a length (structure).
	for _, at := range []int{len(raw) / 2, 1000, len(raw) - 20, 4} {
		bad := bytes.Clone(raw)
		bad[at] ^= 0x01
		if _, err := pki.VerifyMasterList(bad, []*pki.Certificate{anchor}, mlTime); err == nil {
			t.Errorf("a master list with byte %d flipped verifies", at)
		}
	}
	// A wrong anchor: another real CSCA, and one with the German name and
	// another key.
	ml := germanML(t)
	var austria *pki.Certificate
	for _, c := range ml.Certificates {
		if c.Country() == "AT" {
			austria = c
		}
	}
	impostorKey := emrtdgen.NewECKey(ec.BrainpoolP512r1, true, crypto.SHA512)
	impostor := emrtdgen.Certificate(emrtdgen.CertSpec{Subject: anchor.Subject, NotBefore: anchor.NotBefore, NotAfter: anchor.NotAfter, CA: true},
		impostorKey, anchor.RawSubject, anchor.SubjectKeyID, impostorKey)
	// Same name and key identifier as the German CSCA: only the signature
	// check can tell.
	impostorCert := *impostor.Cert
	impostorCert.SubjectKeyID = anchor.SubjectKeyID
	for name, a := range map[string]*pki.Certificate{"CSCA-AUSTRIA": austria, "impostor": &impostorCert} {
		if _, err := pki.VerifyMasterList(raw, []*pki.Certificate{a}, mlTime); err == nil {
			t.Errorf("the master list verifies with %s as anchor", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if _, err := pki.VerifyMasterList(raw, nil, mlTime); err == nil {
		t.Error("verifies with no anchor")
	}
	// The signer's validity.
	if _, err := pki.VerifyMasterList(raw, []*pki.Certificate{anchor}, ml.Signer.NotAfter.Add(time.Second)); err == nil {
		t.Error("verifies after the signer expired")
	}
}

func TestAustrianSOD(t *testing.T) {
	raw := testdata(t, "at-sod.bin")
	sd, err := pki.ParseSignedData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !sd.EContentType.Equal(pki.OIDContentTypeLDSSecurityObject) || len(sd.SignerInfos) != 1 {
		t.Fatalf("eContentType %s, %d signers", sd.EContentType, len(sd.SignerInfos))
	}
	si := &sd.SignerInfos[0]
	dsc, err := si.FindCertificate(sd.Certificates)
	if err != nil {
		t.Fatal(err)
	}
	if err := si.Verify(dsc, sd.EContentType, sd.EContent); err != nil {
		t.Fatalf("the Austrian SOD does not verify: %v", err)
	}
	if dsc.Country() != "AT" || si.SignatureAlgorithmName() != "ecdsa-with-SHA256" {
		t.Fatalf("DSC country %q, algorithm %q", dsc.Country(), si.SignatureAlgorithmName())
	}
	// The DSC chains to CSCA-AUSTRIA from the German master list.
	verified := 0
	for _, c := range germanML(t).Certificates {
		if dsc.IssuedBy(c) {
			if err := dsc.CheckSignatureFrom(c); err != nil {
				t.Errorf("DSC against %s: %v", c.Subject, err)
				continue
			}
			verified++
		}
	}
	if verified == 0 {
		t.Fatal("no CSCA-AUSTRIA in de.ml verifies the DSC")
	}
	// Tampering: the content, and the SOD's signature.
	if err := si.Verify(dsc, sd.EContentType, append(bytes.Clone(sd.EContent), 0)); err == nil {
		t.Error("other content verifies")
	}
	bad := bytes.Clone(raw)
	bad[len(bad)-5] ^= 1
	if sd2, err := pki.ParseSignedData(bad); err == nil {
		if sd2.SignerInfos[0].Verify(dsc, sd2.EContentType, sd2.EContent) == nil {
			t.Error("a tampered signature verifies")
		}
	}
	// The file is EF.SOD, with its 0x77 wrapper; the bare ContentInfo
	// parses too.
	if raw[0] != 0x77 {
		t.Fatal("at-sod.bin is expected to carry the EF.SOD tag")
	}
	if _, err := pki.ParseSignedData(raw[4:]); err != nil {
		t.Errorf("bare ContentInfo: %v", err)
	}
}

// Each Italian certificate of the German list verifies with the Italian
// CSCA(s) that issued it: the self-signed ones with themselves, the link
// certificates (SHA-1 and RSASSA-PSS/SHA-512, one with cA=false) with
// their predecessor.
func TestItalianChain(t *testing.T) {
	var italian []*pki.Certificate
	for _, c := range germanML(t).Certificates {
		if c.Country() == "IT" {
			italian = append(italian, c)
		}
	}
	links, linkNotCA := map[string]int{}, 0
	for _, c := range italian {
		verified := 0
		for _, p := range italian {
			if !c.IssuedBy(p) {
				continue
			}
			if err := c.CheckSignatureFrom(p); err != nil {
				// Same name and key identifier, another key: not its issuer.
				continue
			}
			verified++
			if !bytes.Equal(c.Raw, p.Raw) && !bytes.Equal(c.SubjectKeyID, p.SubjectKeyID) {
				links[c.SignatureAlgorithm.String()]++
				if !c.IsCA {
					linkNotCA++
				}
			}
		}
		if verified == 0 {
			t.Errorf("%s (serial %X, %s) verifies with no Italian CSCA", c.Subject, c.SerialNumber, c.SignatureAlgorithm)
		}
	}
	if links["sha1WithRSAEncryption"] == 0 || links["RSASSA-PSS"] == 0 || linkNotCA == 0 {
		t.Fatalf("link certificates verified: %v, with cA=false: %d", links, linkNotCA)
	}
	for _, c := range italian {
		if c.SignatureAlgorithm.String() == "RSASSA-PSS" && !strings.Contains(describePSS(t, c), "SHA-512") {
			t.Errorf("an Italian PSS certificate is not PSS/SHA-512")
		}
	}
	t.Logf("link signatures verified: %v (cA=false: %d)", links, linkNotCA)
}

// describePSS makes the certificate's PSS signature fail on purpose to
// read the parameters from the refusal.
func describePSS(t *testing.T, c *pki.Certificate) string {
	err := pki.VerifySignature(c.PublicKey, c.SignatureAlgorithm, []byte("not the TBS"), c.Signature)
	if err == nil {
		t.Fatal("a signature verified over other data")
	}
	return err.Error()
}
