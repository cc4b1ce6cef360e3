package xades

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// MaxDepth bounds element nesting: a FatturaPA invoice is about ten levels
// deep, and the canonicaliser recurses once per level.
const MaxDepth = 256

// MaxElements bounds the elements of a document: the parsed tree costs
// a few hundred bytes per element, so a 50 MB upload of "<a/>" would
// otherwise cost gigabytes. An invoice of ten thousand lines has about
// eighty thousand elements; SdI takes files of at most 5 MB.
const MaxElements = 200_000

// bom is the UTF-8 byte order mark, which many invoices start with.
var bom = []byte("\xef\xbb\xbf")

// document is a parsed XML document and where its root element's end tag
// starts in the original bytes: the signature goes there, and the bytes
// before and after it are returned unchanged. A root written as an empty
// element (<a/>) has no end tag: endAt is then where its "/>" starts,
// and emptyRoot its qualified name, to close it after the signature.
type document struct {
	tree      *etree.Document
	endAt     int
	emptyRoot string
	// root is the root element's bytes, start tag to end tag: what an
	// enveloping signature carries in its ds:Object.
	root [2]int
}

// parse checks that content is a well-formed XML document without a DTD
// and parses it. encoding/xml never expands an entity it was not given,
// so an internal subset could not blow up memory anyway, but a DTD is
// refused outright (by its own message) because libxml2-based verifiers
// downstream would expand it, and a signed invoice has no business with
// one. The scan is a token stream: memory is bounded by the input and the
// depth, never by an expansion.
func parse(content []byte) (*document, error) {
	if t := bytes.TrimLeft(bytes.TrimPrefix(content, bom), " \t\r\n"); !bytes.HasPrefix(t, []byte("<")) &&
		bytes.Contains(content[:min(len(content), 1024)], []byte("%PDF-")) {
		// A PDF (its header may follow up to 1024 bytes of junk); an XML
		// document starts with "<" and may mention %PDF- in its text.
		return nil, errs.M(errs.InvalidRequest, msg.XAdESPDF)
	}
	dec := xml.NewDecoder(bytes.NewReader(content))
	dec.Strict = true
	// No CharsetReader: only UTF-8 (and its ASCII subset) is read, as
	// FatturaPA requires; another declared encoding is refused.
	depth, endAt, roots, elements := 0, -1, 0, 0
	var root [2]int
	emptyRoot := ""
	// Start tags whose attribute values hold a literal tab or line end,
	// which XML's attribute-value normalisation (XML 1.0 3.3.3) turns
	// into a space and encoding/xml keeps: see normalizeAttrs.
	var wsTags [][2]int
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
			return nil, errs.M(errs.InvalidRequest, msg.XAdESDTD)
		case xml.StartElement:
			if elements++; elements > MaxElements {
				return nil, errs.M(errs.InvalidRequest, msg.XAdESTooLarge, MaxElements)
			}
			if err := uniqueAttrs(t.Attr); err != nil {
				return nil, err
			}
			if after := int(dec.InputOffset()); bytes.ContainsAny(content[before:after], "\t\r\n") {
				wsTags = append(wsTags, [2]int{before, after})
			}
			if depth == 0 {
				root[0] = before
				roots++
				if roots > 1 {
					return nil, notXML(errors.New("more than one root element"))
				}
				if after := int(dec.InputOffset()); bytes.HasSuffix(content[before:after], []byte("/>")) {
					// encoding/xml reports <a/> as a start and an end
					// element; the signature goes inside, so <a/> is
					// rewritten <a>...</a> around it.
					endAt, emptyRoot = after-2, t.Name.Local
					if t.Name.Space != "" {
						emptyRoot = t.Name.Space + ":" + t.Name.Local
					}
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
				root[1] = int(dec.InputOffset())
				if emptyRoot == "" {
					endAt = before
				}
			}
		case xml.CharData:
			if before == 0 && bytes.HasPrefix(t, bom) {
				// encoding/xml reads a byte order mark as text.
				t = t[len(bom):]
			}
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
	if err := tree.ReadFromBytes(normalizeAttrs(content, wsTags)); err != nil {
		return nil, notXML(err)
	}
	if tree.Root() == nil {
		return nil, notXML(errors.New("no root element"))
	}
	if emptyRoot == "" && !bytes.HasPrefix(content[endAt:], []byte("</")) ||
		emptyRoot != "" && !bytes.HasPrefix(content[endAt:], []byte("/>")) {
		return nil, errs.Internalf(errs.E(errs.Internal, "end tag offset"), "locate the root element's end tag")
	}
	return &document{tree: tree, endAt: endAt, emptyRoot: emptyRoot, root: root}, nil
}

// uniqueAttrs refuses an attribute written twice on one element: not
// well-formed (XML 1.0 3.1), though encoding/xml takes it, and a verifier
// would not. A map only for many attributes: most elements have few.
func uniqueAttrs(attrs []xml.Attr) error {
	dup := func(n xml.Name) error { return notXML(fmt.Errorf("attribute %q appears twice", n.Local)) }
	if len(attrs) <= 8 {
		for i, a := range attrs {
			for _, b := range attrs[:i] {
				if a.Name == b.Name {
					return dup(a.Name)
				}
			}
		}
		return nil
	}
	seen := make(map[xml.Name]struct{}, len(attrs))
	for _, a := range attrs {
		if _, ok := seen[a.Name]; ok {
			return dup(a.Name)
		}
		seen[a.Name] = struct{}{}
	}
	return nil
}

func notXML(err error) error {
	return errs.M(errs.InvalidRequest, msg.XAdESNotXML, err.Error())
}

// normalizeAttrs returns content with every literal tab, CR, LF and CRLF
// inside an attribute value of the given start tags replaced by one space,
// as an XML processor normalises them (XML 1.0 2.11 and 3.3.3) and as the
// verifier's canonicaliser will see them; character references (&#xA;)
// are untouched and still decode to the character itself. Only the tree
// is read from the copy: the signed output keeps the original bytes.
func normalizeAttrs(content []byte, tags [][2]int) []byte {
	if len(tags) == 0 {
		return content
	}
	out := make([]byte, 0, len(content))
	last := 0
	for _, tag := range tags {
		out = append(out, content[last:tag[0]]...)
		var quote byte
		raw := content[tag[0]:tag[1]]
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			switch {
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			case quote != 0 && c == quote:
				quote = 0
			case quote != 0 && c == '\r':
				if i+1 < len(raw) && raw[i+1] == '\n' {
					i++
				}
				c = ' '
			case quote != 0 && (c == '\n' || c == '\t'):
				c = ' '
			}
			out = append(out, c)
		}
		last = tag[1]
	}
	return append(out, content[last:]...)
}

// ParseDocument is the check Prepare makes of a document, for a verifier:
// well-formed UTF-8 XML, no DTD, at most MaxDepth levels and MaxElements
// elements, attribute values normalised as an XML processor does. It
// returns the parsed tree. Errors are errs.InvalidRequest.
func ParseDocument(content []byte) (*etree.Document, error) {
	doc, err := parse(content)
	if err != nil {
		return nil, err
	}
	return doc.tree, nil
}
