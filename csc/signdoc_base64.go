package csc

import (
	"bytes"
	"encoding/base64"
	"slices"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

var errBadDocumentBase64 = errs.M(errs.InvalidRequest, msg.InvalidBase64, "documents")

// smallDocument is the first buffer of a document longer than the read
// buffer. A document whose end is in sight gets a buffer of its size;
// longer ones start here and grow once, straight to the most the rest of
// the body can hold (known from Content-Length), so a large document is
// never copied and a body of many documents never reserves the whole body
// for each.
const smallDocument = 2 << 20

// b64Stream decodes standard base64 arriving in pieces of a JSON string.
// The only JSON escapes base64 can need are "\/" (some encoders escape the
// slash) and "\n", "\r" (line-wrapped base64, ignored).
type b64Stream struct {
	out []byte
	// bound is the most the rest of the body can decode to, nil when the
	// body's length is unknown (then out grows by doubling).
	bound   func() int
	quantum [4]byte
	n       int  // bytes in quantum
	pending bool // a backslash ended the previous piece
	padded  bool // '=' seen: only the end of the string may follow
}

func (d *b64Stream) write(p []byte) error {
	for len(p) > 0 {
		if d.pending {
			d.pending = false
			if err := d.escape(p[0]); err != nil {
				return err
			}
			p = p[1:]
			continue
		}
		// Fast path: whole quanta straight from p up to the next escape.
		run := p
		if k := bytes.IndexByte(p, '\\'); k >= 0 {
			run = p[:k]
		}
		p = p[len(run):]
		// JSON strings cannot hold raw line breaks, which the base64
		// decoder would silently skip.
		if bytes.IndexByte(run, '\n') >= 0 || bytes.IndexByte(run, '\r') >= 0 {
			return errBadDocumentBase64
		}
		for len(run) > 0 && d.n > 0 {
			if err := d.push(run[0]); err != nil {
				return err
			}
			run = run[1:]
		}
		whole := len(run) / 4 * 4
		if whole > 0 {
			if err := d.decode(run[:whole]); err != nil {
				return err
			}
			run = run[whole:]
		}
		for _, c := range run {
			if err := d.push(c); err != nil {
				return err
			}
		}
		if len(p) > 0 { // p[0] is a backslash
			if len(p) == 1 {
				d.pending = true
				return nil
			}
			if err := d.escape(p[1]); err != nil {
				return err
			}
			p = p[2:]
		}
	}
	return nil
}

func (d *b64Stream) escape(c byte) error {
	switch c {
	case '/':
		return d.push('/')
	case 'n', 'r':
		return nil
	}
	return errBadDocumentBase64
}

func (d *b64Stream) push(c byte) error {
	if d.padded {
		return errBadDocumentBase64
	}
	d.quantum[d.n] = c
	d.n++
	if d.n == 4 {
		d.n = 0
		return d.decode(d.quantum[:])
	}
	return nil
}

// decode appends the decoding of whole quanta. Padding may end src (the
// decoder refuses it anywhere else); then nothing may follow.
func (d *b64Stream) decode(src []byte) error {
	if d.padded {
		return errBadDocumentBase64
	}
	d.padded = src[len(src)-1] == '='
	need := base64.StdEncoding.DecodedLen(len(src))
	if cap(d.out)-len(d.out) < need {
		more := need
		if d.bound != nil {
			more += d.bound()
		}
		d.out = slices.Grow(d.out, more)
	}
	n, err := base64.StdEncoding.Decode(d.out[len(d.out):len(d.out)+need], src)
	if err != nil {
		return errBadDocumentBase64
	}
	d.out = d.out[:len(d.out)+n]
	return nil
}

// close decodes an unpadded final quantum and returns the content.
func (d *b64Stream) close() ([]byte, error) {
	if d.pending {
		return nil, errBadDocumentBase64
	}
	switch d.n {
	case 0:
	case 1:
		return nil, errBadDocumentBase64
	default:
		tail, err := base64.RawStdEncoding.DecodeString(string(d.quantum[:d.n]))
		if err != nil {
			return nil, errBadDocumentBase64
		}
		d.out = append(d.out, tail...)
	}
	if d.out == nil {
		d.out = []byte{}
	}
	if cap(d.out)-len(d.out) > smallDocument {
		// More documents follow this one: give back what they will need.
		d.out = slices.Clone(d.out)
	}
	return d.out, nil
}
