package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/oids"
)

const verifyUsage = `usage: qesctl verify [--ca ROOTS.pem] [--content FILE] [--extract [-o DIR] [--force]] file.p7m|file.p7s...

Checks CAdES signatures (.p7m with the signed file inside, .p7s beside
it) locally, without any server: for each signer the certificate, the
claimed signing time, whether the content is intact and the signature
value verifies, the signature time-stamp, and the level reached (B-B,
B-T, B-LT, B-LTA). A .p7m inside a .p7m (.p7m.p7m) is opened and checked
too. With --ca, the signer's and the TSA's certificates must chain to
those roots. A .p7s is checked against --content, else against the file
of the same name without .p7s. --extract writes the innermost signed
file (contract.docx.p7m.p7m -> contract.docx) once every signature
verifies. The exit status is 1 when a file does not verify.

`

type verifyOptions struct {
	ca, content, outDir string
	extract, force      bool
	files               []string
}

func parseVerifyFlags(args []string, stderr io.Writer) (*verifyOptions, error) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &verifyOptions{}
	fs.StringVar(&o.ca, "ca", "", "PEM file of trusted root certificates (default: the chain is not checked)")
	fs.StringVar(&o.content, "content", "", "the signed file of a detached .p7s (default: its name without .p7s)")
	fs.StringVar(&o.outDir, "o", "", "with --extract: output directory (default: next to the .p7m)")
	fs.BoolVar(&o.extract, "extract", false, "write the signed file out of a .p7m")
	fs.BoolVar(&o.force, "force", false, "with --extract: overwrite an existing file")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), verifyUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.files = fs.Args()
	if len(o.files) == 0 {
		fs.Usage()
		return nil, errors.New("at least one .p7m or .p7s file is required")
	}
	if o.content != "" && len(o.files) > 1 {
		return nil, errors.New("--content goes with one .p7s")
	}
	return o, nil
}

func verifyCommand(_ context.Context, args []string) error {
	o, err := parseVerifyFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	return runVerify(o, os.Stdout, time.Now)
}

// runVerify checks every file and writes a report per file to w.
func runVerify(o *verifyOptions, w io.Writer, now func() time.Time) error {
	var roots *x509.CertPool
	if o.ca != "" {
		certs, err := readPEMCertificates(o.ca)
		if err != nil {
			return err
		}
		roots = x509.NewCertPool()
		for _, c := range certs {
			roots.AddCert(c)
		}
	}
	failed := 0
	for _, f := range o.files {
		v := &verifier{w: w, roots: roots, now: now}
		if err := v.file(o, f); err != nil {
			fmt.Fprintf(w, "%s: NOT VALID: %v\n", f, err)
			failed++
			continue
		}
		fmt.Fprintf(w, "%s: VALID\n", f)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d file(s) did not verify", failed, len(o.files))
	}
	return nil
}

// verifier checks one file and collects its report.
type verifier struct {
	w     io.Writer
	roots *x509.CertPool
	now   func() time.Time
}

func (v *verifier) printf(depth int, format string, args ...any) {
	fmt.Fprintf(v.w, "%s"+format+"\n", append([]any{strings.Repeat("  ", depth)}, args...)...)
}

// readSigned reads a .p7m/.p7s: DER, or base64 (with or without PEM
// armour), which some Italian tools write.
func readSigned(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(raw) > 0 && raw[0] == 0x30 {
		return raw, nil
	}
	if b, _ := pem.Decode(raw); b != nil {
		return b.Bytes, nil
	}
	clean := strings.Join(strings.Fields(string(raw)), "")
	if der, err := base64.StdEncoding.DecodeString(clean); err == nil && len(der) > 0 && der[0] == 0x30 {
		return der, nil
	}
	return raw, nil
}

