// Package contract serves the versioned contract templates of the
// qualified signature service, in Italian and English, byte-exact: an
// applicant accepts a template by its SHA-256, the evidence keeps the
// same bytes, and at activation the holder signs them. The PDFs are
// committed files embedded in the binary, so that no build and no Go
// release can change a published template; a new text is a new version.
//
// The PDFs are generated once from the text beside them (templates/
// <version>/<lang>.txt) by a test: go test ./contract -run
// TestGenerateTemplate -generate <version>. It refuses to overwrite a
// template, and TestGoldenHashes pins every template's SHA-256.
package contract

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"slices"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Versions are the published contract versions, oldest first; the last is
// the one offered to new applicants. A version is never removed: the
// evidence of older enrolments names it.
var versions = []string{"2026-12"}

// langs are the languages every version is written in.
var langs = []string{"it", "en"}

// Langs lists the languages every version is written in.
func Langs() []string { return slices.Clone(langs) }

//go:embed templates
var files embed.FS

// Doc is one template: its version, language, the PDF's bytes and their
// SHA-256 in lower-case hex.
type Doc struct {
	Version string
	Lang    string
	PDF     []byte
	SHA256  string
}

// Current is the version offered to new applicants.
func Current() string { return versions[len(versions)-1] }

// Versions lists the published versions, oldest first.
func Versions() []string { return slices.Clone(versions) }

// Template returns the template of version in lang ("it" or "en"). The
// PDF is the caller's own copy.
func Template(version, lang string) (*Doc, error) {
	if !slices.Contains(versions, version) {
		return nil, errs.M(errs.NotFound, msg.ContractVersionUnknown, version, Current())
	}
	if !slices.Contains(langs, lang) {
		return nil, errs.M(errs.NotFound, msg.ContractLangUnknown, lang)
	}
	b, err := files.ReadFile("templates/" + version + "/" + lang + ".pdf")
	if err != nil {
		return nil, errs.Internalf(err, "contract: template %s/%s is not embedded", version, lang)
	}
	sum := sha256.Sum256(b)
	return &Doc{Version: version, Lang: lang, PDF: b, SHA256: hex.EncodeToString(sum[:])}, nil
}
