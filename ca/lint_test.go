package ca

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

// replaceExtension swaps the value of one extension in a template.
func replaceExtension(t *testing.T, tmpl *x509.Certificate, ext pkix.Extension) {
	t.Helper()
	for k, e := range tmpl.ExtraExtensions {
		if e.Id.Equal(ext.Id) {
			tmpl.ExtraExtensions[k] = ext
			return
		}
	}
	t.Fatalf("template has no extension %v", ext.Id)
}

func qcExtension(t *testing.T, q QCStatements) pkix.Extension {
	t.Helper()
	der, err := q.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: OIDQCStatements, Value: der}
}

func fullQC(t *testing.T) QCStatements {
	return testProfile(t).qc
}

// A deliberately broken qualified profile must be refused before the CA
// key signs: the counting signer proves the real key was never called.
func TestBrokenProfilesRefusedBeforeSigning(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	tests := []struct {
		name      string
		breakIt   func(t *testing.T, tmpl *x509.Certificate)
		wantLints []string
	}{
		{"QCP-n-qscd without QcSSCD (own check)", func(t *testing.T, tmpl *x509.Certificate) {
			q := fullQC(t)
			q.SSCD = false
			replaceExtension(t, tmpl, qcExtension(t, q))
		}, []string{"e_qes_qscd_policy_requires_qcsscd"}},
		{"qualified policy without QcCompliance (zlint and own check)", func(t *testing.T, tmpl *x509.Certificate) {
			q := fullQC(t)
			q.Compliance = false
			replaceExtension(t, tmpl, qcExtension(t, q))
		}, []string{"e_qcstatem_mandatory_etsi_statems", "e_qes_qualified_policy_requires_qccompliance"}},
		{"keyUsage with keyEncipherment (zlint)", func(t *testing.T, tmpl *x509.Certificate) {
			tmpl.KeyUsage = x509.KeyUsageContentCommitment | x509.KeyUsageKeyEncipherment
		}, []string{"e_etsi_natural_person_key_usage_correct_values"}},
		{"keyUsage digitalSignature only (own check)", func(t *testing.T, tmpl *x509.Certificate) {
			tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		}, []string{"e_qes_natural_person_key_usage_content_commitment"}},
		{"PDS over http (zlint)", func(t *testing.T, tmpl *x509.Certificate) {
			q := fullQC(t)
			q.PDS = []PDSLocation{{URL: "http://pki.qes.test/pds-en.pdf", Language: "en"}}
			replaceExtension(t, tmpl, qcExtension(t, q))
		}, []string{"e_qcstatem_pds_must_have_https_only"}},
		{"QC statements marked critical (zlint)", func(t *testing.T, tmpl *x509.Certificate) {
			ext := qcExtension(t, fullQC(t))
			ext.Critical = true
			replaceExtension(t, tmpl, ext)
		}, []string{"e_qcstatem_etsi_present_qcs_critical"}},
		{"subject without givenName (own check)", func(t *testing.T, tmpl *x509.Certificate) {
			tmpl.RawSubject = nil
			tmpl.Subject = pkix.Name{Country: []string{"IT"}, CommonName: "Mario Rossi", SerialNumber: "TINIT-RSSMRA80A01H501U"}
		}, []string{"e_qes_natural_person_subject_attributes"}},
		{"semantics statement missing (own check)", func(t *testing.T, tmpl *x509.Certificate) {
			q := fullQC(t)
			q.SemanticsID = nil
			replaceExtension(t, tmpl, qcExtension(t, q))
		}, []string{"e_qes_semantics_identifier_statement"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := pki.issuer.qualifiedTemplate(testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
			if err != nil {
				t.Fatal(err)
			}
			tt.breakIt(t, tmpl)
			before := pki.issSigner.calls.Load()
			_, err = pki.issuer.issue(context.Background(), testOwner, tmpl, testKey(t, algP256, "leaf").Public(), qualifiedNaturalPersonChecks)
			if pki.issSigner.calls.Load() != before {
				t.Fatal("the CA key signed a certificate that failed linting")
			}
			var lintErr *LintError
			if !errors.As(err, &lintErr) {
				t.Fatalf("err = %v, want a LintError", err)
			}
			if errs.KindOf(err) != errs.Internal {
				t.Errorf("kind = %v, want Internal (a profile defect, not the caller's)", errs.KindOf(err))
			}
			names := map[string]bool{}
			for _, f := range lintErr.Findings {
				names[f.Name] = true
			}
			for _, want := range tt.wantLints {
				if !names[want] {
					t.Errorf("lint %s did not fire; findings: %v", want, lintErr.Findings)
				}
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error message %q does not name %s", err, want)
				}
			}
		})
	}
}

// The profiles as shipped must come out of zlint and the own checks without
// errors, and also without warnings, so that a zlint upgrade that starts
// warning is noticed here rather than in production logs.
func TestProfilesLintClean(t *testing.T) {
	pki := newTestPKI(t, algP256, algP384)
	ctx := context.Background()
	leafPub := testKey(t, algP256, "leaf").Public()
	qual, err := pki.issuer.IssueQualified(ctx, testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: leafPub})
	if err != nil {
		t.Fatal(err)
	}
	ocsp, err := pki.issuer.IssueOCSPResponder(ctx, ServiceRequest{Subject: orgName("QES OCSP Responder"), PublicKey: testKey(t, algP256, "ocsp").Public()})
	if err != nil {
		t.Fatal(err)
	}
	tsa, err := pki.issuer.IssueTSA(ctx, ServiceRequest{Subject: orgName("QES TSU 1"), PublicKey: testKey(t, algP256, "tsa").Public(), PolicyOIDs: []string{"0.4.0.2023.1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cert   *x509.Certificate
		checks []certCheck
	}{
		{"root", pki.root, caChecks},
		{"issuing CA", pki.issuing, caChecks},
		{"qualified", qual, qualifiedNaturalPersonChecks},
		{"OCSP responder", ocsp, ocspResponderChecks},
		{"TSA", tsa, tsaChecks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, report, err := pki.issuer.linter.lintDER(tt.cert.Raw, tt.checks)
			if err != nil {
				t.Fatal(err)
			}
			if len(report.failures) > 0 || len(report.warnings) > 0 {
				t.Fatalf("failures %v, warnings %v", report.failures, report.warnings)
			}
		})
	}
}

