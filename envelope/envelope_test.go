package envelope_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/envelope"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/sam"
)

// seeded is a reproducible random source for the tests (never for
// production: Generate and Build default to crypto/rand).
func seeded(seed uint64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return rand.NewChaCha8(s)
}

func data(lang string, c envelope.Codes) envelope.Data {
	return envelope.Data{
		UserID:         "QU7KX2M9PA",
		EnvelopeNumber: "ENV-2026-000417",
		Lang:           lang,
		GivenName:      "Maria Grazia",
		Surname:        "D'Annunzio Ščepanović",
		Codes:          c,
		IssuedAt:       time.Date(2026, 12, 6, 8, 30, 0, 0, time.UTC),
	}
}

// run runs a validator and returns its combined output and whether it
// exited 0.
func run(t *testing.T, name string, args ...string) (string, bool) {
	t.Helper()
	out, err := exec.Command(validator.Need(t, name), args...).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s did not run: %v", name, err)
	}
	return string(out), err == nil
}

// TestBuildOpensWithQpdf is the envelope's contract with the outside
// world: qpdf reports revision 6 and AES-256 with the passphrase, refuses
// a wrong one, and the decrypted file, which qpdf checks clean, shows the
// user ID, the envelope number and the three codes, which the ciphertext
// does not show in clear.
func TestBuildOpensWithQpdf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang, passphrase, qpdfPassword string
		words                          []string
	}{
		{"it", "gatto-lungo-sul-tetto", "gatto-lungo-sul-tetto", []string{"Busta PIN/PUK/ERC", "Numero busta", "/portal/first-access", "Tieni segreti i codici", "attivazione", "sospende"}},
		{"en", "correct horse battery", "correct horse battery", []string{"PIN/PUK/ERC envelope", "Envelope number", "/portal/first-access", "Keep the codes secret", "Activation", "suspend"}},
		// SASLprep: the PDF keeps the NFKC form, so the ligature "ﬁ"
		// opens as "fi" and the no-break space as a space.
		{"it", "ﬁnestra\u00a0aperta", "finestra aperta", []string{"Busta PIN/PUK/ERC"}},
		{"en", "pässwörd-ünicode", "pässwörd-ünicode", []string{"PIN/PUK/ERC envelope"}},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s-%d", tt.lang, i), func(t *testing.T) {
			t.Parallel()
			codes, err := envelope.Generate(nil)
			if err != nil {
				t.Fatal(err)
			}
			d := data(tt.lang, codes)
			pdf, err := envelope.Build(d, tt.passphrase, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-2.0\n")) {
				t.Fatalf("header %q, want PDF 2.0", pdf[:9])
			}
			for _, secret := range []string{codes.PIN, codes.PUK, codes.ERC, d.UserID, d.EnvelopeNumber, tt.passphrase, "Busta", "envelope"} {
				if bytes.Contains(pdf, []byte(secret)) {
					t.Errorf("the ciphertext shows %q in clear", secret)
				}
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "envelope.pdf")
			if err := os.WriteFile(in, pdf, 0o600); err != nil {
				t.Fatal(err)
			}

			show, ok := run(t, "qpdf", "--show-encryption", "--password="+tt.qpdfPassword, in)
			if !ok {
				t.Fatalf("qpdf --show-encryption failed:\n%s", show)
			}
			enc := parseEncryption(show)
			want := map[string]string{
				"R":                         "6",
				"stream encryption method":  "AESv3",
				"string encryption method":  "AESv3",
				"file encryption method":    "AESv3",
				"print high resolution":     "allowed",
				"print low resolution":      "allowed",
				"extract for any purpose":   "not allowed",
				"modify anything":           "not allowed",
				"modify annotations":        "not allowed",
				"modify forms":              "not allowed",
				"modify document assembly":  "not allowed",
				"Supplied password is":      "user password",
				"extract for accessibility": "allowed",
			}
			for k, v := range want {
				if enc[k] != v {
					t.Errorf("qpdf --show-encryption: %s = %q, want %q\n%s", k, enc[k], v, show)
				}
			}

			for _, wrong := range []string{"", "wrong passphrase", tt.qpdfPassword + "x", codes.PIN} {
				out, ok := run(t, "qpdf", "--check", "--password="+wrong, in)
				if ok || !strings.Contains(out, "invalid password") {
					t.Errorf("qpdf opened the envelope with %q:\n%s", wrong, out)
				}
			}

			// poppler is a second, independent reader of revision 6.
			info, ok := run(t, "pdfinfo", "-upw", tt.qpdfPassword, in)
			if !ok || !strings.Contains(info, "print:yes copy:no change:no addNotes:no algorithm:AES-256") || !regexp.MustCompile(`PDF version:\s+2\.0`).MatchString(info) {
				t.Errorf("pdfinfo -upw:\n%s", info)
			}
			if out, ok := run(t, "pdftotext", "-upw", "wrong passphrase", in, "-"); ok {
				t.Errorf("poppler opened the envelope with a wrong password:\n%s", out)
			}
			if out, _ := run(t, "pdftotext", "-enc", "UTF-8", "-upw", tt.qpdfPassword, in, "-"); !strings.Contains(out, codes.ERC) {
				t.Errorf("poppler's text of the envelope lacks the ERC:\n%s", out)
			}

			dec := filepath.Join(dir, "decrypted.pdf")
			if out, ok := run(t, "qpdf", "--decrypt", "--password="+tt.qpdfPassword, in, dec); !ok {
				t.Fatalf("qpdf --decrypt: %s", out)
			}
			if out, ok := run(t, "qpdf", "--check", dec); !ok || !strings.Contains(out, "PDF Version: 2.0") {
				t.Errorf("qpdf --check on the decrypted envelope:\n%s", out)
			}
			if out, _ := run(t, "qpdf", "--show-npages", dec); strings.TrimSpace(out) != "1" {
				t.Errorf("the envelope has %s pages, want 1", strings.TrimSpace(out))
			}
			text, ok := run(t, "pdftotext", "-enc", "UTF-8", dec, "-")
			if !ok {
				t.Fatalf("pdftotext: %s", text)
			}
			for _, w := range append([]string{d.UserID, d.EnvelopeNumber, codes.PIN, codes.PUK, codes.ERC, "Maria Grazia D'Annunzio Šcepanovic" /* Š is in WinAnsi, ć becomes c */, "2026-12-06"}, tt.words...) {
				if !strings.Contains(text, w) {
					t.Errorf("pdftotext does not show %q:\n%s", w, text)
				}
			}
		})
	}
}

