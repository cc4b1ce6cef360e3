package pdfgen

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Permission bits of the P entry (ISO 32000-2 Table 22), numbered from 1
// as the standard numbers them.
const (
	PermPrint         = 1 << (3 - 1)
	PermModify        = 1 << (4 - 1)
	PermCopy          = 1 << (5 - 1)
	PermAnnotate      = 1 << (6 - 1)
	PermFillForms     = 1 << (9 - 1)
	PermAccessibility = 1 << (10 - 1)
	PermAssemble      = 1 << (11 - 1)
	PermPrintHigh     = 1 << (12 - 1)
)

// reservedOnes are the bits 7-8 and 13-32 that revision 3 and later
// require to be 1; bits 1-2 must be 0.
const reservedOnes = 0xFFFFF0C0

// Encryption is the standard security handler of revision 6 for one file:
// its 256-bit file encryption key and its encryption dictionary. Destroy
// it when the file is written.
type Encryption struct {
	key  []byte
	dict Dict
	rnd  io.Reader
}

// maxPassword is where ISO 32000-2 §7.6.4.3.3 truncates a prepared
// password, in bytes of UTF-8.
const maxPassword = 127

// NewR6 draws a file encryption key and computes the encryption
// dictionary for the user and owner passwords (already prepared with
// PreparePassword) and the permissions perm (Perm* bits; the reserved bits
// are added here): Algorithms 8, 9 and 10 of ISO 32000-2, /V 5 /R 6 with
// the AESV3 crypt filter for strings and streams. rnd supplies the key, the
// salts and every IV.
func NewR6(user, owner []byte, perm uint32, rnd io.Reader) (*Encryption, error) {
	user, owner = truncate(user), truncate(owner)
	key := make([]byte, 32)
	var salts [32]byte // user validation, user key, owner validation, owner key
	var permsRand [4]byte
	for _, b := range [][]byte{key, salts[:], permsRand[:]} {
		if _, err := io.ReadFull(rnd, b); err != nil {
			return nil, fmt.Errorf("pdfgen: random for the encryption key: %w", err)
		}
	}
	// Algorithm 8: U and UE.
	u := append(hash2B(user, salts[0:8], nil), salts[0:16]...)
	ue, err := wrapKey(hash2B(user, salts[8:16], nil), key)
	if err != nil {
		return nil, err
	}
	// Algorithm 9: O and OE, both bound to U.
	o := append(hash2B(owner, salts[16:24], u), salts[16:32]...)
	oe, err := wrapKey(hash2B(owner, salts[24:32], u), key)
	if err != nil {
		return nil, err
	}
	// Algorithm 10: Perms, the permissions encrypted under the file key so
	// that a reader can tell P was not altered.
	p := perm | reservedOnes
	p &^= 3
	var perms [16]byte
	binary.LittleEndian.PutUint32(perms[0:4], p)
	copy(perms[4:8], []byte{0xff, 0xff, 0xff, 0xff})
	perms[8] = 'T' // EncryptMetadata true
	copy(perms[9:12], "adb")
	copy(perms[12:16], permsRand[:])
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	block.Encrypt(perms[:], perms[:]) // one block: ECB is CBC with no chaining
	filter := D(Name("Type"), Name("CryptFilter"), Name("CFM"), Name("AESV3"),
		Name("AuthEvent"), Name("DocOpen"), Name("Length"), 32)
	dict := D(
		Name("Filter"), Name("Standard"),
		Name("V"), 5,
		Name("R"), 6,
		Name("Length"), 256,
		Name("CF"), D(Name("StdCF"), filter),
		Name("StmF"), Name("StdCF"),
		Name("StrF"), Name("StdCF"),
		Name("O"), hexString(o),
		Name("U"), hexString(u),
		Name("OE"), hexString(oe),
		Name("UE"), hexString(ue),
		Name("P"), int32(p),
		Name("Perms"), hexString(perms[:]),
		Name("EncryptMetadata"), true,
	)
	return &Encryption{key: key, dict: dict, rnd: rnd}, nil
}

// Destroy zeroes the file encryption key (best effort: Go may have copied
// it while the garbage collector moved nothing of ours, and the AES key
// schedules are not ours to clear).
func (e *Encryption) Destroy() {
	clear(e.key)
}

func truncate(p []byte) []byte {
	if len(p) > maxPassword {
		return p[:maxPassword]
	}
	return p
}

// wrapKey encrypts the file key under an intermediate key with AES-256 in
// CBC mode, a zero IV and no padding (the key is two blocks long).
func wrapKey(kek, key []byte) ([]byte, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(key))
	cipher.NewCBCEncrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(out, key)
	clear(kek)
	return out, nil
}

// hash2B is Algorithm 2.B of ISO 32000-2 (§7.6.4.3.4): SHA-256 of the
// password, the salt and udata (the 48-byte U for the owner's hashes),
// then rounds that encrypt 64 copies of password || K || udata with
// AES-128-CBC (key and IV from K) and hash the result with SHA-256, -384
// or -512 as the first 16 bytes of the ciphertext, read as a number,
// leave modulo 3; at least 64 rounds, more until the last byte of the
// ciphertext is at most the round count minus 32.
func hash2B(password, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(password)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	hashes := [3]hash.Hash{sha256.New(), sha512.New384(), sha512.New()}
	var one, k1, e []byte
	for round := 1; ; round++ {
		one = append(append(append(one[:0], password...), k...), udata...)
		k1 = k1[:0]
		for range 64 {
			k1 = append(k1, one...)
		}
		block, err := aes.NewCipher(k[:16])
		if err != nil {
			panic(err) // a 16-byte key never fails
		}
		if cap(e) < len(k1) {
			e = make([]byte, len(k1))
		}
		e = e[:len(k1)]
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, c := range e[:16] {
			sum += int(c) // 256 ≡ 1 (mod 3): the number mod 3 is the byte sum mod 3
		}
		hh := hashes[sum%3]
		hh.Reset()
		hh.Write(e)
		clear(k)
		k = hh.Sum(k[:0])
		if round >= 64 && int(e[len(e)-1]) <= round-32 {
			break
		}
	}
	clear(one)
	clear(k1)
	clear(e)
	return k[:32]
}

// encrypt is ISO 32000-2 §7.6.3.2 for AESV3: a fresh random IV, then
// AES-256-CBC with PKCS #7 padding, the IV in front.
func (e *Encryption) encrypt(plain []byte) ([]byte, error) {
	if len(e.key) != 32 || allZero(e.key) {
		return nil, errors.New("pdfgen: the encryption was destroyed")
	}
	block, err := aes.NewCipher(e.key)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	out := make([]byte, aes.BlockSize+len(plain)+pad)
	if _, err := io.ReadFull(e.rnd, out[:aes.BlockSize]); err != nil {
		return nil, fmt.Errorf("pdfgen: random IV: %w", err)
	}
	body := out[aes.BlockSize:]
	copy(body, plain)
	for i := len(plain); i < len(body); i++ {
		body[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(body, body)
	return out, nil
}

func allZero(b []byte) bool {
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return acc == 0
}
