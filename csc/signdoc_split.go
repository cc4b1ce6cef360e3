package csc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// A signDoc body carries whole PDFs as base64 strings. Decoding it with
// encoding/json would hold the body, the string and the decoded bytes at
// once (about 3.7 times the document). splitDocuments instead streams the
// body once: the content of every documents[i].document string is decoded
// from base64 straight into its own []byte, and everything else is copied
// into a small "skeleton" JSON (the document strings left empty) that the
// ordinary DTO decoding and validation then read. Peak memory is the
// decoded documents plus a read buffer.

const (
	// streamBuffer is the read buffer: large enough that a 50 MB document
	// is decoded in few calls.
	streamBuffer = 256 << 10
	// maxJSONDepth bounds nesting; signDoc needs 4 levels.
	maxJSONDepth = 32
)

var errNotJSON = errs.M(errs.InvalidRequest, msg.BodyNotJSON)

// splitBody is a signDoc body taken apart.
type splitBody struct {
	skeleton []byte
	// docs[i] is the decoded content of documents[i].document, if that
	// was a JSON string.
	docs map[int][]byte
}

type splitter struct {
	r         *bufio.Reader
	out       bytes.Buffer
	maxSkel   int
	remaining int64 // body bytes not yet read, -1 if unknown (size hints)
	docs      map[int][]byte
}

// splitDocuments reads a JSON object from r. maxSkeleton bounds the bytes
// that are not document content; sizeHint is the body length if known
// (-1 otherwise), used to size document buffers without regrowing them.
func splitDocuments(r io.Reader, maxSkeleton int, sizeHint int64) (*splitBody, error) {
	s := &splitter{r: bufio.NewReaderSize(r, streamBuffer), maxSkel: maxSkeleton, remaining: sizeHint, docs: map[int][]byte{}}
	c, err := s.skipSpace()
	if err == io.EOF {
		return &splitBody{skeleton: []byte("{}"), docs: s.docs}, nil
	}
	if err != nil {
		return nil, err
	}
	if c != '{' {
		return nil, errs.M(errs.InvalidRequest, msg.BodyNotObject)
	}
	if err := s.object(1, true, -1); err != nil {
		return nil, err
	}
	if _, err := s.skipSpace(); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, errNotJSON
	}
	return &splitBody{skeleton: s.out.Bytes(), docs: s.docs}, nil
}

func (s *splitter) readByte() (byte, error) {
	c, err := s.r.ReadByte()
	if err == nil && s.remaining > 0 {
		s.remaining--
	}
	return c, s.readErr(err)
}

// readErr passes io.EOF through (callers decide whether it is expected)
// and turns everything else (body limit, broken connection) into a
// caller-facing error.
func (s *splitter) readErr(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errs.M(errs.InvalidRequest, msg.BodyTooLarge, tooLarge.Limit)
	}
	return errs.WrapM(err, errs.InvalidRequest, msg.BodyUnreadable)
}

func (s *splitter) emit(b ...byte) error {
	if s.out.Len()+len(b) > s.maxSkel {
		return errs.M(errs.InvalidRequest, msg.SignDocParamsTooLarge, s.maxSkel)
	}
	s.out.Write(b)
	return nil
}

// skipSpace returns the next byte that is not JSON whitespace.
func (s *splitter) skipSpace() (byte, error) {
	for {
		c, err := s.readByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c, nil
	}
}

// next is skipSpace where the end of the body is an error.
func (s *splitter) next() (byte, error) {
	c, err := s.skipSpace()
	if err == io.EOF {
		return 0, errNotJSON
	}
	return c, err
}

// object copies an object whose '{' was read. At the top level, the key
// "documents" marks its array as the one holding documents; in one of that
// array's objects (docIndex >= 0) the key "document" marks the content.
// Keys match case-insensitively, as encoding/json matches fields.
func (s *splitter) object(depth int, top bool, docIndex int) error {
	if depth > maxJSONDepth {
		return errs.M(errs.InvalidRequest, msg.BodyTooDeep)
	}
	if err := s.emit('{'); err != nil {
		return err
	}
	c, err := s.next()
	if err != nil {
		return err
	}
	if c == '}' {
		return s.emit('}')
	}
	for {
		if c != '"' {
			return errNotJSON
		}
		raw, err := s.rawString()
		if err != nil {
			return err
		}
		var key string
		if err := json.Unmarshal(raw, &key); err != nil {
			return errNotJSON
		}
		if err := s.emit(raw...); err != nil {
			return err
		}
		if c, err = s.next(); err != nil {
			return err
		}
		if c != ':' {
			return errNotJSON
		}
		if err := s.emit(':'); err != nil {
			return err
		}
		if c, err = s.next(); err != nil {
			return err
		}
		switch {
		case top && strings.EqualFold(key, "documents") && c == '[':
			// A repeated key replaces the earlier value, as in encoding/json.
			clear(s.docs)
			err = s.array(depth+1, true)
		case docIndex >= 0 && strings.EqualFold(key, "document") && c == '"':
			err = s.document(docIndex)
		default:
			err = s.value(c, depth+1)
		}
		if err != nil {
			return err
		}
		var done bool
		if done, c, err = s.separator('}'); done || err != nil {
			return err
		}
	}
}

