package ca

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
)

var oidReasonCode = asn1.ObjectIdentifier{2, 5, 29, 21}

func TestCreateCRL(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	now := pki.clock.Now()
	entries := []CRLEntry{
		{Serial: big.NewInt(300), RevokedAt: now.Add(-time.Hour), Reason: ReasonCertificateHold},
		{Serial: big.NewInt(100), RevokedAt: now.Add(-2 * time.Hour), Reason: ReasonKeyCompromise},
		{Serial: big.NewInt(200), RevokedAt: now.Add(-3 * time.Hour), Reason: ReasonUnspecified},
		{Serial: big.NewInt(400), RevokedAt: now.Add(-4 * time.Hour), Reason: ReasonSuperseded},
		{Serial: big.NewInt(500), RevokedAt: now.Add(-5 * time.Hour), Reason: ReasonCessationOfOperation},
		{Serial: big.NewInt(600), RevokedAt: now, Reason: ReasonPrivilegeWithdrawn},
		{Serial: big.NewInt(700), RevokedAt: now, Reason: ReasonAffiliationChanged},
	}
	tests := []struct {
		name       string
		req        CRLRequest
		wantNext   time.Time
		wantNumber int64
	}{
		{"entries, defaults", CRLRequest{Number: big.NewInt(7), Entries: entries}, now.Add(DefaultCRLValidity), 7},
		{"empty, explicit times", CRLRequest{Number: big.NewInt(8), ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour)}, now.Add(24 * time.Hour), 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := pki.issSigner.calls.Load()
			der, err := pki.issuer.CreateCRL(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if pki.issSigner.calls.Load() != before+1 {
				t.Fatal("CA key must sign exactly once")
			}
			crl, err := x509.ParseRevocationList(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := crl.CheckSignatureFrom(pki.issuing); err != nil {
				t.Fatalf("signature: %v", err)
			}
			if !bytes.Equal(crl.RawIssuer, pki.issuing.RawSubject) || !bytes.Equal(crl.AuthorityKeyId, pki.issuing.SubjectKeyId) {
				t.Error("issuer name or AKI do not match the issuing CA")
			}
			if crl.Number.Int64() != tt.wantNumber || !crl.ThisUpdate.Equal(now) || !crl.NextUpdate.Equal(tt.wantNext) {
				t.Errorf("number %v thisUpdate %v nextUpdate %v", crl.Number, crl.ThisUpdate, crl.NextUpdate)
			}
			if len(crl.RevokedCertificateEntries) != len(tt.req.Entries) {
				t.Fatalf("%d entries, want %d", len(crl.RevokedCertificateEntries), len(tt.req.Entries))
			}
			want := map[int64]CRLEntry{}
			for _, e := range tt.req.Entries {
				want[e.Serial.Int64()] = e
			}
			var prev *big.Int
			for _, got := range crl.RevokedCertificateEntries {
				w := want[got.SerialNumber.Int64()]
				if !got.RevocationTime.Equal(w.RevokedAt) || got.ReasonCode != int(w.Reason) {
					t.Errorf("serial %v: time %v reason %d, want %v %d", got.SerialNumber, got.RevocationTime, got.ReasonCode, w.RevokedAt, w.Reason)
				}
				// Unspecified is expressed by leaving reasonCode out (RFC 5280 5.3.1).
				hasReason := false
				for _, e := range got.Extensions {
					if e.Id.Equal(oidReasonCode) {
						hasReason = true
						var code asn1.Enumerated
						if _, err := asn1.Unmarshal(e.Value, &code); err != nil || int(code) != int(w.Reason) || e.Critical {
							t.Errorf("serial %v reasonCode %d critical %v (%v)", got.SerialNumber, code, e.Critical, err)
						}
					}
				}
				if hasReason != (w.Reason != ReasonUnspecified) {
					t.Errorf("serial %v: reasonCode present %v for %s", got.SerialNumber, hasReason, w.Reason)
				}
				if prev != nil && prev.Cmp(got.SerialNumber) >= 0 {
					t.Error("entries not sorted by serial")
				}
				prev = got.SerialNumber
			}
		})
	}
}

