package xades

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"

	"github.com/beevik/etree"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// MaxDepth bounds element nesting: a FatturaPA invoice is about ten levels
// deep, and the canonicaliser recurses once per level.
const MaxDepth = 256

// document is a parsed XML document and where its root element's end tag
// starts in the original bytes: the signature goes there, and the bytes
// before and after it are returned unchanged.
type document struct {
	tree  *etree.Document
	endAt int
}

// parse checks that content is a well-formed XML document without a DTD
// and parses it. encoding/xml never expands an entity it was not given,
// so an internal subset could not blow up memory anyway, but a DTD is
// refused outright (by its own message) because libxml2-based verifiers
// downstream would expand it, and a signed invoice has no business with
// one. The scan is a token stream: memory is bounded by the input and the
// depth, never by an expansion.
func parse(content []byte) (*document, error) {
	if bytes.Contains(content[:min(len(content), 1024)], []byte("%PDF-")) {
		return nil, errs.M(errs.InvalidRequest, msg.XAdESPDF)
	}
	dec := xml.NewDecoder(bytes.NewReader(content))
	dec.Strict = true
	// No CharsetReader: only UTF-8 (and its ASCII subset) is read, as
	// FatturaPA requires; another declared encoding is refused.
	depth, endAt, roots := 0, -1, 0
	for {
		before := int(dec.InputOffset())
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, notXML(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			// <!DOCTYPE ...>, <!ENTITY ...> and the like.
			_ = t
			return nil, errs.M(errs.InvalidRequest, msg.XAdESDTD)
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return nil, notXML(errors.New("more than one root element"))
				}
			}
			depth++
			if depth > MaxDepth {
				return nil, errs.M(errs.InvalidRequest, msg.XAdESTooDeep, MaxDepth)
			}
		case xml.EndElement:
			depth--
			if depth < 0 {
				return nil, notXML(errors.New("unbalanced end tag"))
			}
			if depth == 0 {
				endAt = before
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return nil, notXML(errors.New("text outside the root element"))
			}
		}
	}
	if roots == 0 || depth != 0 || endAt < 0 {
		return nil, notXML(errors.New("no complete root element"))
	}
	// RawToken does not check that end tags match their start tags, nor
	// resolve prefixes: etree's strict parse does both.
	tree := etree.NewDocument()
	// CDATA sections are read as text: canonical XML writes them so.
	if err := tree.ReadFromBytes(content); err != nil {
		return nil, notXML(err)
	}
	if tree.Root() == nil {
		return nil, notXML(errors.New("no root element"))
	}
	if !bytes.HasPrefix(content[endAt:], []byte("</")) {
		return nil, errs.Internalf(errs.E(errs.Internal, "end tag offset"), "locate the root element's end tag")
	}
	return &document{tree: tree, endAt: endAt}, nil
}

func notXML(err error) error {
	return errs.M(errs.InvalidRequest, msg.XAdESNotXML, err.Error())
}
