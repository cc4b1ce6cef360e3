package ber

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil/validator"
)

func TestToDER(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     []byte
		want   []byte
		wasBER bool
	}{
		{"DER unchanged", []byte{0x30, 0x03, 0x02, 0x01, 0x05}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}, false},
		{"indefinite SEQUENCE", []byte{0x30, 0x80, 0x02, 0x01, 0x05, 0, 0}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}, true},
		{"nested indefinite", []byte{0x30, 0x80, 0xa0, 0x80, 0x05, 0x00, 0, 0, 0, 0}, []byte{0x30, 0x04, 0xa0, 0x02, 0x05, 0x00}, true},
		{"constructed OCTET STRING", []byte{0x24, 0x80, 0x04, 0x02, 'a', 'b', 0x04, 0x01, 'c', 0, 0}, []byte{0x04, 0x03, 'a', 'b', 'c'}, true},
		{"constructed in constructed", []byte{0x24, 0x09, 0x24, 0x80, 0x04, 0x01, 'a', 0, 0, 0x04, 0x00}, []byte{0x04, 0x01, 'a'}, true},
		{"empty constructed OCTET STRING", []byte{0x24, 0x80, 0, 0}, []byte{0x04, 0x00}, true},
		{"BIT STRING segments", []byte{0x23, 0x80, 0x03, 0x02, 0x00, 0xaa, 0x03, 0x02, 0x04, 0xb0, 0, 0}, []byte{0x03, 0x03, 0x04, 0xaa, 0xb0}, true},
		{"long form for a short length", []byte{0x04, 0x81, 0x01, 'x'}, []byte{0x04, 0x01, 'x'}, true},
		{"leading zero length octet", []byte{0x04, 0x82, 0x00, 0x01, 'x'}, []byte{0x04, 0x01, 'x'}, true},
		{"context tag keeps its form", []byte{0xa0, 0x80, 0x04, 0x00, 0, 0}, []byte{0xa0, 0x02, 0x04, 0x00}, true},
		{"high tag number", []byte{0xbf, 0x81, 0x00, 0x80, 0x05, 0x00, 0, 0}, []byte{0xbf, 0x81, 0x00, 0x02, 0x05, 0x00}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, wasBER, err := ToDER(tt.in, 1<<20)
			if err != nil || !bytes.Equal(got, tt.want) || wasBER != tt.wasBER {
				t.Fatalf("ToDER(% x) = % x, %v, %v; want % x, %v", tt.in, got, wasBER, err, tt.want, tt.wasBER)
			}
			if !wasBER && &got[0] != &tt.in[0] {
				t.Fatal("DER input was copied")
			}
		})
	}
	long := append([]byte{0x24, 0x80, 0x04, 0x81, 0xc8}, bytes.Repeat([]byte{'z'}, 200)...)
	long = append(long, 0, 0)
	got, _, err := ToDER(long, 1<<20)
	if err != nil || !bytes.Equal(got, append([]byte{0x04, 0x81, 0xc8}, bytes.Repeat([]byte{'z'}, 200)...)) {
		t.Fatalf("% x %v", got, err)
	}
}

