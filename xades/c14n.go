package xades

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// This file is qes's own Exclusive XML Canonicalization 1.0 without
// comments (W3C xml-exc-c14n, over the rules of C14N 1.0) of an element
// of a parsed tree. goxmldsig's canonicaliser, which the signer used
// before, copies its namespace map at every element and rewrites the tree
// (and so needs a copy of it first): over a 1 MB invoice that cost about
// 40 MB. This one streams the canonical form to a writer, reads the tree
// without touching it, and keeps its namespace state on two stacks as
// deep as the element's nesting. Package verify uses it too: goxmldsig's
// departs from the specification where the tests note it, and refused
// conforming signatures. xmlsec1 (libxml2) checks what qes signs in the
// tests, an implementation that shares no code with this one.
//
// An InclusiveNamespaces PrefixList is not supported: qes never writes
// one (its transforms and canonicalisation methods are the bare
// algorithm), so the list is always empty.

// XML's two reserved namespaces (Namespaces in XML 1.0, 3).
const (
	nsXML   = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS = "http://www.w3.org/2000/xmlns/"
)

// nsBinding is a namespace declaration: prefix "" is the default namespace.
type nsBinding struct{ prefix, uri string }

// c14nAttr is an attribute with its namespace URI, its sort key.
type c14nAttr struct {
	uri string
	a   *etree.Attr
}

// excC14N is the state of one canonicalisation.
type excC14N struct {
	w *bufio.Writer
	// scope is the namespace declarations in scope in the tree, outermost
	// first; rendered those the output has declared on the element being
	// written and its output ancestors (exc-c14n's ns_rendered).
	scope, rendered []nsBinding
	// decls and attrs are scratch space for one start tag, reused by the
	// next: a start tag is written whole before its children are visited.
	decls []nsBinding
	attrs []c14nAttr
}

// WriteExcC14N writes the exclusive canonical form (without comments,
// empty InclusiveNamespaces PrefixList) of the subtree rooted at el to w.
// el is not modified. Namespaces declared on el's ancestors are in scope,
// as they are in the XPath data model, but exclusive canonicalisation
// renders only those el's subtree visibly utilizes. A prefix used but not
// declared, a prefix undeclared (xmlns:p=""), a reserved namespace
// misdeclared and a DTD-only token are errors (a document that is not
// namespace-well-formed has no canonical form); ParseDocument's trees
// have none of the last.
func WriteExcC14N(w io.Writer, el *etree.Element) error {
	c := &excC14N{w: bufio.NewWriterSize(w, 4096)}
	var anc []*etree.Element
	for p := el.Parent(); p != nil; p = p.Parent() {
		anc = append(anc, p)
	}
	for i := len(anc) - 1; i >= 0; i-- {
		if err := c.declare(anc[i]); err != nil {
			return err
		}
	}
	if err := c.element(el); err != nil {
		return err
	}
	return c.w.Flush()
}

// declare pushes el's namespace declarations onto the scope.
func (c *excC14N) declare(el *etree.Element) error {
	for i := range el.Attr {
		a := &el.Attr[i]
		switch {
		case a.Space == "xmlns":
			if a.Key == "xmlns" || a.Key == "xml" && a.Value != nsXML {
				return fmt.Errorf("namespace declaration xmlns:%s=%q: reserved prefix or namespace", a.Key, a.Value)
			}
			if a.Value == "" {
				// Undeclaring a prefix is XML 1.1's (Namespaces in XML
				// 1.1, 5); in 1.0 it is an error. goxmldsig renders it,
				// libxml2 drops it: there is no one canonical form.
				return fmt.Errorf("namespace declaration xmlns:%s=\"\": a prefix cannot be undeclared in XML 1.0", a.Key)
			}
			c.scope = append(c.scope, nsBinding{a.Key, a.Value})
		case a.Space == "" && a.Key == "xmlns":
			// goxmldsig refuses the second; the first it would
			// leave undeclared, taking it for its "no default".
			if a.Value == nsXML || a.Value == nsXMLNS {
				return fmt.Errorf("default namespace %q: reserved namespace", a.Value)
			}
			c.scope = append(c.scope, nsBinding{"", a.Value})
		}
	}
	return nil
}

// lookup is the namespace prefix is bound to in the tree; "" has the
// default namespace, "" when none is declared.
func (c *excC14N) lookup(prefix string) (string, bool) {
	for i := len(c.scope) - 1; i >= 0; i-- {
		if c.scope[i].prefix == prefix {
			return c.scope[i].uri, true
		}
	}
	switch prefix {
	case "":
		return "", true
	case "xml":
		return nsXML, true
	case "xmlns":
		return nsXMLNS, true
	}
	return "", false
}

// renderedAs is the namespace the output has bound prefix to; the default
// namespace is "" until the output declares one.
func (c *excC14N) renderedAs(prefix string) (string, bool) {
	for i := len(c.rendered) - 1; i >= 0; i-- {
		if c.rendered[i].prefix == prefix {
			return c.rendered[i].uri, true
		}
	}
	return "", prefix == ""
}

// utilize adds the declaration of prefix to the start tag when the
// element visibly utilizes it and the output does not have it bound to
// the same namespace yet (exc-c14n 3, C14N 1.0 2.3 for the default
// namespace: xmlns="" only where the output has a non-empty default).
func (c *excC14N) utilize(prefix string) error {
	if prefix == "xml" || prefix == "xmlns" {
		return nil // bound by definition, never declared
	}
	for _, d := range c.decls {
		if d.prefix == prefix {
			return nil
		}
	}
	uri, ok := c.lookup(prefix)
	if !ok {
		return fmt.Errorf("undeclared namespace prefix %q", prefix)
	}
	if r, ok := c.renderedAs(prefix); ok && r == uri {
		return nil
	}
	c.decls = append(c.decls, nsBinding{prefix, uri})
	return nil
}

