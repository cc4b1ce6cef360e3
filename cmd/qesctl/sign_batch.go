package main

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/xades"
)

// xadesDetachedSuffix names a detached XAdES signature after its file.
const xadesDetachedSuffix = ".xades.xml"

// Signature formats qesctl sign makes.
const (
	formatPAdES = "pades" // PDFs: the signature inside the PDF
	formatCAdES = "cades" // any file: a .p7m around it or a .p7s beside it
	formatXAdES = "xades" // XML files: the ds:Signature inside the XML
)

// document is one input file on its way through the batch.
type document struct {
	in, out string
	format  string // formatPAdES, formatCAdES or formatXAdES
	file    *os.File
	// prepared (PAdES), cades (CAdES) or xades (XAdES) is set by
	// prepareAll.
	prepared *pades.Prepared
	cades    *pades.PreparedCAdES
	xades    *xadesToSign
	// content is the whole file for CAdES and XAdES: an attached
	// signature carries it, and the digest covers it.
	content []byte
}

// toSign is what both formats offer the signHash step.
type toSign interface {
	Digest() []byte
	SignatureAlgorithm() (asn1.ObjectIdentifier, []byte)
}

func (d *document) toSign() toSign {
	switch {
	case d.cades != nil:
		return d.cades
	case d.xades != nil:
		return d.xades
	}
	return d.prepared
}

// formatFor picks the signature format of one file. PDFs (by their name)
// get PAdES, which keeps them PDFs that any reader verifies; every other
// file gets CAdES, the .p7m an Italian holder is expected to hand in,
// XML included: an XML.p7m is what SdI and most Italian offices take by
// default. XAdES is asked for with --format xades, and then every file of
// the batch must be XML.
func formatFor(o *signOptions, in string) string {
	switch {
	case o.format == formatCAdES:
		return formatCAdES
	case o.format == formatXAdES:
		return formatXAdES
	case o.format == formatPAdES:
		return formatPAdES
	case strings.EqualFold(filepath.Ext(in), ".pdf"):
		return formatPAdES
	}
	return formatCAdES
}

// outputName is the signed file's name: a PDF keeps its name, a CAdES
// signature appends .p7m (attached) or .p7s (detached) to the whole
// name, as DPCM 22/02/2013 practice has it: contract.docx ->
// contract.docx.p7m, and a .p7m signed again becomes .p7m.p7m. An XML
// signed XAdES keeps its name too: SdI takes a signed FatturaPA as
// IT01234567890_FPA01.xml (XAdES) or IT01234567890_FPA01.xml.p7m (CAdES)
// and refuses any other name, so a suffix such as .signed.xml would have
// to be undone by hand. Like a PDF, it then needs -o. A detached XAdES
// signature appends .xades.xml to the whole name, as .p7s does:
// contract.pdf -> contract.pdf.xades.xml sorts beside the file it names,
// says which file and which format, still opens as XML, and never takes
// the enveloped form's NAME.xml (DSS's contract-xades-detached.xml drops
// the extension, and with it which of contract.pdf and contract.docx
// was signed).
func outputName(o *signOptions, in, format string) string {
	base := filepath.Base(in)
	switch {
	case format == formatXAdES && o.detached:
		return base + xadesDetachedSuffix
	case format == formatPAdES || format == formatXAdES:
		return base
	case o.detached:
		return base + ".p7s"
	}
	return base + ".p7m"
}