func TestToDERRefuses(t *testing.T) {
	t.Parallel()
	deep := func(n int) []byte {
		var b []byte
		for range n {
			b = append(b, 0x30, 0x80)
		}
		for range n {
			b = append(b, 0, 0)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"empty", nil, 100, ErrMalformed},
		{"truncated", []byte{0x30, 0x05, 0x02}, 100, ErrMalformed},
		{"no end-of-contents", []byte{0x30, 0x80, 0x05, 0x00}, 100, ErrMalformed},
		{"trailing bytes", []byte{0x05, 0x00, 0x00}, 100, ErrMalformed},
		{"indefinite primitive", []byte{0x04, 0x80, 0, 0}, 100, ErrMalformed},
		{"bare end-of-contents", []byte{0x30, 0x02, 0x00, 0x00}, 100, ErrMalformed},
		{"segment of another type", []byte{0x24, 0x80, 0x0c, 0x01, 'a', 0, 0}, 100, ErrMalformed},
		{"BIT STRING segment with unused bits before the last", []byte{0x23, 0x80, 0x03, 0x02, 0x04, 0xa0, 0x03, 0x01, 0x00, 0, 0}, 100, ErrMalformed},
		{"five length octets", []byte{0x04, 0x85, 0, 0, 0, 0, 1, 'x'}, 100, ErrMalformed},
		{"length past the end", []byte{0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 'x'}, 100, ErrMalformed},
		{"too deep", deep(MaxDepth + 2), 1 << 20, ErrTooDeep},
		{"result too large", []byte{0x30, 0x80, 0x04, 0x03, 'a', 'b', 'c', 0, 0}, 4, ErrTooLarge},
		{"too many elements", append(append([]byte{0x30, 0x80}, bytes.Repeat([]byte{0x05, 0x00}, MaxElements)...), 0, 0), 8 << 20, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out, _, err := ToDER(tt.in, tt.max); !errors.Is(err, tt.want) || out != nil {
				t.Fatalf("ToDER(% x) = % x, %v; want %v", tt.in, out, err, tt.want)
			}
		})
	}
	if _, _, err := ToDER(deep(MaxDepth), 1<<20); err != nil {
		t.Fatalf("%d deep: %v", MaxDepth, err)
	}
}

// TestToDEROpenSSLStream: openssl cms -sign -stream writes BER
// (indefinite lengths, the content in a constructed OCTET STRING); the
// result is DER that encoding/asn1 reads, openssl still verifies, and
// that carries the same content.
func TestToDEROpenSSLStream(t *testing.T) {
	t.Parallel()
	openssl := validator.Need(t, "openssl")
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	file := func(name string) string { return filepath.Join(dir, name) }
	content := bytes.Repeat([]byte("contenuto in segmenti\n"), 1000)
	if err := os.WriteFile(file("content"), content, 0o600); err != nil {
		t.Fatal(err)
	}
	run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=Firmatario",
		"-days", "1", "-keyout", file("key.pem"), "-out", file("cert.pem"))
	run("cms", "-sign", "-stream", "-binary", "-outform", "DER", "-in", file("content"), "-signer", file("cert.pem"),
		"-inkey", file("key.pem"), "-out", file("ber.p7m"))
	in, err := os.ReadFile(file("ber.p7m"))
	if err != nil {
		t.Fatal(err)
	}
	if in[1] != 0x80 {
		t.Fatalf("openssl -stream wrote a definite length: % x", in[:4])
	}
	der, wasBER, err := ToDER(in, 2*len(in))
	if err != nil || !wasBER {
		t.Fatal(wasBER, err)
	}
	var ci struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 {
		t.Fatalf("encoding/asn1 on the result: %v", err)
	}
	if again, wasBER, err := ToDER(der, len(der)); err != nil || wasBER || !bytes.Equal(again, der) {
		t.Fatalf("the result is not a fixed point: %v %v", wasBER, err)
	}
	if err := os.WriteFile(file("der.p7m"), der, 0o600); err != nil {
		t.Fatal(err)
	}
	run("cms", "-verify", "-binary", "-inform", "DER", "-in", file("der.p7m"), "-CAfile", file("cert.pem"),
		"-purpose", "any", "-out", file("out"))
	if got, err := os.ReadFile(file("out")); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("content after conversion: %v", err)
	}
}

// FuzzToDER: no panic; a result is within the bound, and DER: converting
// it again changes nothing.
func FuzzToDER(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x24, 0x80, 0x04, 0x01, 'a', 0, 0, 0, 0})
	f.Add([]byte{0x23, 0x80, 0x03, 0x02, 0x00, 0xaa, 0x03, 0x02, 0x04, 0xb0, 0, 0})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x05})
	f.Fuzz(func(t *testing.T, in []byte) {
		max := 2*len(in) + 16
		out, _, err := ToDER(in, max)
		if err != nil {
			return
		}
		if len(out) > max {
			t.Fatalf("%d bytes over the bound %d", len(out), max)
		}
		again, wasBER, err := ToDER(out, max)
		if err != nil || wasBER || !bytes.Equal(again, out) {
			t.Fatalf("not a fixed point: % x -> % x (%v, %v)", in, out, wasBER, err)
		}
	})
}