func TestCreateCRLRefusesBadRequests(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	now := pki.clock.Now()
	e := func(serial int64, at time.Time, r RevocationReason) CRLEntry {
		return CRLEntry{Serial: big.NewInt(serial), RevokedAt: at, Reason: r}
	}
	huge := new(big.Int).Lsh(big.NewInt(1), 160)
	tests := []struct {
		name   string
		req    CRLRequest
		detail string
	}{
		{"no number", CRLRequest{}, "CRL number"},
		{"negative number", CRLRequest{Number: big.NewInt(-1)}, "CRL number"},
		{"number over 20 octets", CRLRequest{Number: huge}, "20 octets"},
		{"next before this", CRLRequest{Number: big.NewInt(1), ThisUpdate: now, NextUpdate: now.Add(-time.Hour)}, "nextUpdate"},
		{"duplicate serial", CRLRequest{Number: big.NewInt(1), Entries: []CRLEntry{e(5, now, ReasonKeyCompromise), e(5, now, ReasonSuperseded)}}, "twice"},
		{"zero serial", CRLRequest{Number: big.NewInt(1), Entries: []CRLEntry{e(0, now, ReasonKeyCompromise)}}, "positive serial"},
		{"nil serial", CRLRequest{Number: big.NewInt(1), Entries: []CRLEntry{{RevokedAt: now}}}, "positive serial"},
		{"no revocation time", CRLRequest{Number: big.NewInt(1), Entries: []CRLEntry{e(5, time.Time{}, ReasonKeyCompromise)}}, "revocation time"},
		{"revoked in the future", CRLRequest{Number: big.NewInt(1), Entries: []CRLEntry{e(5, now.Add(time.Hour), ReasonKeyCompromise)}}, "revocation time"},
		{"reason 7", CRLRequest{Number: big.NewInt(1), Entries: []CRLEntry{e(5, now, 7)}}, "cannot appear"},
		{"removeFromCRL", CRLRequest{Number: big.NewInt(1), Entries: []CRLEntry{e(5, now, ReasonRemoveFromCRL)}}, "cannot appear"},
		{"cACompromise on a leaf CRL", CRLRequest{Number: big.NewInt(1), Entries: []CRLEntry{e(5, now, ReasonCACompromise)}}, "cannot appear"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := pki.issSigner.calls.Load()
			_, err := pki.issuer.CreateCRL(context.Background(), tt.req)
			if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(errs.DetailOf(err), tt.detail) {
				t.Fatalf("err = %v, want InvalidRequest containing %q", err, tt.detail)
			}
			if pki.issSigner.calls.Load() != before {
				t.Fatal("CA key signed")
			}
		})
	}
}

// The CRL follows the status machine: a suspended certificate is listed
// with certificateHold, leaves the CRL once reactivated, and a hold that
// lapses is listed as revoked without reason, dated from the hold.
func TestCRLFollowsStatus(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	lc := Lifecycle{}
	serial := big.NewInt(0xC0FFEE)
	issued := pki.clock.Now().Add(-48 * time.Hour)
	st := NewCertStatus(pki.clock.Now().AddDate(3, 0, 0), issued)

	crlFor := func(s CertStatus, number int64) *x509.RevocationList {
		t.Helper()
		var entries []CRLEntry
		if e, ok := lc.Tick(s, pki.clock.Now()).CRLEntry(serial); ok {
			entries = append(entries, e)
		}
		der, err := pki.issuer.CreateCRL(context.Background(), CRLRequest{Number: big.NewInt(number), Entries: entries})
		if err != nil {
			t.Fatal(err)
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		return crl
	}

	suspended, err := lc.Suspend(st, issued.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	crl := crlFor(suspended, 1)
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].ReasonCode != int(ReasonCertificateHold) {
		t.Fatalf("suspended certificate must be listed on hold: %+v", crl.RevokedCertificateEntries)
	}

	active, err := lc.Reactivate(suspended, issued.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if crl := crlFor(active, 2); len(crl.RevokedCertificateEntries) != 0 {
		t.Fatalf("reactivated certificate must leave the CRL: %+v", crl.RevokedCertificateEntries)
	}

	shortHold := Lifecycle{MaxSuspension: time.Hour}
	held, err := shortHold.Suspend(active, issued.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	lapsed := shortHold.Tick(held, pki.clock.Now())
	crl = crlFor(lapsed, 3)
	if len(crl.RevokedCertificateEntries) != 1 {
		t.Fatal("lapsed hold must stay on the CRL")
	}
	if got := crl.RevokedCertificateEntries[0]; got.ReasonCode != 0 || !got.RevocationTime.Equal(issued.Add(3*time.Hour)) {
		t.Fatalf("lapsed hold: reason %d at %v, want unspecified at the hold start", got.ReasonCode, got.RevocationTime)
	}
}
