package pdfgen

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil/validator"
)

func TestNum(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0: "0", 12: "12", 12.5: "12.5", 595.28: "595.28", 0.004: "0", -0.001: "0", -3.1: "-3.1", 841.889: "841.89", 100.10: "100.1"} {
		if got := Num(in); got != want {
			t.Errorf("Num(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestLiteral(t *testing.T) {
	t.Parallel()
	if got, want := Literal([]byte("a(b)\\c\n\xe8")), `(a\(b\)\\c\012\350)`; got != want {
		t.Errorf("Literal = %s, want %s", got, want)
	}
}

func TestWinAnsi(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"perché è così":    "perch\xe9 \xe8 cos\xec",
		"€ – “x” •":        "\x80 \x96 \x93x\x94 \x95",
		"Ščepanović":       "\x8acepanovic",
		"Łódź":             "?\xf3dz",
		"日本":               "??",
		"tab\tcontrol\x01": "tab?control?",
	}
	for in, want := range tests {
		if got := string(WinAnsi(in)); got != want {
			t.Errorf("WinAnsi(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	text := "Il Titolare si obbliga a custodire con la massima diligenza la password, il PIN, il PUK e l'ERC " +
		strings.Repeat("supercalifragilistichespiralidoso", 8) + " fine."
	for _, font := range []Font{Regular, Bold, Mono} {
		lines := Wrap(font, 10, 200, text)
		if len(lines) < 3 {
			t.Fatalf("%d lines", len(lines))
		}
		for _, l := range lines {
			if w := Width(font, 10, l); w > 200 {
				t.Errorf("font %d: line %q is %.1f points, wider than 200", font, l, w)
			}
		}
		if got := strings.ReplaceAll(strings.Join(lines, ""), " ", ""); got != strings.ReplaceAll(text, " ", "") {
			t.Errorf("font %d: wrapping lost text", font)
		}
	}
	if Wrap(Regular, 10, 100, "  ") != nil {
		t.Error("blank text gave lines")
	}
}

func TestFit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Wolfeschlegelsteinhausen ", 6)
	tests := []struct {
		text     string
		size     float64
		keep     bool
		wantSize float64
	}{
		{"Mario Rossi", 12, true, 12},
		{strings.Repeat("Bergmann ", 6), 12, true, 0}, // smaller, whole
		{long, 12, false, 7},                          // 7 points and cut
	}
	for _, tt := range tests {
		size, text := Fit(Bold, tt.size, 300, tt.text)
		if w := Width(Bold, size, text); w > 300 {
			t.Errorf("Fit(%q) is %.1f points wide", tt.text, w)
		}
		if (text == tt.text) != tt.keep {
			t.Errorf("Fit(%q) = %q", tt.text, text)
		}
		if tt.wantSize != 0 && size != tt.wantSize {
			t.Errorf("Fit(%q) size %v, want %v", tt.text, size, tt.wantSize)
		}
		if !tt.keep && !strings.HasSuffix(text, "…") {
			t.Errorf("a cut text has no ellipsis: %q", text)
		}
	}
}

func TestPreparePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "correct horse", want: "correct horse"},
		{in: "perché", want: "perché"},
		{in: "perche\u0301", want: "perché"},               // NFKC composes
		{in: "ﬁnestra", want: "finestra"},                  // compatibility ligature
		{in: "ＡＢＣ１２３", want: "ABC123"},                     // full width
		{in: "a\u00a0b\u3000c", want: "a b c"},             // non-ASCII spaces
		{in: "soft\u00adhy\u200dphen", want: "softhyphen"}, // mapped to nothing
		{in: "\u05d0\u05d1\u05d2", want: "\u05d0\u05d1\u05d2"},
		{in: "\u05d0\u05d1 1 \u05d2", want: "\u05d0\u05d1 1 \u05d2"},
		{in: "abc\u05d0", bad: true},     // RandAL with L
		{in: "\u05d01", bad: true},       // RandAL not last
		{in: "ab\x07c", bad: true},       // ASCII control
		{in: "ab\u0085c", bad: true},     // C1 control
		{in: "ab\ue000c", bad: true},     // private use
		{in: "ab\ufdd0c", bad: true},     // non-character
		{in: "ab\u202ec", bad: true},     // display-changing
		{in: "ab\U000e0041c", bad: true}, // tagging
		{in: "ab\U0010fffdc", bad: true}, // plane 16 private use
		{in: "ab\xffc", bad: true},       // not UTF-8
		{in: "ab\U000e0fffc", bad: true}, // unassigned
	}
	for _, tt := range tests {
		got, err := PreparePassword(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("PreparePassword(%q) = %q, want refused", tt.in, got)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("PreparePassword(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestR6Dictionary checks the encryption dictionary against the
// algorithms that read it (ISO 32000-2 Algorithms 11, 12 and 13): the user
// password validates against U, UE unwraps the file key under it, and
// Perms decrypts to the permissions with "adb". qpdf checks the same from
// outside in TestEncryptedFileOpensWithQpdf.
func TestR6Dictionary(t *testing.T) {
	t.Parallel()
	user, owner := []byte("gatto-lungo"), []byte("owner secret")
	enc, err := NewR6(user, owner, PermPrint, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	get := func(k Name) []byte {
		for i, key := range enc.dict.keys {
			if key == k {
				return enc.dict.vals[i].(hexString)
			}
		}
		t.Fatalf("no /%s", k)
		return nil
	}
	u, ue, o, oe, perms := get("U"), get("UE"), get("O"), get("OE"), get("Perms")
	for name, l := range map[string][2]int{"U": {len(u), 48}, "O": {len(o), 48}, "UE": {len(ue), 32}, "OE": {len(oe), 32}, "Perms": {len(perms), 16}} {
		if l[0] != l[1] {
			t.Errorf("/%s has %d bytes, want %d", name, l[0], l[1])
		}
	}
	if !bytes.Equal(hash2B(user, u[32:40], nil), u[:32]) {
		t.Error("the user password does not validate against /U")
	}
	if bytes.Equal(hash2B([]byte("gatto-lungO"), u[32:40], nil), u[:32]) {
		t.Error("a wrong password validates against /U")
	}
	if !bytes.Equal(hash2B(owner, o[32:40], u), o[:32]) {
		t.Error("the owner password does not validate against /O")
	}
	unwrap := func(kek, wrapped []byte) []byte {
		block, _ := aes.NewCipher(kek)
		out := make([]byte, 32)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(out, wrapped)
		return out
	}
	key := unwrap(hash2B(user, u[40:48], nil), ue)
	if !bytes.Equal(key, enc.key) {
		t.Error("/UE does not unwrap to the file key")
	}
	if !bytes.Equal(unwrap(hash2B(owner, o[40:48], u), oe), enc.key) {
		t.Error("/OE does not unwrap to the file key")
	}
	block, _ := aes.NewCipher(key)
	var p [16]byte
	block.Decrypt(p[:], perms)
	if string(p[9:12]) != "adb" || p[8] != 'T' || binary.LittleEndian.Uint32(p[:4]) != uint32(PermPrint|reservedOnes) {
		t.Errorf("/Perms decrypts to %x", p)
	}
	enc.Destroy()
	if _, err := enc.encrypt([]byte("x")); err == nil {
		t.Error("a destroyed encryption still encrypts")
	}
}

func testDoc() *Doc {
	d := NewDoc("it-IT", func(p, n int) string { return "pagina" })
	d.Text(Bold, 14, 0, "", "Titolo riservato")
	for range 80 {
		d.Text(Regular, 10, 12, "•", "Testo segreto che va su più pagine perché è lungo.")
	}
	d.Field("PIN", 120, Mono, 16, "73950214")
	return d
}

// TestEncryptedFileOpensWithQpdf: strings (the catalogue's /Lang) and
// streams are encrypted, qpdf opens the file with the user password, with
// the first 127 bytes of a longer one (the standard's truncation), and
// with the owner password, and the decrypted file is clean.
func TestEncryptedFileOpensWithQpdf(t *testing.T) {
	t.Parallel()
	qpdf := validator.Need(t, "qpdf")
	long := []byte(strings.Repeat("àbc", 60)) // 240 bytes, truncated inside a character
	for _, tt := range []struct {
		name   string
		user   []byte
		open   []string
		refuse []string
	}{
		{"short", []byte("gatto-lungo"), []string{"gatto-lungo", "owner-pw"}, []string{"gatto", ""}},
		{"long", long, []string{string(long[:127]), string(long), "owner-pw"}, []string{string(long[:126])}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := testDoc()
			enc, err := NewR6(tt.user, []byte("owner-pw"), PermPrint, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			var id [16]byte
			pdf, err := d.Bytes(&id, enc)
			if err != nil {
				t.Fatal(err)
			}
			for _, clear := range []string{"it-IT", "segreto", "73950214", "Titolo"} {
				if bytes.Contains(pdf, []byte(clear)) {
					t.Errorf("%q in clear", clear)
				}
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "in.pdf")
			os.WriteFile(in, pdf, 0o600)
			for _, pw := range tt.open {
				out := filepath.Join(dir, "out.pdf")
				if b, err := exec.Command(qpdf, "--qdf", "--object-streams=disable", "--decrypt", "--password="+pw, in, out).CombinedOutput(); err != nil {
					t.Fatalf("qpdf --decrypt with %q: %v\n%s", pw, err, b)
				}
				plain, _ := os.ReadFile(out)
				for _, want := range []string{"/Lang (it-IT)", "73950214", "Testo segreto"} {
					if !bytes.Contains(plain, []byte(want)) {
						t.Errorf("decrypted file lacks %q", want)
					}
				}
				if b, err := exec.Command(qpdf, "--check", out).CombinedOutput(); err != nil {
					t.Errorf("qpdf --check: %v\n%s", err, b)
				}
			}
			for _, pw := range tt.refuse {
				if b, err := exec.Command(qpdf, "--check", "--password="+pw, in).CombinedOutput(); err == nil || !strings.Contains(string(b), "invalid password") {
					t.Errorf("qpdf opened with %q: %s", pw, b)
				}
			}
		})
	}
}

// TestPlainIsDeterministic: without encryption the same content gives the
// same bytes, the /ID included; Clear wipes the pages.
func TestPlainIsDeterministic(t *testing.T) {
	t.Parallel()
	a, err := testDoc().Bytes(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := testDoc()
	if d.Pages() < 2 {
		t.Fatalf("%d pages, want a multi-page test document", d.Pages())
	}
	b, _ := d.Bytes(nil, nil)
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same document differ")
	}
	d.Clear()
	for _, p := range d.pages {
		if p.Len() != 0 {
			t.Fatal("Clear left content")
		}
	}
}
