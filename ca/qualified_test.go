package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
)

// Test-side ASN.1 shapes, written from RFC 3739 / ETSI EN 319 412-5 /
// RFC 5280 independently of the package's own decoder.
type tQCStatement struct {
	ID   asn1.ObjectIdentifier
	Info asn1.RawValue `asn1:"optional"`
}

type tPDS struct {
	URL  string
	Lang string
}

type tPolicy struct {
	ID         asn1.ObjectIdentifier
	Qualifiers []struct {
		ID  asn1.ObjectIdentifier
		URI asn1.RawValue
	} `asn1:"optional"`
}

// tRDNSET is a RelativeDistinguishedName; encoding/asn1 reads a type whose
// name ends in SET as an ASN.1 SET.
type tRDNSET []struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

func extension(t *testing.T, c *x509.Certificate, oid asn1.ObjectIdentifier) (value []byte, critical bool) {
	t.Helper()
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Value, e.Critical
		}
	}
	t.Fatalf("extension %v missing", oid)
	return nil, false
}

func TestIssueQualifiedProfile(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	prof := testProfile(t)
	for _, alg := range []keyAlg{algRSA2048, algRSA3072, algP256, algP384} {
		t.Run(string(alg), func(t *testing.T) {
			leafKey := testKey(t, alg, "leaf")
			before := pki.issSigner.calls.Load()
			cert, err := pki.issuer.IssueQualified(context.Background(), prof, QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: leafKey.Public()})
			if err != nil {
				t.Fatalf("IssueQualified: %v", err)
			}
			if n := pki.issSigner.calls.Load() - before; n != 1 {
				t.Fatalf("CA key signed %d times, want exactly 1", n)
			}
			assertQualifiedCert(t, pki, cert, leafKey.Public())
		})
	}
}

