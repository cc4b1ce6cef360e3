package main

import (
	"bytes"
	"context"
	"crypto/x509"
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

	"github.com/qesproject/qes/verify"
)

const verifyUsage = `usage: qesctl verify [--ca ROOTS.pem] [--content FILE] [--extract [-o DIR] [--force]] file.p7m|file.p7s|file.pdf|file.jws|file.xml...

Checks CAdES signatures (.p7m with the signed file inside, .p7s beside
it) locally, without any server: for each signer the certificate, the
claimed signing time, whether the content is intact and the signature
value verifies, the signature time-stamp, and the level reached (B-B,
B-T, B-LT, B-LTA). A .p7m inside a .p7m (.p7m.p7m) is opened and checked
too. With --ca, the signer's and the TSA's certificates must chain to
those roots. A .p7s is checked against --content, else against the file
of the same name without .p7s. --extract writes the innermost signed
file (contract.docx.p7m.p7m -> contract.docx) once every signature
verifies. A signed PDF is checked as PAdES (each signature dictionary
over the revision its /ByteRange covers, document time-stamps, the DSS),
a JWS as JAdES (--extract writes its payload: x.json.jws -> x.json). An
XML file with XAdES signatures (enveloped, as FatturaPA, or enveloping;
B-B or B-T) is checked the same way: every reference's digest, the
signature value, SigningCertificateV2, SigningTime and the
SignatureTimeStamp; the signed XML document is itself the content, so
--extract writes nothing for it. A detached XAdES signature (qesctl sign
--format xades --detached: contract.pdf.xades.xml) is checked against
--content, else against the file its reference names, beside the
signature (contract.pdf); its digest is over that file's bytes. The exit
status is 1 when a file does not verify.

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
	fs.StringVar(&o.content, "content", "", "the signed file of a detached .p7s or XAdES signature (default: the .p7s's name without .p7s; the file a detached XAdES signature names, beside it)")
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
		return nil, errors.New("at least one signed file (.p7m, .p7s, .pdf, .xml, .jws) is required")
	}
	if o.content != "" && len(o.files) > 1 {
		return nil, errors.New("--content goes with one detached signature")
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

// verifier checks one file and writes its report.
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

// file checks one signed file with the verify package and prints its
// trace; a .p7s's content is read from --content or beside it.
func (v *verifier) file(o *verifyOptions, path string) error {
	der, err := readSigned(path)
	if err != nil {
		return err
	}
	rep, err := verify.Verify(context.Background(), der, nil, verify.Options{Roots: v.roots, Now: v.now()})
	if errors.Is(err, verify.ErrNoContent) {
		cpath := o.content
		var missing *verify.MissingContentError
		switch {
		case cpath != "":
		case errors.As(err, &missing) && missing.Name != "":
			// A detached XAdES signature names its file by a relative
			// URI, resolved beside the signature (as xmlsec1 does); only
			// a plain base name is followed, never a path.
			cpath = filepath.Join(filepath.Dir(path), missing.Name)
		case missing != nil:
			return fmt.Errorf("%v: give it with --content", err)
		case !strings.EqualFold(filepath.Ext(path), ".p7s"):
			return errors.New("a detached signature: give the signed file with --content")
		default:
			cpath = strings.TrimSuffix(path, filepath.Ext(path))
		}
		content, rerr := os.ReadFile(cpath)
		if rerr != nil && missing != nil && o.content == "" {
			return fmt.Errorf("%v: %s is not beside it (%w); give it with --content", err, missing.Name, rerr)
		}
		if rerr != nil {
			return fmt.Errorf("the signed file of this detached signature: %w", rerr)
		}
		v.printf(1, "signed file: %s", cpath)
		rep, err = verify.Verify(context.Background(), der, content, verify.Options{Roots: v.roots, Now: v.now()})
	}
	if err != nil {
		return err
	}
	for _, l := range rep.Lines {
		v.printf(l.Depth, "%s", l.Text)
	}
	if !rep.Valid {
		return errors.New(strings.Join(rep.Problems, "; "))
	}
	if o.extract {
		if rep.Detached {
			return errors.New("--extract: a detached signature (.p7s, detached XAdES) does not carry the signed file")
		}
		if bytes.Equal(rep.Content, der) {
			// Enveloped XAdES: the signed document is the file itself.
			v.printf(1, "--extract: the signed XML document is itself the content: nothing to write")
			return nil
		}
		if rep.Content == nil && bytes.HasPrefix(der, []byte("%PDF-")) {
			return errors.New("--extract: a PDF is its own signed file")
		}
		if rep.Content == nil {
			return errors.New("--extract: an enveloping XAdES signature's content is not extracted")
		}
		return v.extract(o, path, rep.Content)
	}
	return nil
}

// extract writes content under the .p7m's name without its .p7m
// suffixes, atomically, never over an existing file without --force.
func (v *verifier) extract(o *verifyOptions, path string, content []byte) error {
	name := filepath.Base(path)
	for strings.EqualFold(filepath.Ext(name), ".p7m") {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	if strings.EqualFold(filepath.Ext(name), ".jws") {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	if name == "" || name == "." {
		return errors.New("--extract: the .p7m's name leaves no file name")
	}
	if name == filepath.Base(path) {
		// A JWS under another name: never write its payload over it.
		name += ".payload"
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