var encLine = regexp.MustCompile(`^(.*?)\s*[=:]\s*(.*)$`)

// parseEncryption reads qpdf --show-encryption's "key = value" and
// "key: value" lines.
func parseEncryption(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Supplied password is ") {
			m["Supplied password is"] = strings.TrimPrefix(line, "Supplied password is ")
			continue
		}
		if g := encLine.FindStringSubmatch(line); g != nil {
			m[g[1]] = strings.TrimSpace(g[2])
		}
	}
	return m
}

// TestBuildIsFresh: two envelopes of the same data differ in every
// random part (key, salts, IVs, ID), so equal inputs never give equal
// ciphertexts.
func TestBuildIsFresh(t *testing.T) {
	t.Parallel()
	codes, err := envelope.Generate(seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	a, err := envelope.Build(data("en", codes), "correct horse", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := envelope.Build(data("en", codes), "correct horse", nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two builds gave the same bytes")
	}
	// With the same seeded reader the whole file is reproducible, which
	// shows every random byte comes from rnd.
	c1, _ := envelope.Build(data("en", codes), "correct horse", seeded(7))
	c2, _ := envelope.Build(data("en", codes), "correct horse", seeded(7))
	if !bytes.Equal(c1, c2) {
		t.Fatal("the same seeded reader gave different envelopes")
	}
}

func TestBuildRefuses(t *testing.T) {
	t.Parallel()
	codes, err := envelope.Generate(seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		mutate     func(*envelope.Data)
		passphrase string
		want       msg.ID
	}{
		{"language", func(d *envelope.Data) { d.Lang = "de" }, "correct horse", msg.EnvelopeLangUnknown},
		{"no user ID", func(d *envelope.Data) { d.UserID = "" }, "correct horse", msg.EnvelopeField},
		{"user ID with a space", func(d *envelope.Data) { d.UserID = "QU7 KX" }, "correct horse", msg.EnvelopeField},
		{"long envelope number", func(d *envelope.Data) { d.EnvelopeNumber = strings.Repeat("9", 41) }, "correct horse", msg.EnvelopeField},
		{"short PIN", func(d *envelope.Data) { d.Codes.PIN = "1234567" }, "correct horse", msg.EnvelopeField},
		{"PUK with a letter", func(d *envelope.Data) { d.Codes.PUK = "12345678a0" }, "correct horse", msg.EnvelopeField},
		{"long ERC", func(d *envelope.Data) { d.Codes.ERC += "1" }, "correct horse", msg.EnvelopeField},
		{"control in the name", func(d *envelope.Data) { d.Surname = "Rossi\n" }, "correct horse", msg.EnvelopeField},
		{"long name", func(d *envelope.Data) { d.GivenName = strings.Repeat("a", 81) }, "correct horse", msg.EnvelopeField},
		{"no issue time", func(d *envelope.Data) { d.IssuedAt = time.Time{} }, "correct horse", msg.EnvelopeField},
		{"short passphrase", func(*envelope.Data) {}, "abc12", msg.PassphraseShort},
		{"common passphrase", func(*envelope.Data) {}, "Password1", msg.PassphraseCommon},
		{"control in the passphrase", func(*envelope.Data) {}, "correct\x00horse", msg.PassphraseCharacters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := data("it", codes)
			tt.mutate(&d)
			_, err := envelope.Build(d, tt.passphrase, nil)
			if id, _, _ := errs.MessageOf(err); id != tt.want || !errs.Is(err, errs.InvalidRequest) {
				t.Fatalf("Build: %v (%s), want %s", err, id, tt.want)
			}
		})
	}
}

// failingReader runs dry after n bytes.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("entropy source failed")
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 0x42
	}
	f.n -= k
	return k, nil
}

