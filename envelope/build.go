package envelope

import (
	"crypto/rand"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/pdfgen"
)

// Data is what the envelope prints. Lang is "it" or "en".
type Data struct {
	UserID         string
	EnvelopeNumber string
	Lang           string
	GivenName      string
	Surname        string
	Codes          Codes
	IssuedAt       time.Time
}

// Field bounds: an identifier fits a line in the code font, a name a line
// in the text font.
const (
	maxIDLen   = 40
	maxNameLen = 80
)

// FirstAccessPath is where the holder's first access starts (My Sign).
const FirstAccessPath = "/portal/first-access"

// Permissions of the holder opening the envelope with the passphrase:
// printing (in high quality too) and, as PDF 2.0 asks of every file, the
// accessibility extraction that screen readers use; no copying, no
// modification, no annotations, no form filling, no assembly.
const Permissions = pdfgen.PermPrint | pdfgen.PermPrintHigh | pdfgen.PermAccessibility

// Build lays out the one-page envelope for d and returns it encrypted as
// PDF 2.0 with AES-256 (revision 6): the user password is the passphrase
// (after SASLprep, the first 127 bytes), the owner password 32 random
// bytes that are forgotten at once, so nobody can lift the permissions
// with a password. rnd (crypto/rand when nil) draws the keys, salts, IVs
// and the file ID. The plaintext PDF exists only in memory and is zeroed
// before Build returns (best effort: the codes and the passphrase arrive
// as Go strings, which cannot be zeroed, and the fmt calls that lay out a
// line copy them into short-lived buffers the garbage collector frees).
func Build(d Data, passphrase string, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	t, ok := texts[d.Lang]
	if !ok {
		return nil, errs.M(errs.InvalidRequest, msg.EnvelopeLangUnknown, d.Lang)
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	user, err := prepare(passphrase)
	if err != nil {
		return nil, err
	}
	defer clear(user)
	if err := checkPrepared(user, DefaultMinPassphrase); err != nil {
		return nil, err
	}
	owner := make([]byte, 32)
	defer clear(owner)
	if _, err := io.ReadFull(rnd, owner); err != nil {
		return nil, errs.Internalf(err, "envelope: random owner password")
	}
	enc, err := pdfgen.NewR6(user, owner, Permissions, rnd)
	if err != nil {
		return nil, errs.Internalf(err, "envelope: encryption")
	}
	defer enc.Destroy()

	doc := layout(d, t)
	defer doc.Clear()
	if doc.Pages() != 1 {
		return nil, errs.Ef(errs.Internal, "envelope: the layout took %d pages, not one", doc.Pages())
	}
	var id [16]byte
	if _, err := io.ReadFull(rnd, id[:]); err != nil {
		return nil, errs.Internalf(err, "envelope: random file ID")
	}
	out, err := doc.Bytes(&id, enc)
	if err != nil {
		return nil, errs.Internalf(err, "envelope: writing the PDF")
	}
	return out, nil
}

func (d Data) check() error {
	fields := []struct {
		name, value string
		ok          bool
	}{
		{"user ID", d.UserID, printableASCII(d.UserID, maxIDLen)},
		{"envelope number", d.EnvelopeNumber, printableASCII(d.EnvelopeNumber, maxIDLen)},
		{"given name", d.GivenName, printableName(d.GivenName)},
		{"surname", d.Surname, printableName(d.Surname)},
		{"PIN", d.Codes.PIN, checkDigits(d.Codes.PIN, PINDigits)},
		{"PUK", d.Codes.PUK, checkDigits(d.Codes.PUK, PUKDigits)},
		{"ERC", d.Codes.ERC, checkDigits(d.Codes.ERC, ERCDigits)},
		{"issue time", "", !d.IssuedAt.IsZero() && d.IssuedAt.Year() < 10000 && d.IssuedAt.Year() > 1},
	}
	for _, f := range fields {
		if !f.ok {
			return errs.M(errs.InvalidRequest, msg.EnvelopeField, f.name)
		}
	}
	return nil
}

func printableASCII(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}

// printableName accepts an empty name (a passport may have no given name)
// and any printable text of a line's length; letters outside WinAnsi are
// printed as their base letter or '?', which only the greeting shows.
func printableName(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxNameLen {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// layout writes the page: who it is for, the identifiers, the three codes
// in a fixed-width font, and what each code is for.
func layout(d Data, t *text) *pdfgen.Doc {
	doc := pdfgen.NewDoc(t.lang, func(page, total int) string {
		return t.footer + " " + d.EnvelopeNumber
	})
	doc.Text(pdfgen.Bold, 17, 0, "", t.title)
	doc.Text(pdfgen.Regular, 10, 0, "", t.subtitle)
	doc.Gap(8)
	name := strings.TrimSpace(d.GivenName + " " + d.Surname)
	if name != "" {
		doc.Field(t.holder, 150, pdfgen.Bold, 12, name)
	}
	doc.Field(t.userID, 150, pdfgen.Mono, 12, d.UserID)
	doc.Field(t.number, 150, pdfgen.Mono, 12, d.EnvelopeNumber)
	doc.Field(t.issued, 150, pdfgen.Regular, 11, d.IssuedAt.UTC().Format("2006-01-02 15:04 UTC"))
	doc.Rule()
	doc.Field("PIN", 150, pdfgen.Mono, 20, d.Codes.PIN)
	doc.Text(pdfgen.Regular, 9, 150, "", t.pin)
	doc.Field("PUK", 150, pdfgen.Mono, 20, d.Codes.PUK)
	doc.Text(pdfgen.Regular, 9, 150, "", t.puk)
	doc.Field("ERC", 150, pdfgen.Mono, 20, d.Codes.ERC)
	doc.Text(pdfgen.Regular, 9, 150, "", t.erc)
	doc.Rule()
	doc.Text(pdfgen.Bold, 12, 0, "", t.stepsTitle)
	for i, s := range t.steps {
		doc.Gap(2)
		doc.Text(pdfgen.Regular, 10, 16, string(rune('1'+i))+".", s)
	}
	doc.Gap(6)
	doc.Text(pdfgen.Bold, 12, 0, "", t.secretTitle)
	for _, s := range t.secret {
		doc.Gap(2)
		doc.Text(pdfgen.Regular, 10, 16, "•", s)
	}
	return doc
}
