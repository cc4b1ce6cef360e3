package contract_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/contract"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/testutil/validator"
)

// golden pins every published template. Changing a template's bytes
// without a new version fails here: applicants accepted those bytes by
// their hash, and the evidence of their enrolment names it.
var golden = map[string]string{
	"2026-12/it": "6cdf0e381d11c874e5ca8e0d5209bdcdbef10882f5d255a964c9e4010048d023",
	"2026-12/en": "951edc70503c058582adc1a78bf23a1b7e1f38d1527bfa0c59290f0b930e2079",
}

func TestGoldenHashes(t *testing.T) {
	t.Parallel()
	seen := 0
	for _, v := range contract.Versions() {
		for _, lang := range contract.Langs() {
			d, err := contract.Template(v, lang)
			if err != nil {
				t.Fatalf("Template(%s, %s): %v", v, lang, err)
			}
			sum := sha256.Sum256(d.PDF)
			if got := hex.EncodeToString(sum[:]); got != d.SHA256 {
				t.Errorf("%s/%s: Doc.SHA256 %s, the bytes hash to %s", v, lang, d.SHA256, got)
			}
			want, ok := golden[v+"/"+lang]
			if !ok {
				t.Errorf("%s/%s has no golden hash: pin %s", v, lang, d.SHA256)
				continue
			}
			seen++
			if d.SHA256 != want {
				t.Errorf("%s/%s changed: SHA-256 %s, pinned %s. A published template never changes; publish a new version", v, lang, d.SHA256, want)
			}
			if d.Version != v || d.Lang != lang {
				t.Errorf("Doc names %s/%s, asked for %s/%s", d.Version, d.Lang, v, lang)
			}
		}
	}
	if seen != len(golden) {
		t.Errorf("%d golden hashes, %d templates: a pinned template disappeared", len(golden), seen)
	}
	if contract.Current() != contract.Versions()[len(contract.Versions())-1] {
		t.Errorf("Current() = %s, not the newest version", contract.Current())
	}
}

// TestTemplateIsTheCallersCopy: a caller that scribbles on the PDF it was
// given does not change what the next caller is served.
func TestTemplateIsTheCallersCopy(t *testing.T) {
	t.Parallel()
	a, err := contract.Template(contract.Current(), "it")
	if err != nil {
		t.Fatal(err)
	}
	orig := bytes.Clone(a.PDF)
	clear(a.PDF)
	b, err := contract.Template(contract.Current(), "it")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.PDF, orig) {
		t.Fatal("a caller's change reached the next caller")
	}
}

func TestTemplateUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version, lang string
		want          msg.ID
	}{
		{"2020-01", "it", msg.ContractVersionUnknown},
		{"", "it", msg.ContractVersionUnknown},
		{"../2026-12", "it", msg.ContractVersionUnknown},
		{"2026-12/it.txt", "it", msg.ContractVersionUnknown},
		{contract.Current(), "de", msg.ContractLangUnknown},
		{contract.Current(), "", msg.ContractLangUnknown},
		{contract.Current(), "IT", msg.ContractLangUnknown},
		{contract.Current(), "it.txt", msg.ContractLangUnknown},
	}
	for _, tt := range tests {
		d, err := contract.Template(tt.version, tt.lang)
		id, _, _ := errs.MessageOf(err)
		if d != nil || id != tt.want || !errs.Is(err, errs.NotFound) {
			t.Errorf("Template(%q, %q) = %v, %v (%s), want not found with %s", tt.version, tt.lang, d, err, id, tt.want)
		}
	}
}

// TestTemplatesReadAndCheck: qpdf finds no error in any template, and its
// text layer (pdftotext) carries every paragraph of the text the template
// was made from, the arts. 1341-1342 c.c. clause list among them.
func TestTemplatesReadAndCheck(t *testing.T) {
	t.Parallel()
	qpdf := validator.Need(t, "qpdf")
	pdftotext := validator.Need(t, "pdftotext")
	clauses := map[string][]string{
		"it": {"artt. 1341 e 1342 del codice civile", "art. 5 (obblighi del Titolare", "art. 8 (corrispettivi", "art. 10 (sospensione e revoca", "art. 11 (limitazioni della responsabilità", "art. 13 (modifiche", "art. 14 (foro competente)", "tre anni"},
		"en": {"Articles 1341 and 1342 of the Italian Civil Code", "Art. 5 (the Holder's obligations", "Art. 8 (fees", "Art. 10 (suspension and revocation", "Art. 11 (limitations of the Provider's liability", "Art. 13 (amendments", "Art. 14 (jurisdiction)", "three years"},
	}
	footer := regexp.MustCompile(`(Contratto qes, versione|qes contract, version) \S+ - (pagina|page) \d+ (di|of) \d+`)
	space := regexp.MustCompile(`\s+`)
	for _, v := range contract.Versions() {
		for _, lang := range contract.Langs() {
			d, err := contract.Template(v, lang)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), lang+".pdf")
			if err := os.WriteFile(path, d.PDF, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(qpdf, "--check", path).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
				t.Errorf("qpdf --check %s/%s: %v\n%s", v, lang, err, out)
			}
			text, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			flat := space.ReplaceAllString(footer.ReplaceAllString(string(text), " "), " ")
			if v == contract.Current() {
				for _, c := range clauses[lang] {
					if !strings.Contains(flat, c) {
						t.Errorf("%s/%s does not say %q", v, lang, c)
					}
				}
			}
			src, err := os.ReadFile(filepath.Join("templates", v, lang+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(src), "\n") {
				line = strings.TrimSpace(strings.TrimLeft(line, "#- "))
				if line != "" && !strings.Contains(flat, space.ReplaceAllString(line, " ")) {
					t.Errorf("%s/%s: the PDF's text lacks %q", v, lang, line)
				}
			}
			if !strings.Contains(flat, v) {
				t.Errorf("%s/%s does not name its version", v, lang)
			}
		}
	}
}

// TestGeneratorIsDeterministic: the generator gives the same bytes twice
// (no time, no randomness, no map order), which is what lets a new
// version's PDF be reviewed as the output of its text.
func TestGeneratorIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, lang := range contract.Langs() {
		src, err := os.ReadFile(filepath.Join("templates", contract.Current(), lang+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		a, err := contract.Render(contract.Current(), lang, string(src))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := contract.Render(contract.Current(), lang, string(src))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders differ", lang)
		}
	}
}
