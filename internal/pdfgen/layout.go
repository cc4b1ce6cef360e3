package pdfgen

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Font is one of the three standard fonts a document uses; none is
// embedded (their metrics are below), and all use WinAnsiEncoding.
type Font int

const (
	Regular Font = iota // Helvetica
	Bold                // Helvetica-Bold
	Mono                // Courier-Bold, for codes: every digit as wide as the next
)

var fontNames = [...]Name{"Helvetica", "Helvetica-Bold", "Courier-Bold"}

// A4 in points, and the margins of every page.
const (
	PageWidth    = 595.28
	PageHeight   = 841.89
	marginLeft   = 62
	marginRight  = 62
	marginTop    = 64
	marginBottom = 72
	footerY      = 40
)

// Doc lays out text top to bottom on A4 pages, starting a page when the
// next line does not fit.
type Doc struct {
	lang   string
	pages  []*bytes.Buffer
	y      float64
	footer func(page, total int) string
}

// NewDoc starts a document in the language lang (BCP 47, the catalogue's
// /Lang), with an optional footer written on every page.
func NewDoc(lang string, footer func(page, total int) string) *Doc {
	d := &Doc{lang: lang, footer: footer}
	d.newPage()
	return d
}

func (d *Doc) newPage() {
	d.pages = append(d.pages, new(bytes.Buffer))
	d.y = PageHeight - marginTop
}

func (d *Doc) page() *bytes.Buffer { return d.pages[len(d.pages)-1] }

// Gap moves down by pt points (and no further than the page's end).
func (d *Doc) Gap(pt float64) {
	d.y -= pt
	if d.y < marginBottom {
		d.newPage()
	}
}

// Text writes a paragraph in font at size, indented by indent points and
// wrapped at the right margin; prefix (a bullet, a number) hangs in the
// indentation's last part. Lines are 1.3 times the size apart.
func (d *Doc) Text(font Font, size, indent float64, prefix, text string) {
	width := PageWidth - marginLeft - marginRight - indent
	lines := Wrap(font, size, width, text)
	lead := size * 1.3
	for i, line := range lines {
		if d.y-lead < marginBottom {
			d.newPage()
		}
		d.y -= lead
		if i == 0 && prefix != "" {
			d.show(font, size, marginLeft+indent-Width(font, size, prefix+" "), d.y, prefix)
		}
		d.show(font, size, marginLeft+indent, d.y, line)
	}
}

// KeepTogether starts a new page unless height points still fit on this
// one, so that a heading is not left alone at a page's foot.
func (d *Doc) KeepTogether(height float64) {
	if d.y-height < marginBottom {
		d.newPage()
	}
}

// Field writes a label in the regular font and, to its right at
// valueX points from the margin, a value in font at size on one line (see
// Fit).
func (d *Doc) Field(label string, valueX float64, font Font, size float64, value string) {
	lead := size * 1.5
	if d.y-lead < marginBottom {
		d.newPage()
	}
	d.y -= lead
	d.show(Regular, 11, marginLeft, d.y, label)
	size, value = Fit(font, size, PageWidth-marginLeft-marginRight-valueX, value)
	d.show(font, size, marginLeft+valueX, d.y, value)
}

// minFitSize is the smallest size Fit sets a value in.
const minFitSize = 7

// Fit makes text fit width points on one line: a smaller size first, down
// to 7 points, then the text cut with an ellipsis.
func Fit(font Font, size, width float64, text string) (float64, string) {
	for size > minFitSize && Width(font, size, text) > width {
		size = max(minFitSize, size-0.5)
	}
	if Width(font, size, text) <= width {
		return size, text
	}
	runes := []rune(text)
	for len(runes) > 0 && Width(font, size, string(runes)+"…") > width {
		runes = runes[:len(runes)-1]
	}
	return size, string(runes) + "…"
}

// Rule draws a thin horizontal line across the text width.
func (d *Doc) Rule() {
	d.Gap(6)
	fmt.Fprintf(d.page(), "0.5 w %s %s m %s %s l S\n", Num(marginLeft), Num(d.y), Num(PageWidth-marginRight), Num(d.y))
	d.Gap(6)
}

func (d *Doc) show(font Font, size, x, y float64, text string) {
	fmt.Fprintf(d.page(), "BT /F%d %s Tf %s %s Td %s Tj ET\n", int(font)+1, Num(size), Num(x), Num(y), Literal(WinAnsi(text)))
}

// Pages is the number of pages laid out so far.
func (d *Doc) Pages() int { return len(d.pages) }