func assertQualifiedCert(t *testing.T, pki *testPKI, cert *x509.Certificate, pub crypto.PublicKey) {
	t.Helper()
	if err := cert.CheckSignatureFrom(pki.issuing); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if !samePublicKey(pub, cert.PublicKey) {
		t.Fatal("subject public key differs")
	}
	if cert.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("signature algorithm %v", cert.SignatureAlgorithm)
	}

	// keyUsage: nonRepudiation only, critical.
	if cert.KeyUsage != x509.KeyUsageContentCommitment {
		t.Errorf("keyUsage = %b, want contentCommitment only", cert.KeyUsage)
	}
	if kuDER, critical := extension(t, cert, asn1.ObjectIdentifier{2, 5, 29, 15}); !critical {
		t.Error("keyUsage not critical")
	} else {
		var bits asn1.BitString
		if _, err := asn1.Unmarshal(kuDER, &bits); err != nil || bits.BitLength != 2 || bits.At(1) != 1 || bits.At(0) != 0 {
			t.Errorf("keyUsage bits = %+v, want only bit 1 (nonRepudiation)", bits)
		}
	}
	if cert.IsCA || len(cert.ExtKeyUsage) != 0 {
		t.Error("leaf must be a non-CA without EKU")
	}

	// Subject attributes with their ASN.1 string types.
	wantSubject := []struct {
		oid   asn1.ObjectIdentifier
		tag   int
		value string
	}{
		{oids.AttrCountryName, asn1.TagPrintableString, "IT"},
		{oids.AttrSurname, asn1.TagUTF8String, "Rossi"},
		{oids.AttrGivenName, asn1.TagUTF8String, "Mario"},
		{oids.AttrSerialNumber, asn1.TagPrintableString, "TINIT-RSSMRA80A01H501U"},
		{oids.AttrCommonName, asn1.TagUTF8String, "Mario Rossi"},
	}
	var rdns []tRDNSET
	if _, err := asn1.Unmarshal(cert.RawSubject, &rdns); err != nil {
		t.Fatal(err)
	}
	if len(rdns) != len(wantSubject) {
		t.Fatalf("subject has %d RDNs, want %d", len(rdns), len(wantSubject))
	}
	for k, w := range wantSubject {
		got := rdns[k][0]
		if !got.Type.Equal(w.oid) || got.Value.Tag != w.tag || string(got.Value.Bytes) != w.value {
			t.Errorf("RDN %d = %v tag %d %q, want %v tag %d %q", k, got.Type, got.Value.Tag, got.Value.Bytes, w.oid, w.tag, w.value)
		}
	}
	if len(cert.EmailAddresses) != 1 || cert.EmailAddresses[0] != "mario.rossi@example.it" {
		t.Errorf("SAN e-mail = %v", cert.EmailAddresses)
	}

	// Certificate policies.
	polDER, _ := extension(t, cert, oids.CertificatePolicies)
	var pols []tPolicy
	if rest, err := asn1.Unmarshal(polDER, &pols); err != nil || len(rest) != 0 {
		t.Fatalf("policies: %v", err)
	}
	if len(pols) != 2 || !pols[0].ID.Equal(asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 2}) || len(pols[0].Qualifiers) != 0 {
		t.Fatalf("first policy must be QCP-n-qscd without qualifier: %+v", pols)
	}
	if !pols[1].ID.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}) || len(pols[1].Qualifiers) != 1 ||
		!pols[1].Qualifiers[0].ID.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 2, 1}) ||
		pols[1].Qualifiers[0].URI.Tag != asn1.TagIA5String || string(pols[1].Qualifiers[0].URI.Bytes) != "https://pki.qes.test/cps" {
		t.Fatalf("TSP policy with CPS qualifier wrong: %+v", pols[1])
	}

	// QC statements, decoded by hand.
	qcDER, critical := extension(t, cert, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3})
	if critical {
		t.Error("qcStatements must not be critical")
	}
	var stmts []tQCStatement
	if rest, err := asn1.Unmarshal(qcDER, &stmts); err != nil || len(rest) != 0 {
		t.Fatalf("qcStatements: %v", err)
	}
	got := map[string]asn1.RawValue{}
	for _, s := range stmts {
		got[s.ID.String()] = s.Info
	}
	if len(got) != 6 {
		t.Errorf("want 6 distinct QC statements, got %d: %v", len(got), got)
	}
	for _, id := range []string{"0.4.0.1862.1.1", "0.4.0.1862.1.4"} {
		info, ok := got[id]
		if !ok || len(info.FullBytes) != 0 {
			t.Errorf("statement %s must be present without info", id)
		}
	}
	var qcType []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(got["0.4.0.1862.1.6"].FullBytes, &qcType); err != nil || len(qcType) != 1 || qcType[0].String() != "0.4.0.1862.1.6.1" {
		t.Errorf("QcType = %v (%v), want [esign]", qcType, err)
	}
	var pds []tPDS
	if _, err := asn1.Unmarshal(got["0.4.0.1862.1.5"].FullBytes, &pds); err != nil || len(pds) != 2 ||
		pds[0] != (tPDS{"https://pki.qes.test/pds-en.pdf", "en"}) || pds[1] != (tPDS{"https://pki.qes.test/pds-it.pdf", "it"}) {
		t.Errorf("QcPDS = %+v (%v)", pds, err)
	}
	var years int
	if _, err := asn1.Unmarshal(got["0.4.0.1862.1.3"].FullBytes, &years); err != nil || years != 20 {
		t.Errorf("QcRetentionPeriod = %d (%v), want 20", years, err)
	}
	var sem struct{ ID asn1.ObjectIdentifier }
	if _, err := asn1.Unmarshal(got["1.3.6.1.5.5.7.11.2"].FullBytes, &sem); err != nil || sem.ID.String() != "0.4.0.194121.1.1" {
		t.Errorf("semantics identifier = %v (%v), want id-etsi-qcs-semanticsId-Natural", sem.ID, err)
	}

	// AIA, CRL DP, key identifiers.
	if len(cert.IssuingCertificateURL) != 1 || cert.IssuingCertificateURL[0] != "http://pki.qes.test/qca.crt" ||
		len(cert.OCSPServer) != 1 || cert.OCSPServer[0] != "http://ocsp.qes.test/qca" {
		t.Errorf("AIA = %v / %v", cert.IssuingCertificateURL, cert.OCSPServer)
	}
	if len(cert.CRLDistributionPoints) != 1 || cert.CRLDistributionPoints[0] != "http://pki.qes.test/qca.crl" {
		t.Errorf("CRL DP = %v", cert.CRLDistributionPoints)
	}
	if !bytes.Equal(cert.AuthorityKeyId, pki.issuing.SubjectKeyId) {
		t.Error("AKI does not match the issuing CA's SKI")
	}
	if wantSKI, _ := subjectKeyID(pub); len(cert.SubjectKeyId) != 20 || !bytes.Equal(cert.SubjectKeyId, wantSKI) {
		t.Errorf("SKI = %x", cert.SubjectKeyId)
	}

	// Serial: positive, 16 octets, at least 64 random bits (bit 126 fixed).
	if cert.SerialNumber.Sign() <= 0 || cert.SerialNumber.BitLen() != 127 {
		t.Errorf("serial %x: want positive with 127 bits", cert.SerialNumber)
	}

	// Validity: backdated one minute, three calendar years from issuance.
	if want := pki.clock.Now().Add(-time.Minute); !cert.NotBefore.Equal(want) {
		t.Errorf("notBefore = %v, want %v", cert.NotBefore, want)
	}
	if want := pki.clock.Now().AddDate(3, 0, 0).Add(-time.Second); !cert.NotAfter.Equal(want) {
		t.Errorf("notAfter = %v, want %v", cert.NotAfter, want)
	}
}