func (v *verifier) file(o *verifyOptions, path string) error {
	der, err := readSigned(path)
	if err != nil {
		return err
	}
	p, err := parseP7(der)
	if err != nil {
		return err
	}
	content := p.content
	if !p.attached {
		cpath := o.content
		if cpath == "" {
			if !strings.EqualFold(filepath.Ext(path), ".p7s") {
				return errors.New("a detached signature: give the signed file with --content")
			}
			cpath = strings.TrimSuffix(path, filepath.Ext(path))
		}
		if content, err = os.ReadFile(cpath); err != nil {
			return fmt.Errorf("the signed file of this detached signature: %w", err)
		}
		v.printf(1, "detached CAdES signature over %s (%d bytes)", cpath, len(content))
	} else {
		v.printf(1, "CAdES signature with the signed content inside (%d bytes)", len(content))
	}
	innermost, err := v.signedData(p, content, 1)
	if err != nil {
		return err
	}
	if o.extract {
		if !p.attached {
			return errors.New("--extract: a .p7s does not carry the signed file")
		}
		return v.extract(o, path, innermost)
	}
	return nil
}

// signedData checks every signer of p over content and, when the content
// is itself a signed file, that one too. It returns the innermost content.
func (v *verifier) signedData(p *p7, content []byte, depth int) ([]byte, error) {
	var problems []string
	for i, si := range p.signers {
		if err := v.signer(p, si, content, depth, fmt.Sprintf("signer %d of %d", i+1, len(p.signers))); err != nil {
			problems = append(problems, fmt.Sprintf("signer %d: %v", i+1, err))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	if inner, err := parseP7(content); err == nil && inner.attached {
		v.printf(depth, "the signed content is itself a signed file (.p7m inside a .p7m):")
		return v.signedData(inner, inner.content, depth+1)
	}
	return content, nil
}

// signer checks one SignerInfo and reports the level it reaches.
func (v *verifier) signer(p *p7, si *signerInfo, content []byte, depth int, label string) error {
	cert := si.signerCert(p.certs)
	if cert == nil {
		v.printf(depth, "%s: the signer's certificate is not in the file", label)
		return errors.New("the signer's certificate is not in the file")
	}
	v.printf(depth, "%s: %s", label, who(cert.Subject))
	v.printf(depth+1, "issued by %s, serial %X, valid %s to %s", who(cert.Issuer), cert.SerialNumber,
		cert.NotBefore.UTC().Format(time.DateOnly), cert.NotAfter.UTC().Format(time.DateOnly))
	if t, ok := si.signingTime(); ok {
		v.printf(depth+1, "signing time (claimed by the signer): %s", t.UTC().Format(time.RFC3339))
	}
	if err := si.checkContent(content); err != nil {
		v.printf(depth+1, "content: CHANGED (%v)", err)
		return err
	}
	v.printf(depth+1, "content: intact")
	if err := si.checkSignature(cert); err != nil {
		v.printf(depth+1, "signature: INVALID (%v)", err)
		return err
	}
	v.printf(depth+1, "signature: valid")
	level := ""
	if si.signingCertMatches(cert) {
		level = "B-B"
	} else {
		v.printf(depth+1, "signing-certificate-v2 missing or not this certificate: not a CAdES baseline signature")
	}
	at := v.now()
	if st, ok := si.signingTime(); ok {
		at = st
	}
	tokens := si.unsigned[oids.AttrSignatureTimeStamp.String()]
	for _, tok := range tokens {
		genTime, err := v.timestamp(tok, si.signature, depth+1, "signature time-stamp")
		if err != nil {
			return err
		}
		at = genTime
	}
	if len(tokens) > 0 && level != "" {
		level = "B-T"
	}
	if level == "B-T" && p.hasCRLs {
		level = "B-LT"
	}
	if ats := si.unsigned[oids.AttrArchiveTimeStampV3.String()]; len(ats) > 0 && level == "B-LT" {
		for _, tok := range ats {
			// The imprint (EN 319 122-1 5.5.3) is not recomputed here: the
			// token's own signature and certificate are checked.
			if _, err := v.timestamp(tok, nil, depth+1, "archive time-stamp"); err != nil {
				return err
			}
		}
		level = "B-LTA"
	}
	if err := v.chain(cert, p.certs, at, depth+1, "certificate"); err != nil {
		return err
	}
	for i, cs := range si.unsigned[oids.AttrCountersignature.String()] {
		csi, err := parseSignerInfo(cs)
		if err != nil {
			return err
		}
		// A countersignature's content is the countersigned signature value.
		if err := v.signer(p, csi, si.signature, depth+1, fmt.Sprintf("countersignature %d", i+1)); err != nil {
			return fmt.Errorf("countersignature %d: %w", i+1, err)
		}
	}
	if level == "" {
		level = "none (not CAdES baseline)"
	}
	v.printf(depth+1, "level: %s", level)
	return nil
}

// timestamp checks an RFC 3161 token: its own signature, that it covers
// over (when given) and its TSA's chain. It returns the time it attests.
func (v *verifier) timestamp(token, over []byte, depth int, what string) (time.Time, error) {
	tp, err := parseP7(token)
	if err != nil || !tp.attached || len(tp.signers) != 1 {
		return time.Time{}, fmt.Errorf("%s: not a time-stamp token", what)
	}
	info, err := cms.ParseTimestampToken(token)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", what, err)
	}
	tsa := tp.signers[0].signerCert(tp.certs)
	if tsa == nil {
		return time.Time{}, fmt.Errorf("%s: the TSA certificate is not in the token", what)
	}
	if err := tp.signers[0].checkContent(tp.content); err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := tp.signers[0].checkSignature(tsa); err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", what, err)
	}
	if over != nil {
		if info.Info.Hash == 0 {
			return time.Time{}, fmt.Errorf("%s: unsupported imprint algorithm", what)
		}
		d := info.Info.Hash.New()
		d.Write(over)
		if !bytes.Equal(d.Sum(nil), info.Info.Digest) {
			return time.Time{}, fmt.Errorf("%s: it does not cover this signature value", what)
		}
	}
	v.printf(depth, "%s: %s by %s", what, info.Info.GenTime.UTC().Format(time.RFC3339), who(tsa.Subject))
	if err := v.chain(tsa, tp.certs, info.Info.GenTime, depth+1, "TSA certificate"); err != nil {
		return time.Time{}, err
	}
	return info.Info.GenTime, nil
}

