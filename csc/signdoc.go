package csc

import (
	"bufio"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v5"

	"github.com/qesproject/qes/signdoc"
)

// signDoc is CSC v2 signatures/signDoc: PAdES signatures on whole PDFs
// (documents, format P), XAdES enveloped in or enveloping XML documents or
// detached from any file (format X),
// CAdES on any document or detached on digests (documentDigests, format
// C), authorized like signHash.
func (a *API) signDoc(c *echo.Context) error {
	if a.cfg.Documents == nil {
		return notImplemented
	}
	// The budget is taken before the body is read: the documents are
	// what costs memory, from their upload to the answer.
	release, err := a.docs.acquire(c, a.cfg.MaxDocBody)
	if err != nil {
		return err
	}
	defer release()
	req, contents, err := decodeSignDoc(c.Request(), a.cfg.MaxBody, a.docs.maxBody(a.cfg.MaxDocBody))
	if err != nil {
		return err
	}
	dr, err := req.toDomain(principal(c), contents)
	if err != nil {
		return err
	}
	if err := a.docs.allow(c, dr.Principal, dr.CredentialID); err != nil {
		return err
	}
	res, err := a.cfg.Documents.SignDoc(c.Request().Context(), dr)
	if err != nil {
		return err
	}
	return writeSignDocResponse(c.Response(), res)
}

// jsonPart is one piece of a streamed JSON answer: literal JSON, or the
// base64 of the concatenated chunks (written as a JSON string).
type jsonPart struct {
	literal string
	b64     [][]byte
}

func (p jsonPart) size() int64 {
	if p.b64 == nil {
		return int64(len(p.literal))
	}
	var n int64
	for _, c := range p.b64 {
		n += int64(len(c))
	}
	return 2 + (n+2)/3*4
}

// jsonLayout builds a streamed answer part by part.
type jsonLayout struct{ parts []jsonPart }

func (l *jsonLayout) lit(s string) { l.parts = append(l.parts, jsonPart{literal: s}) }

// array writes "name":[...] with one base64 string per item.
func (l *jsonLayout) array(name string, items [][][]byte) {
	l.lit(strconv.Quote(name) + ":[")
	for i, it := range items {
		if i > 0 {
			l.lit(",")
		}
		l.parts = append(l.parts, jsonPart{b64: it})
	}
	l.lit("]")
}

func single(ders [][]byte) [][][]byte {
	out := make([][][]byte, len(ders))
	for i, d := range ders {
		out[i] = [][]byte{d}
	}
	return out
}

// signDocParts lays out the answer: DocumentWithSignature for documents,
// SignatureObject for digests, validationInfo when asked for.
func signDocParts(res *signdoc.Result) []jsonPart {
	var l jsonLayout
	l.lit("{")
	sep := ""
	if len(res.Documents) > 0 {
		items := make([][][]byte, len(res.Documents))
		for i, d := range res.Documents {
			items[i] = d.Parts
		}
		l.array("DocumentWithSignature", items)
		sep = ","
	}
	if len(res.Signatures) > 0 {
		l.lit(sep)
		l.array("SignatureObject", single(res.Signatures))
		sep = ","
	}
	if vi := res.ValidationInfo; vi != nil {
		l.lit(sep + `"validationInfo":{`)
		l.array("ocsp", single(vi.OCSPs))
		l.lit(",")
		l.array("crl", single(vi.CRLs))
		l.lit(",")
		l.array("certificates", single(vi.Certificates))
		l.lit("}")
	}
	l.lit("}")
	return l.parts
}

// writeSignDocResponse streams the answer with an exact Content-Length:
// signed documents are base64-encoded on the way out, never held encoded.
func writeSignDocResponse(w http.ResponseWriter, res *signdoc.Result) error {
	parts := signDocParts(res)
	var total int64
	for _, p := range parts {
		total += p.size()
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.FormatInt(total, 10))
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, p := range parts {
		if err := p.writeTo(bw); err != nil {
			return nil // the client went away; the status is already sent
		}
	}
	_ = bw.Flush()
	return nil
}

func (p jsonPart) writeTo(w io.Writer) error {
	if p.b64 == nil {
		_, err := io.WriteString(w, p.literal)
		return err
	}
	if _, err := io.WriteString(w, `"`); err != nil {
		return err
	}
	enc := base64.NewEncoder(base64.StdEncoding, w)
	for _, c := range p.b64 {
		if _, err := enc.Write(c); err != nil {
			return err
		}
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, `"`)
	return err
}