func TestIssueQualifiedWithRSAIssuer(t *testing.T) {
	pki := newTestPKI(t, algRSA2048, algRSA2048)
	cert, err := pki.issuer.IssueQualified(context.Background(), testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
	if err != nil {
		t.Fatal(err)
	}
	// PKCS#1 v1.5, never PSS: crypto11 refuses PSS with automatic salt.
	for _, c := range []*x509.Certificate{pki.root, pki.issuing, cert} {
		if c.SignatureAlgorithm != x509.SHA256WithRSA {
			t.Errorf("%s signed with %v, want SHA256WithRSA", c.Subject.CommonName, c.SignatureAlgorithm)
		}
	}
	if err := cert.CheckSignatureFrom(pki.issuing); err != nil {
		t.Fatal(err)
	}
}

func TestIssueQualifiedValidityOptions(t *testing.T) {
	tests := []struct {
		name         string
		validity     time.Duration
		backdate     time.Duration
		wantBefore   time.Duration // relative to now
		wantAfterAdd func(time.Time) time.Time
	}{
		{"defaults", 0, 0, -time.Minute, func(n time.Time) time.Time { return n.AddDate(3, 0, 0).Add(-time.Second) }},
		{"one year, no backdate", 365 * 24 * time.Hour, -1, 0, func(n time.Time) time.Time { return n.Add(365*24*time.Hour - time.Second) }},
		{"custom backdate", 24 * time.Hour, 5 * time.Minute, -5 * time.Minute, func(n time.Time) time.Time { return n.Add(24*time.Hour - time.Second) }},
	}
	pki := newTestPKI(t, algP256, algP256)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testProfileConfig()
			cfg.Validity = tt.validity
			prof, err := NewQualifiedProfile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			iss, err := NewIssuer(IssuerConfig{Certificate: pki.issuing, Signer: pki.issSigner, CAIssuersURL: "http://a.test/ca.crt",
				OCSPURL: "http://a.test/ocsp", CRLURL: "http://a.test/ca.crl", Backdate: tt.backdate, Clock: func() time.Time { return pki.clock.Now() }})
			if err != nil {
				t.Fatal(err)
			}
			cert, err := iss.IssueQualified(context.Background(), prof, QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
			if err != nil {
				t.Fatal(err)
			}
			if want := pki.clock.Now().Add(tt.wantBefore); !cert.NotBefore.Equal(want) {
				t.Errorf("notBefore = %v, want %v", cert.NotBefore, want)
			}
			if want := tt.wantAfterAdd(pki.clock.Now()); !cert.NotAfter.Equal(want) {
				t.Errorf("notAfter = %v, want %v", cert.NotAfter, want)
			}
		})
	}
}

