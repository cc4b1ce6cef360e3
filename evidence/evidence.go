// Package evidence keeps identity-proofing evidence at rest (chip files,
// verification reports, document photos, selfie videos): each file is
// content-addressed by the SHA-256 of its plaintext and encrypted with age
// to an X25519 recipient whose identity is itself kept sealed by the HSM
// (ETSI TS 119 461 ISS-8.5.2-05/06: tamper-evident, confidential storage).
// Open decrypts and re-hashes, so a file changed at rest is refused rather
// than shown.
//
// The files live in one of two places: under DIR/evidence/ of the node
// (New: the embedded default, one node), or in the shared store
// (NewInStore: storage.EvidenceBlobs, so that every node of a deployment
// reads what any of them received). Either way what leaves the process is
// ciphertext, and the identity is kept sealed.
package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// MaxSize bounds one evidence file (the largest is a selfie video of at
// most 25 MB): Put refuses more, Open refuses to decrypt more. Its
// ciphertext fits storage.MaxEvidenceBlob (see maxCiphertext).
const MaxSize = 32 << 20

// maxCiphertext bounds what Open reads: MaxSize plus age's overhead (a
// header and 16 bytes a 64 KiB chunk, about 8 KiB at MaxSize).
const maxCiphertext = MaxSize + (1 << 20)

// The store must be able to keep the largest file's ciphertext.
var _ [storage.MaxEvidenceBlob - maxCiphertext]struct{}

// identityFile holds the sealed X25519 identity; sealAD binds the sealed
// blob to its purpose so that no other sealed secret can stand in for it.
const (
	identityFile = "identity.sealed"
	sealAD       = "qes/evidence/x25519-identity"
)

// Store keeps evidence files in a directory or in the shared store.
type Store struct {
	dir    string                // file layout: DIR/evidence ("" in the store)
	blobs  storage.EvidenceBlobs // store placement (nil for files)
	sealer hsm.Sealer
	now    func() time.Time

	mu sync.Mutex
	id *age.X25519Identity
}

// New keeps evidence under dataDir/evidence, encrypted to an identity
// sealed by sealer (created on first use). now may be nil.
func New(dataDir string, sealer hsm.Sealer, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{dir: filepath.Join(dataDir, "evidence"), sealer: sealer, now: now}
}

// NewInStore keeps evidence in the shared store, encrypted to an identity
// sealed by sealer and kept in the store too (created by whichever node
// needs it first; the others take that one). Every node must open the
// identity with the same sealing key: the nodes of a deployment share the
// HSM token. now may be nil.
func NewInStore(blobs storage.EvidenceBlobs, sealer hsm.Sealer, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{blobs: blobs, sealer: sealer, now: now}
}

// InStore says whether the files are in the shared store.
func (s *Store) InStore() bool { return s.blobs != nil }

// Dir is the evidence directory; "" when the files are in the store.
func (s *Store) Dir() string { return s.dir }

// identity returns the X25519 identity, unsealing it or, the first time,
// generating and sealing it.
func (s *Store) identity(ctx context.Context) (*age.X25519Identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id != nil {
		return s.id, nil
	}
	sealed, err := s.loadIdentity(ctx)
	if err != nil {
		return nil, err
	}
	if sealed == nil {
		if sealed, err = s.createIdentity(ctx); err != nil {
			return nil, err
		}
	}
	plain, err := s.sealer.Open(sealed, []byte(sealAD))
	if err != nil {
		return nil, errs.Internalf(err, "unseal the evidence identity")
	}
	id, err := age.ParseX25519Identity(string(plain))
	if err != nil {
		return nil, errs.Internalf(err, "parse the evidence identity")
	}
	s.id = id
	return id, nil
}

