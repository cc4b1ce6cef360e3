package pades

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxNesting bounds array/dictionary nesting so hostile input cannot exhaust
// the stack.
const maxNesting = 64

// maxTokenLen bounds a single string or name; real documents never come close.
const maxTokenLen = 16 << 20

var errEOF = errors.New("unexpected end of data")

// scanner reads PDF tokens from an io.ReaderAt through a small window, so
// objects can be parsed anywhere in a large file without loading it.
type scanner struct {
	r     io.ReaderAt
	size  int64
	pos   int64
	buf   []byte
	start int64 // file offset of buf[0]
	err   error // first read error other than EOF
}

const scanWindow = 16 << 10

func newScanner(r io.ReaderAt, size, pos int64) *scanner {
	return &scanner{r: r, size: size, pos: pos}
}

// peek returns the byte at pos without consuming it; ok is false at the end.
func (s *scanner) peek() (byte, bool) {
	if s.pos < 0 || s.pos >= s.size {
		return 0, false
	}
	if s.pos < s.start || s.pos >= s.start+int64(len(s.buf)) {
		if !s.fill() {
			return 0, false
		}
	}
	return s.buf[s.pos-s.start], true
}

func (s *scanner) fill() bool {
	n := int64(scanWindow)
	if rem := s.size - s.pos; rem < n {
		n = rem
	}
	if cap(s.buf) < int(n) {
		s.buf = make([]byte, scanWindow)
	}
	s.buf = s.buf[:n]
	got, err := s.r.ReadAt(s.buf, s.pos)
	if got < len(s.buf) {
		s.buf = s.buf[:got]
		if err != nil && err != io.EOF && s.err == nil {
			s.err = err
		}
	}
	s.start = s.pos
	return got > 0
}

func (s *scanner) next() (byte, bool) {
	c, ok := s.peek()
	if ok {
		s.pos++
	}
	return c, ok
}

// skipSpace skips whitespace and comments.
func (s *scanner) skipSpace() {
	for {
		c, ok := s.peek()
		if !ok {
			return
		}
		switch {
		case isWhite(c):
			s.pos++
		case c == '%':
			for {
				c, ok := s.next()
				if !ok || c == '\n' || c == '\r' {
					break
				}
			}
		default:
			return
		}
	}
}

// keyword reads a run of regular characters (letters, digits, signs, dots).
func (s *scanner) keyword() string {
	var b []byte
	for {
		c, ok := s.peek()
		if !ok || isWhite(c) || isDelimiter(c) {
			return string(b)
		}
		if len(b) >= 256 {
			return string(b)
		}
		b = append(b, c)
		s.pos++
	}
}

// expectKeyword consumes kw if it comes next (after whitespace).
func (s *scanner) expectKeyword(kw string) bool {
	s.skipSpace()
	save := s.pos
	if s.keyword() == kw {
		return true
	}
	s.pos = save
	return false
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", s.pos, fmt.Sprintf(format, args...))
}

