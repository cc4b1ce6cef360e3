package pades

import (
	"bytes"
	"strconv"
	"unicode/utf16"
)

// object is a PDF object as read or written by this package: nil (null),
// bool, int64, real, name, pdfString, ref, array, *dict or *stream.
type object any

type name string

type real float64

// pdfString holds the decoded bytes of a literal or hex string.
type pdfString []byte

type ref struct {
	num int64
	gen int64
}

type array []object

// dict keeps insertion order so that rewritten objects stay recognisable.
type dict struct {
	keys []name
	vals map[name]object
}

// stream is a stream object read from the file: its dictionary and where its
// raw (still encoded) data lies.
type stream struct {
	dict   *dict
	offset int64
	length int64
	num    int64 // object number, for errors that name the stream
	gen    int64
}

func newDict() *dict { return &dict{vals: map[name]object{}} }

func (d *dict) get(k name) object {
	if d == nil {
		return nil
	}
	return d.vals[k]
}

func (d *dict) set(k name, v object) *dict {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
	return d
}

func (d *dict) del(k name) {
	if _, ok := d.vals[k]; !ok {
		return
	}
	delete(d.vals, k)
	for i, kk := range d.keys {
		if kk == k {
			d.keys = append(d.keys[:i], d.keys[i+1:]...)
			break
		}
	}
}

// clone copies the dictionary one level deep; nested values are shared, which
// is fine because updates replace values rather than mutate them.
func (d *dict) clone() *dict {
	c := &dict{keys: append([]name(nil), d.keys...), vals: make(map[name]object, len(d.vals))}
	for k, v := range d.vals {
		c.vals[k] = v
	}
	return c
}

// textString encodes s as a PDF text string: ASCII stays as is, anything else
// becomes UTF-16BE with a byte-order mark, which every reader understands.
func textString(s string) pdfString {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || (s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') {
			ascii = false
			break
		}
	}
	if ascii {
		return pdfString(s)
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xFE, 0xFF
	for _, r := range u {
		b = append(b, byte(r>>8), byte(r))
	}
	return pdfString(b)
}

// writeObject serialises o in PDF syntax.
func writeObject(buf *bytes.Buffer, o object) {
	switch v := o.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		if v {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case int64:
		buf.WriteString(strconv.FormatInt(v, 10))
	case int:
		buf.WriteString(strconv.Itoa(v))
	case real:
		buf.WriteString(formatReal(float64(v)))
	case name:
		writeName(buf, v)
	case pdfString:
		writeString(buf, v)
	case ref:
		buf.WriteString(strconv.FormatInt(v.num, 10))
		buf.WriteByte(' ')
		buf.WriteString(strconv.FormatInt(v.gen, 10))
		buf.WriteString(" R")
	case array:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(' ')
			}
			writeObject(buf, e)
		}
		buf.WriteByte(']')
	case *dict:
		buf.WriteString("<<")
		for _, k := range v.keys {
			writeName(buf, k)
			buf.WriteByte(' ')
			writeObject(buf, v.vals[k])
		}
		buf.WriteString(">>")
	case rawObject:
		buf.Write(v)
	default:
		// Unreachable for objects this package builds; write null rather
		// than corrupt the file.
		buf.WriteString("null")
	}
}

// rawObject is pre-serialised PDF syntax, used for placeholders.
type rawObject []byte

func formatReal(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if s == "-0" {
		return "0"
	}
	return s
}

func writeName(buf *bytes.Buffer, n name) {
	buf.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < '!' || c > '~' || c == '#' || isDelimiter(c) {
			buf.WriteByte('#')
			buf.WriteByte(hexDigits[c>>4])
			buf.WriteByte(hexDigits[c&15])
			continue
		}
		buf.WriteByte(c)
	}
}

const hexDigits = "0123456789ABCDEF"

// writeString uses a literal string when the bytes are printable and a hex
// string otherwise, so no byte is ever mangled by end-of-line normalisation.
func writeString(buf *bytes.Buffer, s pdfString) {
	printable := true
	for _, c := range s {
		if c < 0x20 || c > 0x7E {
			printable = false
			break
		}
	}
	if !printable {
		buf.WriteByte('<')
		for _, c := range s {
			buf.WriteByte(hexDigits[c>>4])
			buf.WriteByte(hexDigits[c&15])
		}
		buf.WriteByte('>')
		return
	}
	buf.WriteByte('(')
	for _, c := range s {
		if c == '(' || c == ')' || c == '\\' {
			buf.WriteByte('\\')
		}
		buf.WriteByte(c)
	}
	buf.WriteByte(')')
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}
