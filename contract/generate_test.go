package contract

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/pdfgen"
)

// generate names a version whose PDFs TestGenerateTemplate writes from
// their text; empty in every ordinary run.
var generate = flag.String("generate", "", "write templates/<version>/{it,en}.pdf from the .txt beside them (never overwrites)")

// footers say where a page belongs: the version and the page count.
var footers = map[string]string{
	"it": "Contratto qes, versione %s - pagina %d di %d",
	"en": "qes contract, version %s - page %d of %d",
}

// render lays out a template's text. The markup is small: "# " the
// title, "## " an article's heading, "- " a list item, any other line a
// paragraph. Nothing depends on the time or on randomness, so the same
// text always gives the same bytes (with the same pdfgen).
func render(version, lang, text string) ([]byte, error) {
	bcp := map[string]string{"it": "it-IT", "en": "en-GB"}[lang]
	doc := pdfgen.NewDoc(bcp, func(page, total int) string {
		return fmt.Sprintf(footers[lang], version, page, total)
	})
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "## "):
			doc.Gap(7)
			doc.KeepTogether(48)
			doc.Text(pdfgen.Bold, 11, 0, "", strings.TrimPrefix(line, "## "))
		case strings.HasPrefix(line, "# "):
			doc.Text(pdfgen.Bold, 15, 0, "", strings.TrimPrefix(line, "# "))
			doc.Gap(2)
		case strings.HasPrefix(line, "- "):
			doc.Gap(1.5)
			doc.Text(pdfgen.Regular, 10, 18, "•", strings.TrimPrefix(line, "- "))
		default:
			doc.Gap(3)
			doc.Text(pdfgen.Regular, 10, 0, "", line)
		}
	}
	return doc.Bytes(nil, nil)
}

// TestGenerateTemplate writes a new version's PDFs when -generate names
// it; a published template is never overwritten (its hash is pinned).
func TestGenerateTemplate(t *testing.T) {
	if *generate == "" {
		t.Skip("only with -generate <version>")
	}
	for _, lang := range Langs() {
		dir := filepath.Join("templates", *generate)
		src, err := os.ReadFile(filepath.Join(dir, lang+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, lang+".pdf")
		if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s exists: a published template never changes; write a new version", out)
		}
		pdf, err := render(*generate, lang, string(src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", out, len(pdf))
	}
}