// object parses one direct object, resolving "n g R" into a ref.
func (s *scanner) object(depth int) (object, error) {
	if depth > maxNesting {
		return nil, s.errorf("objects nested more than %d deep", maxNesting)
	}
	s.skipSpace()
	c, ok := s.peek()
	if !ok {
		if s.err != nil {
			return nil, s.err
		}
		return nil, errEOF
	}
	switch {
	case c == '/':
		s.pos++
		return s.name()
	case c == '(':
		s.pos++
		return s.literalString()
	case c == '<':
		s.pos++
		if c2, ok := s.peek(); ok && c2 == '<' {
			s.pos++
			return s.dictBody(depth)
		}
		return s.hexString()
	case c == '[':
		s.pos++
		var a array
		for {
			s.skipSpace()
			c, ok := s.peek()
			if !ok {
				return nil, errEOF
			}
			if c == ']' {
				s.pos++
				return a, nil
			}
			v, err := s.object(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return s.number()
	case isDelimiter(c):
		return nil, s.errorf("unexpected %q", c)
	}
	kw := s.keyword()
	switch kw {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	return nil, s.errorf("unexpected keyword %q", kw)
}

func (s *scanner) dictBody(depth int) (object, error) {
	d := newDict()
	for {
		s.skipSpace()
		c, ok := s.peek()
		if !ok {
			return nil, errEOF
		}
		if c == '>' {
			s.pos++
			if c2, ok := s.next(); !ok || c2 != '>' {
				return nil, s.errorf("dictionary not closed with >>")
			}
			return d, nil
		}
		if c != '/' {
			return nil, s.errorf("dictionary key is not a name")
		}
		s.pos++
		k, err := s.name()
		if err != nil {
			return nil, err
		}
		v, err := s.object(depth + 1)
		if err != nil {
			return nil, err
		}
		d.set(k.(name), v)
	}
}

func (s *scanner) name() (object, error) {
	var b []byte
	for {
		c, ok := s.peek()
		if !ok || isWhite(c) || isDelimiter(c) {
			return name(b), nil
		}
		s.pos++
		if c == '#' {
			h1, ok1 := s.next()
			h2, ok2 := s.next()
			v1, v2 := unhex(h1), unhex(h2)
			if !ok1 || !ok2 || v1 < 0 || v2 < 0 {
				return nil, s.errorf("bad #xx escape in name")
			}
			c = byte(v1<<4 | v2)
		}
		if len(b) >= maxTokenLen {
			return nil, s.errorf("name too long")
		}
		b = append(b, c)
	}
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (s *scanner) hexString() (object, error) {
	var b []byte
	hi := -1
	for {
		c, ok := s.next()
		if !ok {
			return nil, errEOF
		}
		if c == '>' {
			if hi >= 0 {
				b = append(b, byte(hi<<4))
			}
			return pdfString(b), nil
		}
		if isWhite(c) {
			continue
		}
		v := unhex(c)
		if v < 0 {
			return nil, s.errorf("bad character %q in hex string", c)
		}
		if hi < 0 {
			hi = v
			continue
		}
		if len(b) >= maxTokenLen {
			return nil, s.errorf("string too long")
		}
		b = append(b, byte(hi<<4|v))
		hi = -1
	}
}

func (s *scanner) literalString() (object, error) {
	var b []byte
	depth := 1
	for {
		if len(b) >= maxTokenLen {
			return nil, s.errorf("string too long")
		}
		c, ok := s.next()
		if !ok {
			return nil, errEOF
		}
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return pdfString(b), nil
			}
		case '\r':
			// An unescaped end of line reads as a single LF.
			if c2, ok := s.peek(); ok && c2 == '\n' {
				s.pos++
			}
			c = '\n'
		case '\\':
			e, ok := s.next()
			if !ok {
				return nil, errEOF
			}
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if c2, ok := s.peek(); ok && c2 == '\n' {
					s.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2; i++ {
						d, ok := s.peek()
						if !ok || d < '0' || d > '7' {
							break
						}
						s.pos++
						v = v*8 + int(d-'0')
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		b = append(b, c)
	}
}

// number parses an integer or real; an integer followed by "gen R" becomes a
// reference.
func (s *scanner) number() (object, error) {
	kw := s.keyword()
	if i, err := strconv.ParseInt(kw, 10, 64); err == nil {
		if i >= 0 {
			save := s.pos
			if r, ok := s.refTail(i); ok {
				return r, nil
			}
			s.pos = save
		}
		return i, nil
	}
	f, err := strconv.ParseFloat(kw, 64)
	if err != nil {
		// Malformed numbers such as "--5" or "1.2.3" occur in the wild; they
		// read as 0 like in most viewers rather than failing the file.
		return real(0), nil
	}
	return real(f), nil
}

func (s *scanner) refTail(num int64) (ref, bool) {
	s.skipSpace()
	gen, err := strconv.ParseInt(s.keyword(), 10, 64)
	if err != nil || gen < 0 || gen > 65535 {
		return ref{}, false
	}
	s.skipSpace()
	if s.keyword() != "R" {
		return ref{}, false
	}
	return ref{num, gen}, true
}

// integer reads a non-negative integer token.
func (s *scanner) integer() (int64, bool) {
	s.skipSpace()
	i, err := strconv.ParseInt(s.keyword(), 10, 64)
	return i, err == nil && i >= 0
}