// chain checks cert against --ca at t, with the file's certificates as
// intermediates; without --ca it says the chain was not checked.
func (v *verifier) chain(cert *x509.Certificate, pool []*x509.Certificate, at time.Time, depth int, what string) error {
	if v.roots == nil {
		v.printf(depth, "%s chain: not checked (no --ca)", what)
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range pool {
		inter.AddCert(c)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: v.roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		v.printf(depth, "%s chain: NOT TRUSTED (%v)", what, err)
		return fmt.Errorf("%s does not chain to --ca at %s: %w", what, at.UTC().Format(time.RFC3339), err)
	}
	v.printf(depth, "%s chain: trusted at %s", what, at.UTC().Format(time.RFC3339))
	return nil
}

// extract writes content under the .p7m's name without its .p7m
// suffixes, atomically, never over an existing file without --force.
func (v *verifier) extract(o *verifyOptions, path string, content []byte) error {
	name := filepath.Base(path)
	for strings.EqualFold(filepath.Ext(name), ".p7m") {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	if name == "" || name == "." {
		return errors.New("--extract: the .p7m's name leaves no file name")
	}
	dir := o.outDir
	if dir == "" {
		dir = filepath.Dir(path)
	}
	out := filepath.Join(dir, name)
	if _, err := os.Stat(out); err == nil && !o.force {
		return fmt.Errorf("--extract: %s exists; use --force to overwrite it", out)
	}
	tmp, err := os.CreateTemp(dir, ".qesctl-*")
	if err != nil {
		return fmt.Errorf("--extract: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fmt.Errorf("--extract: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--extract: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("--extract: %w", err)
	}
	v.printf(1, "extracted the signed file to %s (%d bytes)", out, len(content))
	return nil
}

// who names a certificate's subject as a holder reads it: the common
// name, then the serialNumber (for Italian qualified certificates the
// tax code, TINIT-...) and the organization, when present.
func who(n pkix.Name) string {
	var parts []string
	if n.SerialNumber != "" {
		parts = append(parts, n.SerialNumber)
	}
	parts = append(parts, n.Organization...)
	if n.CommonName == "" {
		return n.String()
	}
	if len(parts) == 0 {
		return n.CommonName
	}
	return n.CommonName + " (" + strings.Join(parts, ", ") + ")"
}