// loadIdentity returns the sealed identity, or nil when there is none yet.
func (s *Store) loadIdentity(ctx context.Context) ([]byte, error) {
	if s.blobs != nil {
		sealed, err := s.blobs.EvidenceIdentity(ctx)
		if errs.Is(err, errs.NotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read the evidence identity: %w", err)
		}
		return sealed, nil
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, errs.Internalf(err, "create evidence directory")
	}
	sealed, err := os.ReadFile(filepath.Join(s.dir, identityFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Internalf(err, "read the evidence identity")
	}
	return sealed, nil
}

// createIdentity generates and seals a new identity and keeps it, written
// once and never replaced (losing it loses every file). It returns the
// sealed identity kept: in the store, another node's if it won the race.
func (s *Store) createIdentity(ctx context.Context) ([]byte, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, errs.Internalf(err, "generate the evidence identity")
	}
	sealed, err := s.sealer.Seal([]byte(id.String()), []byte(sealAD))
	if err != nil {
		return nil, errs.Internalf(err, "seal the evidence identity")
	}
	if s.blobs != nil {
		kept, err := s.blobs.CreateEvidenceIdentity(ctx, sealed)
		if err != nil {
			return nil, fmt.Errorf("keep the evidence identity: %w", err)
		}
		return kept, nil
	}
	if err := writeDurably(s.dir, identityFile, func(w io.Writer) error { _, err := w.Write(sealed); return err }, false); err != nil {
		return nil, err
	}
	return sealed, nil
}

// Recipient is the age recipient evidence is encrypted to (for an
// operator's export tools).
func (s *Store) Recipient(ctx context.Context) (string, error) {
	id, err := s.identity(ctx)
	if err != nil {
		return "", err
	}
	return id.Recipient().String(), nil
}

func (s *Store) path(sum string) string {
	return filepath.Join(s.dir, sum[:2], sum+".age")
}

// Put stores data (encrypted; fsync'd, file and directory, or committed to
// the store) and returns its reference. The same bytes stored twice are
// one file.
func (s *Store) Put(ctx context.Context, data []byte, mediaType string) (storage.EvidenceRef, error) {
	if err := ctx.Err(); err != nil {
		return storage.EvidenceRef{}, err
	}
	if len(data) > MaxSize {
		return storage.EvidenceRef{}, errs.M(errs.InvalidRequest, msg.EvidenceTooLarge, MaxSize>>20)
	}
	id, err := s.identity(ctx)
	if err != nil {
		return storage.EvidenceRef{}, err
	}
	digest := sha256.Sum256(data)
	sum := hex.EncodeToString(digest[:])
	ref := storage.EvidenceRef{SHA256: sum, MediaType: mediaType, Size: int64(len(data)), At: s.now().UTC()}
	if s.blobs != nil {
		return ref, s.putInStore(ctx, id, sum, data)
	}
	if _, err := os.Stat(s.path(sum)); err == nil {
		return ref, nil
	}
	sub := filepath.Join(s.dir, sum[:2])
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return storage.EvidenceRef{}, errs.Internalf(err, "create evidence directory")
	}
	err = writeDurably(sub, sum+".age", func(w io.Writer) error { return encrypt(w, id, data) }, true)
	if err != nil {
		return storage.EvidenceRef{}, err
	}
	// The new subdirectory's entry in the evidence directory must be
	// durable too.
	if err := syncDir(s.dir); err != nil {
		return storage.EvidenceRef{}, err
	}
	return ref, nil
}

// putInStore encrypts data in memory and keeps the ciphertext; a file
// already there (another node stored the same bytes) is not encrypted
// again.
func (s *Store) putInStore(ctx context.Context, id *age.X25519Identity, sum string, data []byte) error {
	found, err := s.blobs.EvidenceBlobExists(ctx, sum)
	if err != nil {
		return fmt.Errorf("look for evidence %s: %w", sum, err)
	}
	if found {
		return nil
	}
	var buf bytes.Buffer
	buf.Grow(len(data) + len(data)/4096 + 512)
	if err := encrypt(&buf, id, data); err != nil {
		return errs.Internalf(err, "encrypt evidence %s", sum)
	}
	if _, err := s.blobs.PutEvidenceBlob(ctx, sum, buf.Bytes()); err != nil {
		return fmt.Errorf("store evidence %s: %w", sum, err)
	}
	return nil
}

func encrypt(w io.Writer, id *age.X25519Identity, data []byte) error {
	enc, err := age.Encrypt(w, id.Recipient())
	if err != nil {
		return err
	}
	if _, err := enc.Write(data); err != nil {
		return err
	}
	return enc.Close()
}