func (c *excC14N) element(el *etree.Element) error {
	scopeMark, renderedMark := len(c.scope), len(c.rendered)
	if err := c.declare(el); err != nil {
		return err
	}
	c.decls, c.attrs = c.decls[:0], c.attrs[:0]
	if err := c.utilize(el.Space); err != nil {
		return err
	}
	for i := range el.Attr {
		a := &el.Attr[i]
		if a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns" {
			continue
		}
		uri := ""
		if a.Space != "" {
			// An unprefixed attribute is in no namespace: it does not
			// utilize the default one.
			if err := c.utilize(a.Space); err != nil {
				return err
			}
			uri, _ = c.lookup(a.Space)
		}
		c.attrs = append(c.attrs, c14nAttr{uri, a})
	}
	// Namespace declarations by prefix, the default ("") first;
	// attributes by namespace URI (none first), then local name. Two
	// prefixes of one namespace with one local name would be the same
	// attribute twice, which is not namespace-well-formed: the prefix
	// only keeps the order deterministic.
	slices.SortFunc(c.decls, func(x, y nsBinding) int { return strings.Compare(x.prefix, y.prefix) })
	slices.SortFunc(c.attrs, func(x, y c14nAttr) int {
		if n := strings.Compare(x.uri, y.uri); n != 0 {
			return n
		}
		if n := strings.Compare(x.a.Key, y.a.Key); n != 0 {
			return n
		}
		return strings.Compare(x.a.Space, y.a.Space)
	})
	c.rendered = append(c.rendered, c.decls...)

	w := c.w
	w.WriteByte('<')
	writeQName(w, el.Space, el.Tag)
	for _, d := range c.decls {
		if d.prefix == "" {
			w.WriteString(` xmlns="`)
		} else {
			w.WriteString(" xmlns:")
			w.WriteString(d.prefix)
			w.WriteString(`="`)
		}
		escapeC14N(w, d.uri, true)
		w.WriteByte('"')
	}
	for _, a := range c.attrs {
		w.WriteByte(' ')
		writeQName(w, a.a.Space, a.a.Key)
		w.WriteString(`="`)
		escapeC14N(w, a.a.Value, true)
		w.WriteByte('"')
	}
	w.WriteByte('>')

	for _, tok := range el.Child {
		switch t := tok.(type) {
		case *etree.Element:
			if err := c.element(t); err != nil {
				return err
			}
		case *etree.CharData:
			// A CDATA section is its text (C14N 1.0 1.1).
			escapeC14N(w, t.Data, false)
		case *etree.ProcInst:
			// etree has already dropped the white space after the target.
			w.WriteString("<?")
			writePIPart(w, t.Target)
			if t.Inst != "" {
				w.WriteByte(' ')
				writePIPart(w, t.Inst)
			}
			w.WriteString("?>")
		case *etree.Comment:
			// Without comments.
		default:
			return errors.New("a document type declaration inside an element")
		}
	}
	w.WriteString("</")
	writeQName(w, el.Space, el.Tag)
	w.WriteByte('>')
	c.scope, c.rendered = c.scope[:scopeMark], c.rendered[:renderedMark]
	return nil
}

func writeQName(w *bufio.Writer, prefix, local string) {
	if prefix != "" {
		w.WriteString(prefix)
		w.WriteByte(':')
	}
	w.WriteString(local)
}

// writePIPart writes a processing instruction's target or content. "?>"
// cannot be in either of a parsed document's; etree, and so goxmldsig's
// canonical form, writes one built in a tree as "? >".
func writePIPart(w *bufio.Writer, s string) {
	for {
		i := strings.Index(s, "?>")
		if i < 0 {
			break
		}
		w.WriteString(s[:i+1])
		w.WriteByte(' ')
		s = s[i+1:]
	}
	w.WriteString(s)
}

// escapeC14N writes text (attr false) or an attribute value (attr true)
// with C14N 1.0's character references: &amp; &lt; &gt; &#xD; in text;
// &amp; &lt; &quot; &#x9; &#xA; &#xD; in attribute values. A character
// XML does not allow (only in a tree built in code: a parsed document has
// none) becomes U+FFFD, as etree writes it.
func escapeC14N(w *bufio.Writer, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); {
		b := s[i]
		var esc string
		width := 1
		switch {
		case b == '&':
			esc = "&amp;"
		case b == '<':
			esc = "&lt;"
		case b == '>' && !attr:
			esc = "&gt;"
		case b == '"' && attr:
			esc = "&quot;"
		case b == '\t' && attr:
			esc = "&#x9;"
		case b == '\n' && attr:
			esc = "&#xA;"
		case b == '\r':
			esc = "&#xD;"
		case b < 0x20 && b != '\t' && b != '\n':
			esc = "\uFFFD"
		case b >= utf8.RuneSelf:
			var r rune
			r, width = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && width == 1 || r >= 0xD800 && r <= 0xDFFF || r == 0xFFFE || r == 0xFFFF {
				esc = "\uFFFD"
			}
		}
		i += width
		if esc == "" {
			continue
		}
		w.WriteString(s[last : i-width])
		w.WriteString(esc)
		last = i
	}
	w.WriteString(s[last:])
}
