package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qesproject/qes/credential"
	"github.com/qesproject/qes/csc/client"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/tsa"
)

const signUsage = `usage: qesctl sign --server URL --user ID [--credential CID] [--level B-B|B-T|B-LT|B-LTA] -o DIR file.pdf...

Signs local PDFs through any CSC server's signatures/signHash: the
documents never leave this machine, only their digests do. One
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
	certify, force, pss                             bool
	files                                           []string
}

func parseSignFlags(args []string, stderr io.Writer) (*signOptions, error) {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &signOptions{}
	fs.StringVar(&o.server, "server", "", "CSC service: base URL (…/csc/v1 or …/csc/v2) or root URL (required)")
	fs.StringVar(&o.user, "user", "", "user ID for auth/login (required)")
	fs.StringVar(&o.credential, "credential", "", "credential ID (default: the only credential of the user)")
	fs.StringVar(&o.level, "level", "B-B", "PAdES level: B-B, B-T, B-LT or B-LTA")
	fs.StringVar(&o.outDir, "o", "", "output directory (required); files keep their names")
	fs.StringVar(&o.tsaURL, "tsa", "", "RFC 3161 time-stamp authority URL (default: the server's signatures/timestamp)")
	fs.StringVar(&o.visible, "visible", "", "visible signature: page,x1,y1,x2,y2 in PDF points from the lower-left corner")
	fs.StringVar(&o.reason, "reason", "", "reason for signing")
	fs.StringVar(&o.location, "location", "", "place of signing")
	fs.StringVar(&o.contact, "contact", "", "signer contact information")
	fs.StringVar(&o.name, "name", "", "signer name in the signature (default: the certificate's common name)")
	fs.StringVar(&o.field, "field", "", "name of the new signature field (default: Signature<n>)")
	fs.StringVar(&o.description, "description", "", "text the service may show the holder when authorizing")
	fs.StringVar(&o.extraCerts, "extra-certs", "", "PEM file of CA certificates for the TSA chain (B-LT with an external TSA)")
	fs.StringVar(&o.password, "password", "", "password (prefer QES_PASSWORD or the prompt: flags are visible to other users)")
	fs.StringVar(&o.pin, "pin", "", "signing PIN (prefer QES_PIN or the prompt)")
	fs.StringVar(&o.otp, "otp", "", "one-time password (prefer QES_OTP or the prompt); given, no OTP is requested")
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
	o.files = fs.Args()
	if o.server == "" || o.user == "" || o.outDir == "" || len(o.files) == 0 {
		fs.Usage()
		return nil, errors.New("--server, --user, -o and at least one PDF are required")
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

// document is one input file on its way through the batch.
type document struct {
	in, out  string
	file     *os.File
	prepared *pades.Prepared
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
	appearance, err := parseVisible(o.visible)
	if err != nil {
		return err
	}
	docs, err := plannedOutputs(o)
	if err != nil {
		return err
	}
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
	if err := prepareAll(ctx, docs, cred.Chain, opts); err != nil {
		return err
	}
	signAlgo, hashOID, params, err := chooseAlgorithm(docs[0].prepared, cred, opts.Hash)
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
		digests[i] = d.prepared.Digest()
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

// plannedOutputs maps inputs to outputs and refuses collisions before
// anything is signed.
func plannedOutputs(o *signOptions) ([]*document, error) {
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	seen := map[string]string{}
	var docs []*document
	for _, in := range o.files {
		absIn, err := filepath.Abs(in)
		if err != nil {
			return nil, err
		}
		out, err := filepath.Abs(filepath.Join(o.outDir, filepath.Base(in)))
		if err != nil {
			return nil, err
		}
		switch {
		case out == absIn:
			return nil, fmt.Errorf("%s: the output would overwrite the input; choose another -o directory", in)
		case seen[out] != "":
			return nil, fmt.Errorf("%s and %s would both be written to %s", seen[out], in, out)
		}
		if _, err := os.Stat(out); err == nil && !o.force {
			return nil, fmt.Errorf("%s exists; use --force to overwrite it", out)
		}
		seen[out] = in
		docs = append(docs, &document{in: in, out: out})
	}
	return docs, nil
}

func pickCredential(ctx context.Context, c *client.Client, id string) (*client.Credential, error) {
	if id == "" {
		ids, err := c.ListCredentials(ctx)
		if err != nil {
			return nil, err
		}
		switch len(ids) {
		case 0:
			return nil, errors.New("the user has no signing credential")
		case 1:
			id = ids[0]
		default:
			return nil, fmt.Errorf("the user has %d credentials (%s): choose one with --credential", len(ids), strings.Join(ids, ", "))
		}
	}
	cred, err := c.CredentialInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	if cred.KeyStatus != "" && cred.KeyStatus != "enabled" {
		return nil, fmt.Errorf("the key of credential %s is %s", id, cred.KeyStatus)
	}
	if cred.CertState != "" && cred.CertState != "valid" {
		return nil, fmt.Errorf("the certificate of credential %s is %s", id, cred.CertState)
	}
	return cred, nil
}

// signingOptions builds the pades options: time-stamps from the server or
// --tsa, revocation data from the certificates' AIA and CRL DP.
func signingOptions(ctx context.Context, o *signOptions, sio signIO, c *client.Client, cred *client.Credential, level pades.Level, ap *pades.Appearance) (pades.Options, error) {
	opts := pades.Options{Level: level, Hash: hashFor(cred.Chain[0].PublicKey), Time: sio.now(), Appearance: ap,
		Name: o.name, Reason: o.reason, Location: o.location, ContactInfo: o.contact, FieldName: o.field}
	if o.certify {
		opts.Certify = pades.CertifyFormFilling
	}
	if o.pss {
		if _, ok := cred.Chain[0].PublicKey.(*rsa.PublicKey); !ok {
			return opts, errors.New("--rsa-pss needs an RSA credential")
		}
		opts.Scheme = pades.PSS
	}
	if level >= pades.LevelBT {
		switch {
		case o.tsaURL != "":
			opts.Timestamper = &tsa.Client{URL: o.tsaURL, HTTP: sio.http}
		default:
			info, err := c.Info(ctx)
			if err != nil {
				return opts, err
			}
			if !info.Offers("signatures/timestamp") {
				return opts, fmt.Errorf("%s does not offer signatures/timestamp: give an RFC 3161 time-stamp authority with --tsa URL", c.BaseURL())
			}
			opts.Timestamper = cscTimestamper{c}
		}
	}
	if level >= pades.LevelBLT {
		opts.Revocation = aiaRevocation{http: sio.http, now: sio.now}
	}
	if o.extraCerts != "" {
		certs, err := readPEMCertificates(o.extraCerts)
		if err != nil {
			return opts, err
		}
		opts.ExtraCertificates = certs
	}
	return opts, nil
}

// hashFor matches the digest to the key's strength, as ETSI TS 119 312
// pairs them.
func hashFor(pub crypto.PublicKey) crypto.Hash {
	if k, ok := pub.(*ecdsa.PublicKey); ok {
		switch k.Curve {
		case elliptic.P384():
			return crypto.SHA384
		case elliptic.P521():
			return crypto.SHA512
		}
	}
	return crypto.SHA256
}

// prepareAll opens and prepares every file; any bad file stops the batch
// before the holder is asked to authorize anything.
func prepareAll(ctx context.Context, docs []*document, chain []*x509.Certificate, opts pades.Options) error {
	var problems []string
	for _, d := range docs {
		f, err := os.Open(d.in)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", d.in, err))
			continue
		}
		d.file = f
		st, err := f.Stat()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", d.in, err))
			continue
		}
		if !st.Mode().IsRegular() {
			problems = append(problems, fmt.Sprintf("%s: not a regular file", d.in))
			continue
		}
		if d.prepared, err = pades.Prepare(ctx, f, st.Size(), chain, opts); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s", d.in, explain(err)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("nothing was signed:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// chooseAlgorithm picks signAlgo: the CMS algorithm pades uses if the
// credential lists it, else the bare key algorithm with hashAlgorithmOID
// (servers that list only rsaEncryption or id-ecPublicKey).
func chooseAlgorithm(p *pades.Prepared, cred *client.Credential, h crypto.Hash) (signAlgo, hashOID string, params []byte, err error) {
	oid, params := p.SignatureAlgorithm()
	hashOID = credential.HashOID(h)
	signAlgo = oid.String()
	if len(cred.KeyAlgos) == 0 || slices.Contains(cred.KeyAlgos, signAlgo) {
		return signAlgo, hashOID, params, nil
	}
	bare := ""
	switch cred.Chain[0].PublicKey.(type) {
	case *ecdsa.PublicKey:
		bare = credential.OIDECPublicKey
	case *rsa.PublicKey:
		if params == nil {
			bare = credential.OIDRSA
		}
	}
	if bare != "" && slices.Contains(cred.KeyAlgos, bare) {
		return bare, hashOID, nil, nil
	}
	return "", "", nil, fmt.Errorf("the credential offers the algorithms %v, not %s", cred.KeyAlgos, signAlgo)
}

// finishAll completes every signature into its output file. Completion can
// be retried with the same signature value (e.g. the TSA hiccups); the
// holder's key is never asked again.
func finishAll(ctx context.Context, docs []*document, sigs [][]byte, sio signIO) error {
	bar := &progress{w: sio.stderr, tty: sio.tty, total: len(docs)}
	var failed []string
	for i, d := range docs {
		var err error
		for attempt := 0; attempt < 3; attempt++ {
			if attempt > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Duration(attempt) * time.Second):
				}
			}
			if err = finishOne(ctx, d, sigs[i]); err == nil || errs.KindOf(err) != errs.Unavailable {
				break
			}
		}
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %s", d.in, explain(err)))
		}
		bar.step(d.in)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d file(s) could not be completed (their signatures were made and are lost):\n  %s",
			len(failed), len(docs), strings.Join(failed, "\n  "))
	}
	fmt.Fprintf(sio.stderr, "signed %d file(s) into %s\n", len(docs), filepath.Dir(docs[0].out))
	return nil
}

// finishOne writes the signed file next to its destination and renames it
// into place only when it is complete.
func finishOne(ctx context.Context, d *document, sig []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(d.out), ".qesctl-*.pdf")
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := d.prepared.Finish(ctx, tmp, sig); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", d.out, err)
	}
	return os.Rename(tmp.Name(), d.out)
}

// parseVisible reads --visible page,x1,y1,x2,y2.
func parseVisible(s string) (*pades.Appearance, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 5 {
		return nil, fmt.Errorf("--visible %q: want page,x1,y1,x2,y2", s)
	}
	page, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil || page < 1 {
		return nil, fmt.Errorf("--visible %q: the page is a number from 1", s)
	}
	a := &pades.Appearance{Page: page}
	for i := range 4 {
		if a.Rect[i], err = strconv.ParseFloat(strings.TrimSpace(parts[i+1]), 64); err != nil {
			return nil, fmt.Errorf("--visible %q: %q is not a number", s, parts[i+1])
		}
	}
	return a, nil
}

func readPEMCertificates(path string) ([]*x509.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return out, nil
}
