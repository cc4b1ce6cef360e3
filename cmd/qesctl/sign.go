package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/qesproject/qes/csc/client"
	"github.com/qesproject/qes/pades"
)

const signUsage = `usage: qesctl sign --server URL --user ID [--credential CID] [--level B-B|B-T|B-LT|B-LTA] [--format auto|pades|cades|xades] [--detached|--enveloping] [-o DIR] file...

Signs local files through any CSC server's signatures/signHash: the
documents never leave this machine, only their digests do. A PDF gets a
PAdES signature inside it (written to -o DIR under its own name); any
other file, XML included, gets a CAdES signature: FILE.p7m enveloping it,
or FILE.p7s beside it with --detached, in -o DIR or, without -o, next to
FILE (contract.docx -> contract.docx.p7m). With --format xades every file
must be XML and gets a XAdES B-B or B-T signature inside it (enveloped,
the FatturaPA form; --enveloping puts the XML inside the signature
instead); like a PDF it keeps its name, as SdI wants
(IT01234567890_FPA01.xml), so -o DIR is required and must not be the
input's directory. With --format xades --detached any file, XML or not,
gets a XAdES detached signature FILE.xades.xml (contract.pdf ->
contract.pdf.xades.xml) next to FILE or in -o DIR: its reference names
FILE by its base name, so keep the two side by side (qesctl verify and
xmlsec1 look for FILE beside the signature). One
authorization (PIN and OTP) covers the whole batch. The password, PIN and
OTP are asked on the terminal, or read from QES_PASSWORD, QES_PIN and
QES_OTP for scripts (a given QES_OTP means no OTP is requested, e.g. an
authenticator app code).

`

// signOptions are qesctl sign's flags.
type signOptions struct {
	server, user, credential, level, outDir, tsaURL string
	visible, reason, location, contact, name, field string
	description, extraCerts                         string
	password, pin, otp                              string
	format                                          string
	certify, force, pss, detached, enveloping       bool
	files                                           []string
}