func TestRandomFailureIsInternal(t *testing.T) {
	t.Parallel()
	codes, err := envelope.Generate(seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, 40, 100} {
		if _, err := envelope.Build(data("en", codes), "correct horse", &failingReader{n: n}); !errs.Is(err, errs.Internal) || err == nil {
			t.Errorf("Build with %d random bytes: %v, want an internal error", n, err)
		}
	}
	if _, err := envelope.Generate(&failingReader{n: 5}); err == nil || !errs.Is(err, errs.Internal) {
		t.Errorf("Generate with a failing reader: %v", err)
	}
}

// TestGenerateDistribution draws 10,000 envelopes: every PIN passes the
// SAM's PIN policy, every code has its length, and the digits are uniform
// (a chi-square test over the 300,000 digits, 9 degrees of freedom; 40
// is exceeded by chance with probability below 1e-5), overall and in
// every position.
func TestGenerateDistribution(t *testing.T) {
	t.Parallel()
	const draws = 10000
	var all [10]int
	pos := map[string][][10]int{"PIN": make([][10]int, 8), "PUK": make([][10]int, 10), "ERC": make([][10]int, 12)}
	rnd := seeded(4)
	pins := map[string]bool{}
	for range draws {
		c, err := envelope.Generate(rnd)
		if err != nil {
			t.Fatal(err)
		}
		if err := sam.CheckPIN(c.PIN); err != nil {
			t.Fatalf("PIN %s fails the policy: %v", c.PIN, err)
		}
		pins[c.PIN] = true
		for name, code := range map[string]string{"PIN": c.PIN, "PUK": c.PUK, "ERC": c.ERC} {
			if len(code) != len(pos[name]) {
				t.Fatalf("%s has %d digits, want %d", name, len(code), len(pos[name]))
			}
			for i, ch := range code {
				all[ch-'0']++
				pos[name][i][ch-'0']++
			}
		}
	}
	if chi := chiSquare(all[:]); chi > 40 {
		t.Errorf("digits are not uniform: chi-square %.1f over %v", chi, all)
	}
	for name, p := range pos {
		for i, counts := range p {
			for d, n := range counts {
				if n == 0 {
					t.Errorf("%s position %d never drew %d", name, i, d)
				}
			}
			// 10,000 per position: a looser bound per position, since
			// there are 30 of them.
			if chi := chiSquare(counts[:]); chi > 45 {
				t.Errorf("%s position %d is not uniform: chi-square %.1f over %v", name, i, chi, counts)
			}
		}
	}
	if len(pins) < draws-5 {
		t.Errorf("only %d distinct PINs in %d draws", len(pins), draws)
	}
}