// Bytes writes the document. Without enc the trailer /ID is the SHA-256 of
// the pages' content, so that the same text gives the same bytes; with
// enc, id should be random (a new file).
func (d *Doc) Bytes(id *[16]byte, enc *Encryption) ([]byte, error) {
	total := len(d.pages)
	if d.footer != nil {
		for i, p := range d.pages {
			text := d.footer(i+1, total)
			x := (PageWidth - Width(Regular, 8, text)) / 2
			fmt.Fprintf(p, "BT /F1 8 Tf %s %s Td %s Tj ET\n", Num(x), Num(footerY), Literal(WinAnsi(text)))
		}
	}
	var f File
	pagesRef := f.Reserve()
	var fontDict []any
	for i, n := range fontNames {
		r := f.Add(D(Name("Type"), Name("Font"), Name("Subtype"), Name("Type1"), Name("BaseFont"), n, Name("Encoding"), Name("WinAnsiEncoding")))
		fontDict = append(fontDict, Name(fmt.Sprintf("F%d", i+1)), r)
	}
	resources := D(Name("Font"), D(fontDict...))
	var kids Array
	h := sha256.New()
	for _, p := range d.pages {
		h.Write(p.Bytes())
		content := f.Add(Stream{Dict: D(), Data: p.Bytes()})
		kids = append(kids, f.Add(D(Name("Type"), Name("Page"), Name("Parent"), pagesRef,
			Name("MediaBox"), Array{0, 0, PageWidth, PageHeight}, Name("Resources"), resources, Name("Contents"), content)))
	}
	f.Set(pagesRef, D(Name("Type"), Name("Pages"), Name("Kids"), kids, Name("Count"), len(kids)))
	root := f.Add(D(Name("Type"), Name("Catalog"), Name("Pages"), pagesRef, Name("Lang"), String(d.lang)))
	var fileID [16]byte
	if id != nil {
		fileID = *id
	} else {
		copy(fileID[:], h.Sum(nil))
	}
	return f.Write(root, fileID, enc)
}

// Clear zeroes the pages' content (best effort: the plaintext of a
// document that was encrypted must not linger in memory we own).
func (d *Doc) Clear() {
	for _, p := range d.pages {
		b := p.Bytes()
		clear(b[:cap(b)])
		p.Reset()
	}
}

// Wrap breaks text into lines no wider than width points in font at size,
// at spaces; a word longer than a line is broken where it must.
func Wrap(font Font, size, width float64, text string) []string {
	var lines []string
	var line strings.Builder
	lineW := 0.0
	space := Width(font, size, " ")
	for _, word := range strings.Fields(text) {
		w := Width(font, size, word)
		if line.Len() > 0 && lineW+space+w <= width {
			line.WriteByte(' ')
			line.WriteString(word)
			lineW += space + w
			continue
		}
		if line.Len() > 0 {
			lines = append(lines, line.String())
			line.Reset()
			lineW = 0
		}
		for w > width { // a word wider than the line
			cut, cw := 0, 0.0
			for i, r := range word {
				rw := Width(font, size, string(r))
				if cw+rw > width && i > 0 {
					break
				}
				cw += rw
				cut = i + utf8.RuneLen(r)
			}
			lines = append(lines, word[:cut])
			word = word[cut:]
			w = Width(font, size, word)
		}
		line.WriteString(word)
		lineW = w
	}
	if line.Len() > 0 {
		lines = append(lines, line.String())
	}
	return lines
}

// Width is the width of text in points in font at size.
func Width(font Font, size float64, text string) float64 {
	units := 0
	for _, c := range WinAnsi(text) {
		units += glyphWidth(font, c)
	}
	return float64(units) * size / 1000
}

// WinAnsi encodes text in WinAnsiEncoding (ISO 32000-2 Annex D): Latin-1
// plus the typographic characters of 0x80-0x9F. Another letter becomes its
// base letter when it has one (ł stays ?, č becomes c), else '?'.
func WinAnsi(text string) []byte {
	out := make([]byte, 0, len(text))
	for _, r := range text {
		if c, ok := winAnsiByte(r); ok {
			out = append(out, c)
			continue
		}
		base := []rune(norm.NFD.String(string(r)))
		if c, ok := winAnsiByte(base[0]); ok && base[0] < 0x80 && len(base) > 1 {
			out = append(out, c)
			continue
		}
		out = append(out, '?')
	}
	return out
}

var winAnsiHigh = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88,
	'‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93,
	'”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B,
	'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

func winAnsiByte(r rune) (byte, bool) {
	switch {
	case r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xFF:
		return byte(r), true
	}
	c, ok := winAnsiHigh[r]
	return c, ok
}
