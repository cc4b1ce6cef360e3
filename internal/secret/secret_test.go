package secret

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("12345678", Fast)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "12345678") || !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := Hash("12345678", Fast)
	if h == h2 {
		t.Fatal("two hashes of the same secret must differ (salt)")
	}
	tests := []struct {
		in   string
		want bool
	}{{"12345678", true}, {"12345679", false}, {"", false}, {"123456789", false}}
	for _, tt := range tests {
		ok, err := Verify(tt.in, h)
		if err != nil || ok != tt.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tt.in, ok, err, tt.want)
		}
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA", "$argon2id$v=19$m=1024,t=1,p=1$!!$AAAA", "$argon2id$v=19$m=1024,t=0,p=1$AAAA$AAAA"} {
		if ok, err := Verify("x", h); ok || err == nil {
			t.Errorf("Verify against %q = %v, %v; want error", h, ok, err)
		}
	}
}

func BenchmarkHashDefault(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Hash("Password1!", Default); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNewIDAndToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, err := NewID()
		if err != nil || len(id) != 16 || strings.ToLower(id) != id || seen[id] {
			t.Fatalf("NewID = %q %v", id, err)
		}
		seen[id] = true
		tok, err := NewToken()
		if err != nil || len(tok) != 43 || seen[tok] || strings.ContainsAny(tok, "+/=") {
			t.Fatalf("NewToken = %q %v", tok, err)
		}
		seen[tok] = true
	}
}

func TestRandomFrom(t *testing.T) {
	const alphabet = "ABC"
	counts := map[rune]int{}
	for range 200 {
		s, err := RandomFrom(alphabet, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 30 {
			t.Fatalf("len %d, want 30", len(s))
		}
		for _, c := range s {
			counts[c]++
		}
	}
	// 6000 draws over 3 letters: each near 2000; a bias from taking bytes
	// modulo 3 without rejection would still pass this, but a wrong
	// alphabet index or a stuck character would not.
	for _, c := range alphabet {
		if n := counts[c]; n < 1700 || n > 2300 {
			t.Errorf("%c drawn %d times of 6000", c, n)
		}
	}
	if len(counts) != len(alphabet) {
		t.Errorf("characters outside the alphabet: %v", counts)
	}
	for _, bad := range []string{"", strings.Repeat("x", 257)} {
		if _, err := RandomFrom(bad, 1); err == nil {
			t.Errorf("alphabet of %d characters accepted", len(bad))
		}
	}
}