func chiSquare(counts []int) float64 {
	total := 0
	for _, n := range counts {
		total += n
	}
	exp := float64(total) / float64(len(counts))
	chi := 0.0
	for _, n := range counts {
		chi += math.Pow(float64(n)-exp, 2) / exp
	}
	return chi
}

// byteReader serves fixed bytes, then zeros.
type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	n := copy(p, r.b)
	r.b = r.b[n:]
	clear(p[n:])
	return len(p), nil
}

func TestGenerateSamplesAndRedraws(t *testing.T) {
	t.Parallel()
	t.Run("deterministic", func(t *testing.T) {
		a, _ := envelope.Generate(seeded(9))
		b, _ := envelope.Generate(seeded(9))
		c, _ := envelope.Generate(seeded(10))
		if a != b {
			t.Errorf("the same seed gave %v and %v", a.PIN, b.PIN)
		}
		if a == c {
			t.Error("two seeds gave the same codes")
		}
	})
	t.Run("bytes 250-255 are rejected", func(t *testing.T) {
		// 250..255 are skipped; 0, 13 -> 3, 249 -> 9 ...
		in := []byte{250, 255, 0, 13, 249, 251, 52, 65, 77, 88, 99}
		c, err := envelope.Generate(&byteReader{b: in})
		if err != nil {
			t.Fatal(err)
		}
		if c.PIN != "03925789" {
			t.Errorf("PIN %s, want 03925789 (bytes of 250 and above skipped, the rest mod 10)", c.PIN)
		}
	})
	t.Run("a PIN the policy refuses is redrawn", func(t *testing.T) {
		in := append(bytes.Repeat([]byte{1}, 8), []byte{21, 22, 23, 24, 25, 26, 27, 29}...) // 11111111, then 12345679
		c, err := envelope.Generate(&byteReader{b: in})
		if err != nil {
			t.Fatal(err)
		}
		if c.PIN != "12345679" {
			t.Errorf("PIN %s, want the second draw 12345679", c.PIN)
		}
	})
	t.Run("a broken source ends", func(t *testing.T) {
		if _, err := envelope.Generate(&byteReader{}); !errs.Is(err, errs.Internal) || err == nil {
			t.Errorf("all-zero source: %v, want an internal error", err)
		}
	})
}

// TestCodesStayOutOfLogs: fmt, slog (text and JSON) and encoding/json
// never print the plaintext codes by mistake.
func TestCodesStayOutOfLogs(t *testing.T) {
	t.Parallel()
	c, err := envelope.Generate(seeded(11))
	if err != nil {
		t.Fatal(err)
	}
	d := data("it", c)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%v %+v %#v %s %v", c, c, c, c, d)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "codes", c, "data", d)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "codes", c)
	for _, s := range []string{c.PIN, c.PUK, c.ERC} {
		if strings.Contains(buf.String(), s) {
			t.Errorf("%q leaked into: %s", s, buf.String())
		}
	}
	if b, err := json.Marshal(c); err == nil {
		t.Errorf("json.Marshal of the codes gave %s", b)
	}
}

