// Package pdfgen writes small PDF 2.0 documents from scratch: pages of
// wrapped text in the standard Helvetica and Courier fonts (WinAnsi
// encoding, so that pdftotext reads a real text layer), and, when asked,
// the whole file encrypted with the standard security handler revision 6
// (AES-256, ISO 32000-2 §7.6.4). It serves the contract templates, which
// must come out byte-identical on every build (nothing in them depends on
// the time, a map's order or randomness), and the PIN/PUK/ERC envelope,
// which is encrypted before its bytes leave memory.
//
// It is deliberately not a PDF library: no reader, no images, no
// compression (compress/flate's output may change between Go releases,
// which would change a template's bytes).
package pdfgen

import (
	"bytes"
	"fmt"
	"strconv"
)

// Name is a PDF name object (/Type).
type Name string

// Ref is an indirect reference to the object with that number (n 0 R).
type Ref int

// String is a PDF string object. In an encrypted file it is encrypted
// (AES-256-CBC under its own random IV) like a stream.
type String []byte

// Array is a PDF array.
type Array []any

// Dict is a PDF dictionary whose keys keep the order they were given in,
// so that the output is deterministic.
type Dict struct {
	keys []Name
	vals []any
}

// D builds a dictionary from alternating keys (Name) and values.
func D(kv ...any) Dict {
	if len(kv)%2 != 0 {
		panic("pdfgen.D: odd number of arguments")
	}
	var d Dict
	for i := 0; i < len(kv); i += 2 {
		d.keys = append(d.keys, kv[i].(Name))
		d.vals = append(d.vals, kv[i+1])
	}
	return d
}

// Stream is a stream object; the writer adds /Length.
type Stream struct {
	Dict Dict
	Data []byte
}

// File is a PDF file under construction: its indirect objects, numbered
// from 1 in the order they were added.
type File struct {
	objs []any
}

// Add appends an object and returns its reference.
func (f *File) Add(v any) Ref {
	f.objs = append(f.objs, v)
	return Ref(len(f.objs))
}

// Reserve returns the reference of an object to Set later (a parent that
// its children name).
func (f *File) Reserve() Ref { return f.Add(nil) }

// Set replaces a reserved object.
func (f *File) Set(r Ref, v any) { f.objs[r-1] = v }

// Write serialises the file with a classic cross-reference table. id is
// the trailer's /ID (both halves, as for a new file). With enc, every
// string and stream is encrypted, except the encryption dictionary itself
// and the trailer, which ISO 32000-2 §7.6.2 exempts.
func (f *File) Write(root Ref, id [16]byte, enc *Encryption) ([]byte, error) {
	var b bytes.Buffer
	// The second line's bytes above 127 tell transfer tools the file is
	// binary (ISO 32000-2 §7.5.2).
	b.WriteString("%PDF-2.0\n%\xe2\xe3\xcf\xd3\n")
	var encRef Ref
	if enc != nil {
		encRef = f.Add(enc.dict)
	}
	offsets := make([]int, len(f.objs))
	for i, o := range f.objs {
		if o == nil {
			return nil, fmt.Errorf("pdfgen: object %d reserved but never set", i+1)
		}
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		e := enc
		if Ref(i+1) == encRef {
			e = nil
		}
		if err := writeObject(&b, o, e); err != nil {
			return nil, fmt.Errorf("pdfgen: object %d: %w", i+1, err)
		}
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(f.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	// The trailer is never encrypted, its /ID included.
	trailer := D(Name("Size"), len(f.objs)+1, Name("Root"), root)
	if enc != nil {
		trailer = D(Name("Size"), len(f.objs)+1, Name("Root"), root, Name("Encrypt"), encRef)
	}
	trailer.keys = append(trailer.keys, "ID")
	trailer.vals = append(trailer.vals, Array{hexString(id[:]), hexString(id[:])})
	b.WriteString("trailer\n")
	if err := writeValue(&b, trailer, nil); err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes(), nil
}

func writeObject(b *bytes.Buffer, o any, enc *Encryption) error {
	s, ok := o.(Stream)
	if !ok {
		return writeValue(b, o, enc)
	}
	data := s.Data
	if enc != nil {
		var err error
		if data, err = enc.encrypt(s.Data); err != nil {
			return err
		}
	}
	d := Dict{keys: append([]Name(nil), s.Dict.keys...), vals: append([]any(nil), s.Dict.vals...)}
	d.keys = append(d.keys, "Length")
	d.vals = append(d.vals, len(data))
	if err := writeValue(b, d, enc); err != nil {
		return err
	}
	b.WriteString("\nstream\n")
	b.Write(data)
	b.WriteString("\nendstream")
	return nil
}

func writeValue(b *bytes.Buffer, v any, enc *Encryption) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int32:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	case float64:
		b.WriteString(Num(v))
	case Name:
		b.WriteByte('/')
		for _, c := range []byte(v) {
			if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte("()<>[]{}/%#"), c) >= 0 {
				fmt.Fprintf(b, "#%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
	case Ref:
		fmt.Fprintf(b, "%d 0 R", int(v))
	case String:
		if enc != nil {
			ct, err := enc.encrypt(v)
			if err != nil {
				return err
			}
			fmt.Fprintf(b, "<%x>", ct)
			return nil
		}
		b.WriteString(Literal(v))
	case hexString:
		fmt.Fprintf(b, "<%x>", []byte(v))
	case Array:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			if err := writeValue(b, e, enc); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case Dict:
		b.WriteString("<<")
		for i, k := range v.keys {
			b.WriteByte(' ')
			if err := writeValue(b, k, enc); err != nil {
				return err
			}
			b.WriteByte(' ')
			if err := writeValue(b, v.vals[i], enc); err != nil {
				return err
			}
		}
		b.WriteString(" >>")
	default:
		return fmt.Errorf("pdfgen: cannot write a %T", v)
	}
	return nil
}

// hexString is a string written in hex and never encrypted: the values of
// the encryption dictionary.
type hexString []byte

// Literal writes s as a PDF literal string: parentheses and backslashes
// escaped, bytes outside printable ASCII as octal escapes, so that the
// file stays readable and the same bytes always give the same text.
func Literal(s []byte) string {
	var b bytes.Buffer
	b.WriteByte('(')
	for _, c := range s {
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// Num formats a coordinate or size with at most two decimals and no
// trailing zeros, the same on every platform.
func Num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
