package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"sort"
	"strings"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// lintSources are the zlint sources that apply to signing certificates. The
// CA/Browser Forum, Mozilla, Apple and Chrome sources describe web-PKI
// (TLS and S/MIME) certificates and fire falsely on qualified signing
// certificates, so they are not run.
var lintSources = lint.SourceList{lint.RFC5280, lint.EtsiEsi}

// LintFinding is one failed lint: a zlint lint or one of this package's own
// checks (named "e_qes_...").
type LintFinding struct {
	Name    string
	Status  string // "error", "fatal" or "warn"
	Details string
}

func (f LintFinding) String() string {
	if f.Details == "" {
		return f.Name
	}
	return f.Name + " (" + f.Details + ")"
}

// LintError is returned (wrapped) when a certificate or CRL fails pre-issuance
// linting. The CA key has not signed anything when it is returned.
type LintError struct {
	Findings []LintFinding
}

func (e *LintError) Error() string {
	parts := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		parts[i] = f.String()
	}
	return "pre-issuance lint failed: " + strings.Join(parts, ", ")
}

// linter signs to-be-signed objects with a throwaway key under a copy of the
// real issuer that carries that key, and lints the result. x509.Create*
// needs a signer matching the parent certificate, hence the copied issuer.
type linter struct {
	signer   crypto.Signer
	issuer   *x509.Certificate
	registry lint.Registry
}

func newLinter(realIssuer *x509.Certificate, skip []string) (*linter, error) {
	signer, err := newThrowawayKey(realIssuer.PublicKey)
	if err != nil {
		return nil, err
	}
	issuer, err := lintIssuer(realIssuer, signer)
	if err != nil {
		return nil, err
	}
	reg, err := newRegistry(skip)
	if err != nil {
		return nil, err
	}
	return &linter{signer: signer, issuer: issuer, registry: reg}, nil
}

func newRegistry(skip []string) (lint.Registry, error) {
	reg, err := lint.GlobalRegistry().Filter(lint.FilterOptions{IncludeSources: lintSources, ExcludeNames: skip})
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.CAInvalidLintSkipList)
	}
	return reg, nil
}

// newThrowawayKey makes a software key of the same algorithm and size as
// pub, so the lint certificate has the same signature algorithm as the real.
func newThrowawayKey(pub crypto.PublicKey) (crypto.Signer, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		key, err := ecdsa.GenerateKey(k.Curve, rand.Reader)
		return key, errs.Internalf(err, "generate ECDSA lint key")
	case *rsa.PublicKey:
		key, err := rsa.GenerateKey(rand.Reader, k.N.BitLen())
		return key, errs.Internalf(err, "generate RSA lint key")
	}
	return nil, errs.M(errs.InvalidRequest, msg.CAUnsupportedCAKeyType, pub)
}

// lintIssuer copies every field of the real issuer that CreateCertificate
// reads from a parent (subject bytes, key identifier, key usage) onto a
// certificate for the throwaway key.
func lintIssuer(real *x509.Certificate, signer crypto.Signer) (*x509.Certificate, error) {
	sigAlg, err := signatureAlgorithmFor(signer.Public())
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.CAIssuerKey)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          real.SerialNumber,
		RawSubject:            real.RawSubject,
		NotBefore:             real.NotBefore,
		NotAfter:              real.NotAfter,
		KeyUsage:              real.KeyUsage,
		ExtKeyUsage:           real.ExtKeyUsage,
		BasicConstraintsValid: real.BasicConstraintsValid,
		IsCA:                  real.IsCA,
		MaxPathLen:            real.MaxPathLen,
		MaxPathLenZero:        real.MaxPathLenZero,
		SubjectKeyId:          real.SubjectKeyId,
		AuthorityKeyId:        real.AuthorityKeyId,
		SignatureAlgorithm:    sigAlg,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return nil, errs.Internalf(err, "create lint issuer")
	}
	cert, err := x509.ParseCertificate(der)
	return cert, errs.Internalf(err, "parse lint issuer")
}

// certCheck is one of this package's own checks, run on the parsed lint
// certificate. It returns "" when the certificate passes.
type certCheck struct {
	name string
	run  func(*x509.Certificate) string
}

// lintReport is the outcome of linting: blocking findings and warnings.
type lintReport struct {
	failures []LintFinding
	warnings []LintFinding
}

func (r lintReport) err() error {
	if len(r.failures) == 0 {
		return nil
	}
	return errs.Internalf(&LintError{Findings: r.failures}, "certificate refused before signing")
}

// lintCertificate builds the certificate with the throwaway key, runs zlint
// and the own checks, and returns the lint certificate with the report.
func (l *linter) lintCertificate(tmpl *x509.Certificate, pub crypto.PublicKey, checks []certCheck) (*x509.Certificate, lintReport, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, l.issuer, pub, l.signer)
	if err != nil {
		return nil, lintReport{}, errs.Internalf(err, "create lint certificate")
	}
	return l.lintDER(der, checks)
}

func (l *linter) lintDER(der []byte, checks []certCheck) (*x509.Certificate, lintReport, error) {
	zc, err := zx509.ParseCertificate(der)
	if err != nil {
		return nil, lintReport{}, errs.Internalf(err, "zcrypto cannot parse lint certificate")
	}
	report := collect(zlint.LintCertificateEx(zc, l.registry))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, lintReport{}, errs.Internalf(err, "parse lint certificate")
	}
	for _, c := range checks {
		if details := c.run(cert); details != "" {
			report.failures = append(report.failures, LintFinding{Name: c.name, Status: "error", Details: details})
		}
	}
	return cert, report, nil
}

// collect sorts zlint results into blocking failures (error, fatal) and
// warnings (warn, notice), each ordered by lint name.
func collect(rs *zlint.ResultSet) lintReport {
	var r lintReport
	names := make([]string, 0, len(rs.Results))
	for name := range rs.Results {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		res := rs.Results[name]
		f := LintFinding{Name: name, Status: res.Status.String(), Details: res.Details}
		switch res.Status {
		case lint.Error, lint.Fatal:
			r.failures = append(r.failures, f)
		case lint.Warn, lint.Notice:
			r.warnings = append(r.warnings, f)
		}
	}
	return r
}
