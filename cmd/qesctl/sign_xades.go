package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/xades"
)

// xadesToSign offers a XAdES signature to the signHash step. XML-DSig
// names its algorithms by URI; signHash wants the OID of the same
// algorithm (RSA PKCS#1 v1.5 or ECDSA with the batch's hash), which
// SignatureFor gives for the key as hashFor picks the hash.
type xadesToSign struct {
	p   *xades.Prepared
	oid asn1.ObjectIdentifier
}

func (x xadesToSign) Digest() []byte { return x.p.Digest() }

func (x xadesToSign) SignatureAlgorithm() (asn1.ObjectIdentifier, []byte) { return x.oid, nil }

// prepareXAdES reads the whole file (the signature is spliced into an
// XML's bytes; a detached one digests any file's) and builds the
// ds:SignedInfo whose digest the key signs. A detached signature names
// the file by its base name, the name it keeps beside the signature.
func prepareXAdES(ctx context.Context, d *document, size int64, chain []*x509.Certificate, opts pades.Options, enveloping, detached bool) error {
	name := filepath.Base(d.in) // checked by plannedOutputs
	content := make([]byte, size)
	if _, err := io.ReadFull(d.file, content); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	d.content = content
	alg, err := oids.SignatureFor(chain[0].PublicKey)
	if err != nil {
		return err
	}
	xo := xades.Options{Level: xades.LevelBB, Hash: opts.Hash, Time: opts.Time}
	if opts.Level >= pades.LevelBT {
		xo.Level = xades.LevelBT
		xo.Timestamper = opts.Timestamper
	}
	switch {
	case enveloping:
		xo.Envelope = xades.Enveloping
	case detached:
		xo.Envelope, xo.DocumentName = xades.Detached, name
	}
	p, err := xades.Prepare(ctx, chain, content, xo)
	if err != nil {
		return err
	}
	d.xades = &xadesToSign{p: p, oid: alg.OID}
	return nil
}

// finishXAdES writes the signed XML in its parts: the original bytes are
// written as they are, around the ds:Signature.
func finishXAdES(ctx context.Context, w io.Writer, d *document, sig []byte) error {
	signed, err := d.xades.p.Finish(ctx, sig)
	if err != nil {
		return err
	}
	for _, part := range signed.Parts {
		if _, err := w.Write(part); err != nil {
			return fmt.Errorf("write %s: %w", d.out, err)
		}
	}
	return nil
}

// notXML says why in does not look like an XML document, or "" when it
// does: its first bytes, past a UTF-8 byte order mark and white space,
// must open a tag, a declaration or a comment. It reads 1 KiB, so that a
// PDF or an office file given with --format xades stops the batch before
// the login; a file that starts well but is not well-formed is caught by
// xades.Prepare, still before the holder is asked for anything.
func notXML(in string) string {
	f, err := os.Open(in)
	if err != nil {
		return "" // prepareAll reports files that cannot be read
	}
	defer f.Close()
	head := make([]byte, 1024)
	n, _ := io.ReadFull(f, head)
	head = bytes.TrimLeft(bytes.TrimPrefix(head[:n], []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "the file is a PDF, not XML, which XAdES needs; sign it with --format pades or cades"
	case !bytes.HasPrefix(head, []byte("<")):
		return "the file is not XML, which XAdES needs; sign it with --format cades"
	}
	return ""
}