// The own checks must bite on the real certificates of other profiles: an
// OCSP responder certificate is not a natural person qualified certificate.
func TestOwnChecksRejectWrongProfile(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	ocsp, err := pki.issuer.IssueOCSPResponder(context.Background(), ServiceRequest{Subject: orgName("QES OCSP Responder"), PublicKey: testKey(t, algP256, "ocsp").Public()})
	if err != nil {
		t.Fatal(err)
	}
	_, report, err := pki.issuer.linter.lintDER(ocsp.Raw, append(append([]certCheck{}, naturalPersonChecks...), tsaChecks...))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"e_qes_natural_person_key_usage_content_commitment": true,
		"e_qes_natural_person_subject_attributes":           true,
		"e_qes_semantics_identifier_statement":              true,
		"e_qes_qctype_esign":                                true,
		"e_qes_tsa_eku_critical_timestamping_only":          true,
	}
	for _, f := range report.failures {
		delete(want, f.Name)
	}
	if len(want) > 0 {
		t.Fatalf("checks did not fire: %v (failures %v)", want, report.failures)
	}
}

func TestSkipLintsNamesMustExist(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	_, err := NewIssuer(IssuerConfig{Certificate: pki.issuing, Signer: pki.issSigner, CAIssuersURL: "http://a.test/c",
		CRLURL: "http://a.test/l", SkipLints: []string{"e_no_such_lint"}})
	if !errs.Is(err, errs.InvalidRequest) {
		t.Fatalf("err = %v, want InvalidRequest for an unknown lint name", err)
	}
}

// BeforeSign sees exactly the TBS that is then signed, and can stop the
// issuance before the CA key is used.
func TestBeforeSignHook(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	stop := errs.E(errs.Unavailable, "storage down")
	tests := []struct {
		name    string
		hookErr error
	}{
		{"recorded then signed", nil},
		{"storage refuses", stop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []*x509.Certificate
			iss := *pki.issuer
			iss.before = func(_ context.Context, linted *x509.Certificate, _ Owner) error {
				seen = append(seen, linted)
				return tt.hookErr
			}
			before := pki.issSigner.calls.Load()
			cert, err := iss.IssueQualified(context.Background(), testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
			if len(seen) != 1 {
				t.Fatalf("hook called %d times, want 1", len(seen))
			}
			if tt.hookErr != nil {
				if !errors.Is(err, stop) || pki.issSigner.calls.Load() != before {
					t.Fatalf("err = %v, signer calls %d: hook error must stop issuance unsigned", err, pki.issSigner.calls.Load()-before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(seen[0].RawTBSCertificate, cert.RawTBSCertificate) || seen[0].SerialNumber.Cmp(cert.SerialNumber) != 0 {
				t.Fatal("hook saw a different TBS than the one signed")
			}
			if seen[0].CheckSignatureFrom(pki.issuing) == nil {
				t.Fatal("the hook must get the lint certificate, not a CA-signed one")
			}
		})
	}
}

// The register records the owner the request names; a qualified request
// without one is refused before anything is linted or recorded, instead of
// being recorded as a service certificate.
func TestBeforeSignGetsTheRequestOwner(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	for _, tc := range []struct {
		name  string
		owner Owner
		want  Owner // zero: refused
	}{
		{"holder", HolderOwner("h1", "c1"), HolderOwner("h1", "c1")},
		{"missing owner", Owner{}, Owner{}},
		{"holder without credential", Owner{HolderID: "h1"}, Owner{}},
		{"service owner for a qualified certificate", ServiceOwner, Owner{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen []Owner
			iss := *pki.issuer
			iss.before = func(_ context.Context, _ *x509.Certificate, o Owner) error {
				seen = append(seen, o)
				return nil
			}
			_, err := iss.IssueQualified(context.Background(), testProfile(t), QualifiedRequest{Owner: tc.owner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
			if tc.want == (Owner{}) {
				if !errs.Is(err, errs.InvalidRequest) || len(seen) != 0 {
					t.Fatalf("err = %v, hook calls %d: want InvalidRequest before the hook", err, len(seen))
				}
				return
			}
			if err != nil || len(seen) != 1 || seen[0] != tc.want {
				t.Fatalf("err = %v, hook saw %+v, want %+v", err, seen, tc.want)
			}
		})
	}
	var seen []Owner
	iss := *pki.issuer
	iss.before = func(_ context.Context, _ *x509.Certificate, o Owner) error {
		seen = append(seen, o)
		return nil
	}
	if _, err := iss.IssueOCSPResponder(context.Background(), ServiceRequest{Subject: orgName("QES OCSP Responder"), PublicKey: testKey(t, algP256, "ocsp").Public()}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != ServiceOwner {
		t.Fatalf("an OCSP responder certificate was recorded for %+v, want the service owner", seen)
	}
}
