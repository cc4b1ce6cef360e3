package ca

import (
	"context"
	"crypto/rand"
	"math/big"
	"testing"
	"time"
)

// BenchmarkIssueQualifiedP256 measures a full issuance (validation, lint
// certificate, zlint, own checks, real signature, TBS comparison, signature
// check) with ECDSA P-256 software keys. b.N/s is certificates per second on
// one goroutine; the HSM adds its own signing latency in production.
func BenchmarkIssueQualifiedP256(b *testing.B) {
	pki := newTestPKI(b, algP256, algP256)
	prof := testProfile(b)
	req := QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(b, algP256, "leaf").Public()}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := pki.issuer.IssueQualified(ctx, prof, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
}

// BenchmarkLintOnlyP256 isolates the pre-issuance lint share of the cost.
func BenchmarkLintOnlyP256(b *testing.B) {
	pki := newTestPKI(b, algP256, algP256)
	prof := testProfile(b)
	pub := testKey(b, algP256, "leaf").Public()
	tmpl, err := pki.issuer.qualifiedTemplate(prof, QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: pub})
	if err != nil {
		b.Fatal(err)
	}
	tmpl.SerialNumber, _ = NewSerial(rand.Reader)
	tmpl.SignatureAlgorithm = pki.issuer.sigAlg
	b.ReportAllocs()
	for b.Loop() {
		if _, r, err := pki.issuer.linter.lintCertificate(tmpl, pub, qualifiedNaturalPersonChecks); err != nil || len(r.failures) > 0 {
			b.Fatal(err, r.failures)
		}
	}
}

// BenchmarkCreateCRL1000 signs a CRL of 1000 entries (lint included).
func BenchmarkCreateCRL1000(b *testing.B) {
	pki := newTestPKI(b, algP256, algP256)
	entries := make([]CRLEntry, 1000)
	for k := range entries {
		s, _ := NewSerial(rand.Reader)
		entries[k] = CRLEntry{Serial: s, RevokedAt: pki.clock.Now().Add(-time.Hour), Reason: ReasonKeyCompromise}
	}
	ctx := context.Background()
	b.ReportAllocs()
	n := int64(0)
	for b.Loop() {
		n++
		if _, err := pki.issuer.CreateCRL(ctx, CRLRequest{Number: big.NewInt(n), Entries: entries}); err != nil {
			b.Fatal(err)
		}
	}
}