// separator reads what follows a member or element: the closing byte (done,
// copied) or a comma (copied, and the next value's first byte returned).
func (s *splitter) separator(closing byte) (done bool, c byte, err error) {
	if c, err = s.next(); err != nil {
		return false, 0, err
	}
	switch c {
	case closing:
		return true, 0, s.emit(closing)
	case ',':
		if err := s.emit(','); err != nil {
			return false, 0, err
		}
		c, err = s.next()
		return false, c, err
	}
	return false, 0, errNotJSON
}

// array copies an array whose '[' was read; documents says it is the
// top-level documents array, whose object elements are indexed.
func (s *splitter) array(depth int, documents bool) error {
	if depth > maxJSONDepth {
		return errs.M(errs.InvalidRequest, msg.BodyTooDeep)
	}
	if err := s.emit('['); err != nil {
		return err
	}
	c, err := s.next()
	if err != nil {
		return err
	}
	if c == ']' {
		return s.emit(']')
	}
	for i := 0; ; i++ {
		if documents && c == '{' {
			err = s.object(depth+1, false, i)
		} else {
			err = s.value(c, depth+1)
		}
		if err != nil {
			return err
		}
		var done bool
		if done, c, err = s.separator(']'); done || err != nil {
			return err
		}
	}
}

// value copies any value whose first byte c was read.
func (s *splitter) value(c byte, depth int) error {
	switch {
	case c == '{':
		return s.object(depth, false, -1)
	case c == '[':
		return s.array(depth, false)
	case c == '"':
		raw, err := s.rawString()
		if err != nil {
			return err
		}
		return s.emit(raw...)
	case c == '-' || c == 't' || c == 'f' || c == 'n' || (c >= '0' && c <= '9'):
		// Numbers and literals are copied as they are; encoding/json
		// checks them when it reads the skeleton.
		if err := s.emit(c); err != nil {
			return err
		}
		for {
			b, err := s.r.Peek(1)
			if err != nil {
				if err == io.EOF {
					return nil
				}
				return s.readErr(err)
			}
			if !isScalarByte(b[0]) {
				return nil
			}
			c, _ := s.readByte()
			if err := s.emit(c); err != nil {
				return err
			}
		}
	}
	return errNotJSON
}

func isScalarByte(c byte) bool {
	return c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// rawString reads a JSON string whose opening quote was read and returns
// it with both quotes, escapes untouched.
func (s *splitter) rawString() ([]byte, error) {
	out := []byte{'"'}
	for {
		chunk, err := s.r.ReadSlice('"')
		if s.remaining > 0 {
			s.remaining -= int64(len(chunk))
		}
		if len(out)+len(chunk) > s.maxSkel {
			return nil, errs.M(errs.InvalidRequest, msg.SignDocParamsTooLarge, s.maxSkel)
		}
		out = append(out, chunk...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			return nil, errNotJSON
		case err != nil:
			return nil, s.readErr(err)
		}
		if !escapedQuote(out) {
			return out, nil
		}
	}
}

// escapedQuote reports whether the quote ending b is preceded by an odd
// number of backslashes.
func escapedQuote(b []byte) bool {
	n := 0
	for i := len(b) - 2; i >= 0 && b[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// document decodes documents[i].document (opening quote read) into
// s.docs[i] and leaves an empty string in the skeleton.
func (s *splitter) document(i int) error {
	dec := b64Stream{}
	window, _ := s.r.Peek(streamBuffer) // short at the end of the body
	if k := bytes.IndexByte(window, '"'); k >= 0 {
		dec.out = make([]byte, 0, k/4*3+3) // the whole string is in sight
	} else if s.remaining >= 0 {
		dec.bound = func() int { return int(max(s.remaining, 0)/4*3 + 3) }
		dec.out = make([]byte, 0, min(dec.bound(), smallDocument))
	}
	for {
		chunk, err := s.r.ReadSlice('"')
		if s.remaining > 0 {
			s.remaining -= int64(len(chunk))
		}
		full := err == bufio.ErrBufferFull
		if err != nil && !full {
			if err == io.EOF {
				return errNotJSON
			}
			return s.readErr(err)
		}
		if !full {
			chunk = chunk[:len(chunk)-1] // the closing quote
		}
		if err := dec.write(chunk); err != nil {
			return err
		}
		if !full {
			break
		}
	}
	doc, err := dec.close()
	if err != nil {
		return err
	}
	s.docs[i] = doc
	return s.emit('"', '"')
}