// plannedOutputs maps inputs to outputs and refuses collisions and empty
// files before anything is sent to the server. Without -o, every output
// goes next to its input.
func plannedOutputs(o *signOptions) ([]*document, error) {
	if o.outDir != "" {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return nil, fmt.Errorf("output directory: %w", err)
		}
	}
	seen := map[string]string{}
	var docs []*document
	var refused []string // files refused before the login
	for _, in := range o.files {
		absIn, err := filepath.Abs(in)
		if err != nil {
			return nil, err
		}
		if st, err := os.Stat(in); err == nil && st.Mode().IsRegular() && st.Size() == 0 {
			// Nothing to sign; caught here so that not even the login
			// happens (prepareAll reports the files that cannot be read).
			refused = append(refused, fmt.Sprintf("%s: the file is empty: nothing to sign", in))
			continue
		}
		format := formatFor(o, in)
		if name := filepath.Base(in); format == formatXAdES && o.detached && !xades.ValidDocumentName(name) {
			// The signature's reference names the file by it.
			refused = append(refused, fmt.Sprintf("%s: the file name %q cannot be a detached signature's reference (at most %d bytes of UTF-8, no control characters)",
				in, name, xades.MaxDocumentName))
			continue
		}
		if format == formatXAdES && !o.detached {
			// A detached signature takes any file; enveloped and
			// enveloping ones need XML.
			if why := notXML(in); why != "" {
				refused = append(refused, fmt.Sprintf("%s: %s", in, why))
				continue
			}
		}
		dir := o.outDir
		if dir == "" {
			dir = filepath.Dir(in)
		}
		out, err := filepath.Abs(filepath.Join(dir, outputName(o, in, format)))
		if err != nil {
			return nil, err
		}
		switch {
		case out == absIn && o.outDir == "":
			return nil, fmt.Errorf("%s: the signed file keeps its name (PAdES, XAdES) and would overwrite the input; choose an output directory with -o", in)
		case out == absIn:
			return nil, fmt.Errorf("%s: the output would overwrite the input; choose another -o directory", in)
		case seen[out] != "":
			return nil, fmt.Errorf("%s and %s would both be written to %s", seen[out], in, out)
		}
		if _, err := os.Stat(out); err == nil && !o.force {
			return nil, fmt.Errorf("%s exists; use --force to overwrite it", out)
		}
		seen[out] = in
		docs = append(docs, &document{in: in, out: out, format: format})
	}
	if len(refused) > 0 {
		return nil, fmt.Errorf("nothing was signed:\n  %s", strings.Join(refused, "\n  "))
	}
	return docs, nil
}

// prepareAll opens and prepares every file; any bad file stops the batch
// before the holder is asked to authorize anything.
func prepareAll(ctx context.Context, docs []*document, chain []*x509.Certificate, opts pades.Options, detached, enveloping bool) error {
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
		switch d.format {
		case formatCAdES:
			err = prepareCAdES(ctx, d, st.Size(), chain, opts, detached)
		case formatXAdES:
			err = prepareXAdES(ctx, d, st.Size(), chain, opts, enveloping, detached)
		default:
			d.prepared, err = pades.Prepare(ctx, f, st.Size(), chain, opts)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s", d.in, explain(err)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("nothing was signed:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// prepareCAdES reads the whole file (the digest covers it, and a .p7m
// carries it) and builds the signed attributes with the batch's level,
// hash, scheme, time-stamp and revocation sources.
func prepareCAdES(ctx context.Context, d *document, size int64, chain []*x509.Certificate, opts pades.Options, detached bool) error {
	content := make([]byte, size)
	if _, err := io.ReadFull(d.file, content); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	d.content = content
	var err error
	d.cades, err = pades.PrepareCAdESContent(ctx, chain, content, !detached, pades.CAdESOptions{
		Level: opts.Level, Hash: opts.Hash, Scheme: opts.Scheme, Time: opts.Time,
		Timestamper: opts.Timestamper, Revocation: opts.Revocation, ExtraCertificates: opts.ExtraCertificates,
	})
	return err
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
	where := "next to their inputs"
	if dir := filepath.Dir(docs[0].out); !slices.ContainsFunc(docs, func(d *document) bool { return filepath.Dir(d.out) != dir }) {
		where = "into " + dir
	}
	fmt.Fprintf(sio.stderr, "signed %d file(s) %s\n", len(docs), where)
	return nil
}

// finishOne writes the signed file next to its destination and renames it
// into place only when it is complete.
func finishOne(ctx context.Context, d *document, sig []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(d.out), ".qesctl-*"+filepath.Ext(d.out))
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	defer os.Remove(tmp.Name())
	switch {
	case d.cades != nil:
		err = finishCAdES(ctx, tmp, d, sig)
	case d.xades != nil:
		err = finishXAdES(ctx, tmp, d, sig)
	default:
		_, err = d.prepared.Finish(ctx, tmp, sig)
	}
	if err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", d.out, err)
	}
	return os.Rename(tmp.Name(), d.out)
}

// finishCAdES writes the CMS in its parts, so that a large file's
// content is not copied once more to be joined.
func finishCAdES(ctx context.Context, w io.Writer, d *document, sig []byte) error {
	cs, _, err := d.cades.FinishParts(ctx, sig)
	if err != nil {
		return err
	}
	for _, part := range [][]byte{cs.Prefix, cs.Content, cs.Suffix} {
		if _, err := w.Write(part); err != nil {
			return fmt.Errorf("write %s: %w", d.out, err)
		}
	}
	return nil
}