func TestIssueQualifiedRefusesBadRequests(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	prof := testProfile(t)
	good := testKey(t, algP256, "leaf").Public()
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	rsaE3 := *testKey(t, algRSA2048, "leaf").Public().(*rsa.PublicKey)
	rsaE3.E = 3
	with := func(f func(*NaturalPerson)) NaturalPerson { p := mario(); f(&p); return p }

	tests := []struct {
		name    string
		subject NaturalPerson
		pub     crypto.PublicKey
		kind    errs.Kind
		detail  string
	}{
		{"bad country", with(func(p *NaturalPerson) { p.Country = "XX" }), good, errs.InvalidRequest, "ISO 3166"},
		{"lower-case country", with(func(p *NaturalPerson) { p.Country = "it" }), good, errs.InvalidRequest, "ISO 3166"},
		{"no given name", with(func(p *NaturalPerson) { p.GivenName = "" }), good, errs.InvalidRequest, "given name is required"},
		{"no surname", with(func(p *NaturalPerson) { p.Surname = "" }), good, errs.InvalidRequest, "surname is required"},
		{"bad semantics id", with(func(p *NaturalPerson) { p.SerialNumber = "RSSMRA80A01H501U" }), good, errs.InvalidRequest, "semantics identifier"},
		{"wrong tax code", with(func(p *NaturalPerson) { p.SerialNumber = "TINIT-RSSMRA80A01H501X" }), good, errs.InvalidRequest, "check character"},
		{"long default CN", with(func(p *NaturalPerson) { p.GivenName = strings.Repeat("A", 40); p.Surname = strings.Repeat("B", 40) }), good, errs.InvalidRequest, "shorter common name"},
		{"long given name", with(func(p *NaturalPerson) { p.GivenName = strings.Repeat("A", 65); p.CommonName = "A B" }), good, errs.InvalidRequest, "exceeds 64"},
		{"control char", with(func(p *NaturalPerson) { p.Surname = "Ro\nssi" }), good, errs.InvalidRequest, "non-printable"},
		{"double space", with(func(p *NaturalPerson) { p.GivenName = "Mario  Luigi" }), good, errs.InvalidRequest, "repeated spaces"},
		{"bad email", with(func(p *NaturalPerson) { p.Email = "Mario <m@example.it>" }), good, errs.InvalidRequest, "e-mail"},
		{"non-ascii email", with(func(p *NaturalPerson) { p.Email = "màrio@example.it" }), good, errs.InvalidRequest, "e-mail"},
		{"no key", mario(), nil, errs.InvalidRequest, "missing"},
		{"P-521 key", mario(), p521.Public(), errs.InvalidRequest, "P-256 or P-384"},
		{"RSA-1024 key", mario(), rsa1024.Public(), errs.InvalidRequest, "2048, 3072 or 4096"},
		{"RSA e=3", mario(), &rsaE3, errs.InvalidRequest, "exponent"},
		{"Ed25519 key", mario(), edPub, errs.InvalidRequest, "RSA or ECDSA"},
		{"CA's own key", mario(), pki.issSigner.Public(), errs.InvalidRequest, "CA's own key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := pki.issSigner.calls.Load()
			_, err := pki.issuer.IssueQualified(context.Background(), prof, QualifiedRequest{Owner: testOwner, Subject: tt.subject, PublicKey: tt.pub})
			if errs.KindOf(err) != tt.kind || !strings.Contains(errs.DetailOf(err), tt.detail) {
				t.Fatalf("err = %v (kind %v), want %v containing %q", err, errs.KindOf(err), tt.kind, tt.detail)
			}
			if pki.issSigner.calls.Load() != before {
				t.Fatal("the CA key signed a refused request")
			}
		})
	}
}

func TestIssueQualifiedCustomCommonNameAndNoEmail(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	p := mario()
	p.CommonName = "Mario Rossi (firma)"
	p.Email = ""
	p.GivenName = "Mario Luigi"
	p.Surname = "D'Angelo Bianchi"
	cert, err := pki.issuer.IssueQualified(context.Background(), testProfile(t), QualifiedRequest{Owner: testOwner, Subject: p, PublicKey: testKey(t, algP384, "leaf").Public()})
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "Mario Rossi (firma)" || len(cert.EmailAddresses) != 0 {
		t.Fatalf("CN %q, e-mails %v", cert.Subject.CommonName, cert.EmailAddresses)
	}
	for _, e := range cert.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 17}) {
			t.Fatal("no subjectAltName expected without e-mail")
		}
	}
}