// Open returns the plaintext of the file whose SHA-256 is sha256hex; a
// file that does not decrypt or whose plaintext no longer has that hash
// is refused.
func (s *Store) Open(ctx context.Context, sha256hex string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(sha256hex) != 64 || !isLowerHex(sha256hex) {
		return nil, errs.M(errs.NotFound, msg.EvidenceNotFound)
	}
	id, err := s.identity(ctx)
	if err != nil {
		return nil, err
	}
	var src io.Reader
	if s.blobs != nil {
		blob, err := s.blobs.EvidenceBlob(ctx, sha256hex)
		if errs.Is(err, errs.NotFound) {
			return nil, errs.M(errs.NotFound, msg.EvidenceNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("read evidence %s: %w", sha256hex, err)
		}
		src = bytes.NewReader(blob)
	} else {
		f, err := os.Open(s.path(sha256hex))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errs.M(errs.NotFound, msg.EvidenceNotFound)
		}
		if err != nil {
			return nil, errs.Internalf(err, "open evidence %s", sha256hex)
		}
		defer f.Close()
		src = f
	}
	r, err := age.Decrypt(io.LimitReader(src, maxCiphertext), id)
	if err != nil {
		return nil, errs.Internalf(err, "decrypt evidence %s", sha256hex)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, errs.Internalf(err, "decrypt evidence %s", sha256hex)
	}
	if n > MaxSize {
		return nil, errs.Ef(errs.Internal, "evidence %s is larger than %d bytes", sha256hex, MaxSize)
	}
	got := sha256.Sum256(buf.Bytes())
	if hex.EncodeToString(got[:]) != sha256hex {
		return nil, errs.Ef(errs.Internal, "evidence %s does not match its hash", sha256hex)
	}
	return buf.Bytes(), nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// writeDurably writes name in dir through a temporary file: written,
// fsync'd, renamed (or, with replace false, linked so that an existing
// file is kept), and the directory fsync'd.
func writeDurably(dir, name string, write func(io.Writer) error, replace bool) (err error) {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return errs.Internalf(err, "create evidence file")
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		_ = tmp.Close()
		return errs.Internalf(err, "write evidence file")
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return errs.Internalf(err, "sync evidence file")
	}
	if err := tmp.Close(); err != nil {
		return errs.Internalf(err, "close evidence file")
	}
	target := filepath.Join(dir, name)
	if replace {
		if err := os.Rename(tmp.Name(), target); err != nil {
			return errs.Internalf(err, "store evidence file")
		}
	} else {
		if err := os.Link(tmp.Name(), target); err != nil {
			return errs.Internalf(err, "store evidence file")
		}
		_ = os.Remove(tmp.Name())
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return errs.Internalf(err, "open directory %s", dir)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// Delete removes the file whose SHA-256 is sha256hex (retention ended);
// a file already gone is not an error. The caller decides that no record
// still retained refers to it: files are shared by content.
func (s *Store) Delete(ctx context.Context, sha256hex string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(sha256hex) != 64 || !isLowerHex(sha256hex) {
		return errs.M(errs.NotFound, msg.EvidenceNotFound)
	}
	if s.blobs != nil {
		if err := s.blobs.DeleteEvidenceBlob(ctx, sha256hex); err != nil {
			return fmt.Errorf("delete evidence %s: %w", sha256hex, err)
		}
		return nil
	}
	err := os.Remove(s.path(sha256hex))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return errs.Internalf(err, "delete evidence %s", sha256hex)
	}
	return syncDir(filepath.Join(s.dir, sha256hex[:2]))
}

// Exists reports whether the file whose SHA-256 is sha256hex is stored; a
// name that is not a SHA-256 is not. The error is the store's (it cannot
// be read): a caller deciding what to delete must not take it for "gone".
func (s *Store) Exists(ctx context.Context, sha256hex string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if len(sha256hex) != 64 || !isLowerHex(sha256hex) {
		return false, nil
	}
	if s.blobs != nil {
		found, err := s.blobs.EvidenceBlobExists(ctx, sha256hex)
		if err != nil {
			return false, fmt.Errorf("look for evidence %s: %w", sha256hex, err)
		}
		return found, nil
	}
	_, err := os.Stat(s.path(sha256hex))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, errs.Internalf(err, "look for evidence %s", sha256hex)
}

// Path is where the encrypted file whose SHA-256 is sha256hex lives (for
// tools and tests that inspect the ciphertext); "" when the files are in
// the store, where storage.EvidenceBlobs reads it.
func (s *Store) Path(sha256hex string) string {
	if s.blobs != nil || len(sha256hex) < 2 {
		return ""
	}
	return s.path(sha256hex)
}