func parseSignFlags(args []string, stderr io.Writer) (*signOptions, error) {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &signOptions{}
	fs.StringVar(&o.server, "server", "", "CSC service: base URL (…/csc/v1 or …/csc/v2) or root URL (required)")
	fs.StringVar(&o.user, "user", "", "user ID for auth/login (required)")
	fs.StringVar(&o.credential, "credential", "", "credential ID (default: the only credential of the user)")
	fs.StringVar(&o.level, "level", "B-B", "PAdES or CAdES level: B-B, B-T, B-LT or B-LTA")
	fs.StringVar(&o.outDir, "o", "", "output directory (default: next to each input; required for PDFs, which keep their names)")
	fs.StringVar(&o.format, "format", "auto", "auto (PAdES for .pdf files, CAdES for the others, XML included), pades, cades or xades (XML files only; B-B or B-T)")
	fs.BoolVar(&o.detached, "detached", false, "CAdES: write a detached FILE.p7s instead of FILE.p7m enveloping the file; XAdES: a detached signature FILE.xades.xml of any file")
	fs.BoolVar(&o.enveloping, "enveloping", false, "XAdES: the XML inside the signature (a new document whose root is ds:Signature) instead of the signature inside the XML")
	fs.StringVar(&o.tsaURL, "tsa", "", "RFC 3161 time-stamp authority URL (default: the server's signatures/timestamp)")
	fs.StringVar(&o.visible, "visible", "", "visible signature: page,x1,y1,x2,y2 in PDF points from the lower-left corner")
	fs.StringVar(&o.reason, "reason", "", "reason for signing")
	fs.StringVar(&o.location, "location", "", "place of signing")
	fs.StringVar(&o.contact, "contact", "", "signer contact information")
	fs.StringVar(&o.name, "name", "", "signer name in the signature (default: the certificate's common name)")
	fs.StringVar(&o.field, "field", "", "name of the new signature field (default: Signature<n>)")
	fs.StringVar(&o.description, "description", "", "text the service may show the holder when authorizing")
	fs.StringVar(&o.extraCerts, "extra-certs", "", "PEM file of CA certificates for the TSA chain (B-LT with an external TSA)")
	fs.StringVar(&o.password, "password", "", "deprecated (visible to other users): set QES_PASSWORD, pipe it or answer the prompt")
	fs.StringVar(&o.pin, "pin", "", "deprecated (visible to other users): set QES_PIN, pipe it or answer the prompt")
	fs.StringVar(&o.otp, "otp", "", "deprecated (visible to other users): set QES_OTP (given, no OTP is requested), pipe it or answer the prompt")
	fs.BoolVar(&o.certify, "certify", false, "certification signature (form filling and further signatures allowed); must be the document's first signature")
	fs.BoolVar(&o.force, "force", false, "overwrite existing files in the output directory")
	fs.BoolVar(&o.pss, "rsa-pss", false, "sign with RSASSA-PSS (RSA keys)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), signUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	warnSecretFlags(fs, stderr, map[string]string{"password": "QES_PASSWORD", "pin": "QES_PIN", "otp": "QES_OTP"})
	o.files = fs.Args()
	if o.server == "" || o.user == "" || len(o.files) == 0 {
		fs.Usage()
		return nil, errors.New("--server, --user and at least one file are required")
	}
	return o, nil
}

func signCommand(ctx context.Context, args []string) error {
	o, err := parseSignFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	return runSign(ctx, o, defaultSignIO())
}

// runSign signs o.files. Everything that can fail for a reason other than
// the holder's authorization (bad PDFs, output paths, revocation data)
// fails before the OTP is sent; after signHash, a file whose completion
// fails is retried with the same signature value, never signed again.
func runSign(ctx context.Context, o *signOptions, sio signIO) error {
	level := pades.LevelBB
	if o.level != "" {
		var err error
		if level, err = pades.ParseLevel(o.level); err != nil {
			return err
		}
	}
	if err := checkFormat(o); err != nil {
		return err
	}
	if o.format == formatXAdES && level > pades.LevelBT {
		return fmt.Errorf("--format xades: qesctl makes XAdES B-B and B-T, not %s", level)
	}
	appearance, err := parseVisible(o.visible)
	if err != nil {
		return err
	}
	docs, err := plannedOutputs(o)
	if err != nil {
		return err
	}
	warnPDFOnly(o, docs, sio.stderr)
	c, err := client.New(o.server, sio.http)
	if err != nil {
		return err
	}
	password, err := sio.secret(o.password, "QES_PASSWORD", fmt.Sprintf("Password for %s: ", o.user))
	if err != nil {
		return err
	}
	if err := c.Login(ctx, o.user, password); err != nil {
		return err
	}
	defer func() { _ = c.Logout(context.WithoutCancel(ctx)) }()
	cred, err := pickCredential(ctx, c, o.credential)
	if err != nil {
		return err
	}
	if len(docs) > cred.Multisign {
		return fmt.Errorf("the credential allows %d signatures per authorization; sign at most %d files at once", cred.Multisign, cred.Multisign)
	}
	opts, err := signingOptions(ctx, o, sio, c, cred, level, appearance)
	if err != nil {
		return err
	}
	defer func() {
		for _, d := range docs {
			if d.file != nil {
				d.file.Close()
			}
		}
	}()
	if err := prepareAll(ctx, docs, cred.Chain, opts, o.detached, o.enveloping); err != nil {
		return err
	}
	signAlgo, hashOID, params, err := chooseAlgorithm(docs[0].toSign(), cred, opts.Hash)
	if err != nil {
		return err
	}

	pin, err := sio.secret(o.pin, "QES_PIN", "Signing PIN: ")
	if err != nil {
		return err
	}
	otp := o.otp
	if otp == "" {
		otp = sio.getenv("QES_OTP")
	}
	if otp == "" {
		if err := c.SendOTP(ctx, cred.ID); err != nil {
			return err
		}
		if otp, err = sio.secret("", "", "One-time password (sent to you): "); err != nil {
			return err
		}
	}
	digests := make([][]byte, len(docs))
	for i, d := range docs {
		digests[i] = d.toSign().Digest()
	}
	sad, _, err := c.Authorize(ctx, client.Authorization{CredentialID: cred.ID, NumSignatures: len(docs), Hashes: digests,
		HashOID: hashOID, PIN: pin, OTP: otp, Description: o.description})
	if err != nil {
		return err
	}
	sigs, err := c.SignHash(ctx, client.SignRequest{CredentialID: cred.ID, SAD: sad, Hashes: digests, HashOID: hashOID,
		SignAlgo: signAlgo, SignAlgoParams: params})
	if err != nil {
		return err
	}
	return finishAll(ctx, docs, sigs, sio)
}

// checkFormat validates --format and the flags that belong to one format,
// before anything reaches the server.
func checkFormat(o *signOptions) error {
	switch strings.ToLower(o.format) {
	case "", "auto":
		o.format = ""
	case formatPAdES, formatCAdES, formatXAdES:
		o.format = strings.ToLower(o.format)
	default:
		return fmt.Errorf("--format %q: want auto, pades, cades or xades", o.format)
	}
	switch {
	case o.detached && o.format == formatPAdES:
		return errors.New("--detached applies to CAdES signatures; a PAdES signature is always inside the PDF")
	case o.detached && o.enveloping:
		return errors.New("--detached and --enveloping are two forms of XAdES signature: choose one")
	case o.enveloping && o.format != formatXAdES:
		return errors.New("--enveloping applies to XAdES signatures: add --format xades")
	case o.pss && o.format == formatXAdES:
		// XML-DSig's RSA-PSS URIs (RFC 9231) are not what SdI or qes's
		// xades take: XAdES is signed with PKCS#1 v1.5 or ECDSA.
		return errors.New("--rsa-pss: qesctl signs XAdES with RSA PKCS#1 v1.5 or ECDSA, not RSASSA-PSS")
	}
	return nil
}

// warnPDFOnly tells the holder that the PDF signature's options do not
// reach the CAdES files of the batch: a .p7m has no visible signature,
// reason or location, and nothing else in it says so.
func warnPDFOnly(o *signOptions, docs []*document, w io.Writer) {
	var set []string
	for _, f := range []struct{ name, value string }{{"--visible", o.visible}, {"--reason", o.reason}, {"--location", o.location},
		{"--contact", o.contact}, {"--name", o.name}, {"--field", o.field}} {
		if f.value != "" {
			set = append(set, f.name)
		}
	}
	if o.certify {
		set = append(set, "--certify")
	}
	others := 0
	for _, d := range docs {
		if d.format != formatPAdES {
			others++
		}
	}
	kind := "CAdES"
	if o.format == formatXAdES {
		kind = "XAdES"
	}
	if len(set) > 0 && others > 0 {
		fmt.Fprintf(w, "note: %s apply to PDFs only; the %d %s file(s) of this batch are signed without them\n", strings.Join(set, ", "), others, kind)
	}
}