func TestIssueRefusesBeyondCAValidity(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	cfg := testProfileConfig()
	cfg.Validity = 11 * 365 * 24 * time.Hour // the issuing CA lives 10 years
	prof, err := NewQualifiedProfile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	before := pki.issSigner.calls.Load()
	_, err = pki.issuer.IssueQualified(context.Background(), prof, QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
	if !errs.Is(err, errs.Conflict) || !strings.Contains(errs.DetailOf(err), "expire after the issuing CA") {
		t.Fatalf("err = %v, want Conflict about CA expiry", err)
	}
	if pki.issSigner.calls.Load() != before {
		t.Fatal("CA key signed")
	}

	// An issuing CA that is not valid at the issuer's clock issues nothing.
	expired := *pki.issuer
	expired.clock = func() time.Time { return pki.issuing.NotAfter.Add(time.Hour) }
	_, err = expired.IssueQualified(context.Background(), testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("err = %v, want Conflict for an expired CA", err)
	}
}

func TestNewQualifiedProfileValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*QualifiedProfileConfig)
		detail string
	}{
		{"bad OID", func(c *QualifiedProfileConfig) { c.PolicyOID = "1.3.x" }, "invalid OID"},
		{"ETSI OID as own", func(c *QualifiedProfileConfig) { c.PolicyOID = "0.4.0.194112.1.2" }, "TSP's own policy"},
		{"CPS not a URL", func(c *QualifiedProfileConfig) { c.CPSURI = "cps" }, "CPS URI"},
		{"no PDS", func(c *QualifiedProfileConfig) { c.PDS = nil }, "PDS"},
		{"negative retention", func(c *QualifiedProfileConfig) { c.RetentionYears = -1 }, "retention"},
		{"negative validity", func(c *QualifiedProfileConfig) { c.Validity = -time.Hour }, "validity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testProfileConfig()
			tt.mutate(&cfg)
			_, err := NewQualifiedProfile(cfg)
			if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(errs.DetailOf(err), tt.detail) {
				t.Fatalf("err = %v, want InvalidRequest containing %q", err, tt.detail)
			}
		})
	}
}

func TestSerialNumbers(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		s, err := NewSerial(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if s.Sign() <= 0 || s.BitLen() != 127 || len(s.Bytes()) != 16 {
			t.Fatalf("serial %x: want positive, 16 octets, top bit clear", s)
		}
		if seen[s.String()] {
			t.Fatalf("duplicate serial %x", s)
		}
		seen[s.String()] = true
	}
}

func TestSerialInUseRetriesAndGivesUp(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	tests := []struct {
		name      string
		collide   int // how many first draws are "in use"
		wantErr   bool
		wantCalls int
	}{
		{"no collision", 0, false, 1},
		{"one collision", 1, false, 2},
		{"always in use", 1000, true, maxSerialAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var checked []*big.Int
			iss := *pki.issuer
			iss.inUse = func(_ context.Context, s *big.Int) (bool, error) {
				checked = append(checked, s)
				return len(checked) <= tt.collide, nil
			}
			cert, err := iss.IssueQualified(context.Background(), testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if len(checked) != tt.wantCalls {
				t.Fatalf("SerialInUse called %d times, want %d", len(checked), tt.wantCalls)
			}
			if err == nil && cert.SerialNumber.Cmp(checked[len(checked)-1]) != 0 {
				t.Fatal("certificate does not carry the serial that passed the check")
			}
		})
	}
}

// One Issuer serves concurrent enrolments: run under -race.
func TestConcurrentIssuance(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	prof := testProfile(t)
	pub := testKey(t, algP256, "leaf").Public()
	const workers, each = 4, 5
	serials := make(chan string, workers*each)
	errc := make(chan error, workers)
	for range workers {
		go func() {
			for range each {
				c, err := pki.issuer.IssueQualified(context.Background(), prof, QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: pub})
				if err != nil {
					errc <- err
					return
				}
				serials <- c.SerialNumber.String()
			}
			errc <- nil
		}()
	}
	for range workers {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	close(serials)
	seen := map[string]bool{}
	for s := range serials {
		if seen[s] {
			t.Fatalf("duplicate serial %s", s)
		}
		seen[s] = true
	}
	if len(seen) != workers*each {
		t.Fatalf("%d certificates, want %d", len(seen), workers*each)
	}
}