func TestCheckPassphrase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    string
		min  int
		want msg.ID // empty: accepted
	}{
		{"gatto-lungo", 0, ""},
		{"abc12x", 6, ""},
		{"abc12", 6, msg.PassphraseShort},
		{"abc12", 3, msg.PassphraseShort}, // never below 6
		{"abcd12xy", 10, msg.PassphraseShort},
		{"perché sì", 0, ""},
		{"città€€", 6, ""},
		{"ééééééé", 6, msg.PassphraseOneChar},
		{"        ", 6, msg.PassphraseOneChar},
		{"aaaaaaaaaa", 6, msg.PassphraseOneChar},
		{"password", 6, msg.PassphraseCommon},
		{"PassWord1", 6, msg.PassphraseCommon},
		{"qwertyuiop", 6, msg.PassphraseCommon},
		{"juventus", 6, msg.PassphraseCommon},
		{"123456789", 6, msg.PassphraseCommon},
		{"abcdefgh", 6, msg.PassphraseCommon},
		{"987654", 6, msg.PassphraseCommon},
		{"ab\x01cdefg", 6, msg.PassphraseCharacters},
		{"abc\ue000defg", 6, msg.PassphraseCharacters},
		{"\xff\xfeabcdef", 6, msg.PassphraseCharacters},
		{"abc\u05d0defg", 6, msg.PassphraseCharacters}, // Hebrew mixed with Latin: the bidi rule
		{strings.Repeat("ab", 64), 6, ""},
		{strings.Repeat("ab", 64) + "c", 6, msg.PassphraseLong},
		{strings.Repeat("x", 10000), 6, msg.PassphraseLong},
		// Soft hyphens are mapped to nothing before counting.
		{"abc\u00ad\u00ad\u00addef", 7, msg.PassphraseShort},
	}
	for _, tt := range tests {
		t.Run(tt.p[:min(len(tt.p), 20)], func(t *testing.T) {
			err := envelope.CheckPassphrase(tt.p, tt.min)
			id, _, _ := errs.MessageOf(err)
			if id != tt.want {
				t.Fatalf("CheckPassphrase(%q, %d) = %v, want %q", tt.p, tt.min, err, tt.want)
			}
			if err != nil && !errs.Is(err, errs.InvalidRequest) {
				t.Fatalf("kind %v, want invalid_request", errs.KindOf(err))
			}
			if err != nil && msg.Text(msg.Italian, id) == string(id) {
				t.Fatalf("message %s is not in the catalogue", id)
			}
		})
	}
}

func FuzzBuild(f *testing.F) {
	f.Add("QU7KX2M9PA", "ENV-1", "it", "Mario", "Rossi", "20085864", "9963952446", "393896593369", "gatto-lungo", int64(1796000000))
	f.Add("", "", "en", "", "", "", "", "", "", int64(0))
	f.Add("a(b)\\c", "%%EOF", "en", "Ž\u202e", "\u05d0", "11111111", "1", "x", "ﬁnestra\u00a0aperta", int64(-1))
	f.Fuzz(func(t *testing.T, user, number, lang, given, surname, pin, puk, erc, pass string, unix int64) {
		d := envelope.Data{UserID: user, EnvelopeNumber: number, Lang: lang, GivenName: given, Surname: surname,
			Codes: envelope.Codes{PIN: pin, PUK: puk, ERC: erc}, IssuedAt: time.Unix(unix, 0)}
		out, err := envelope.Build(d, pass, seeded(uint64(unix)))
		if err != nil {
			if errs.Is(err, errs.Internal) {
				t.Fatalf("bad input gave an internal error: %v", err)
			}
			return
		}
		if !bytes.HasPrefix(out, []byte("%PDF-2.0")) || !bytes.HasSuffix(out, []byte("%%EOF\n")) {
			t.Fatalf("not a PDF: %q", out[:min(len(out), 20)])
		}
		for _, s := range []string{pin, puk, erc} {
			if bytes.Contains(out, []byte(s)) && len(s) >= 8 {
				// a code could appear in the ciphertext by chance only
				// with negligible probability
				t.Errorf("code %q in clear", s)
			}
		}
	})
}

// BenchmarkBuild: one envelope, laid out and encrypted (the four
// Algorithm 2.B hashes dominate).
func BenchmarkBuild(b *testing.B) {
	codes, err := envelope.Generate(nil)
	if err != nil {
		b.Fatal(err)
	}
	d := data("it", codes)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := envelope.Build(d, "gatto-lungo-sul-tetto", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}

// FuzzCheckPassphrase: any input gets an answer, never a panic, and an
// accepted passphrase always builds an envelope.
func FuzzCheckPassphrase(f *testing.F) {
	for _, s := range []string{"gatto-lungo", "ﬁnestra\u00a0aperta", "abc\u05d0", "\xff", strings.Repeat("é", 200)} {
		f.Add(s, 6)
	}
	f.Fuzz(func(t *testing.T, p string, min int) {
		err := envelope.CheckPassphrase(p, min)
		if err == nil {
			codes, gerr := envelope.Generate(seeded(1))
			if gerr != nil {
				t.Fatal(gerr)
			}
			if _, berr := envelope.Build(data("en", codes), p, seeded(2)); berr != nil {
				t.Fatalf("CheckPassphrase accepted %q, Build refused it: %v", p, berr)
			}
			return
		}
		if !errs.Is(err, errs.InvalidRequest) {
			t.Fatalf("CheckPassphrase(%q): %v, want invalid_request", p, err)
		}
	})
}
