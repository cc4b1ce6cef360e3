package app_test

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/operator"
)

// smallDisk mounts a tmpfs of size bytes for the test (root only).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testutil.NeedTool(t, "root: mount a size-limited tmpfs")
	}
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount: %v %s", err, out)
		}
	})
	return dir
}

// fill writes a file until the filesystem refuses with ENOSPC, and returns
// a function that frees the space again.
func fill(t *testing.T, dir string) (free func()) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, chunk := range []int{1 << 20, 4 << 10, 1} {
		buf := make([]byte, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("fill: %v", err)
				}
				break
			}
		}
	}
	return func() {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDiskFullFailsClosedAndRecovers: with the data directory's disk full,
// signing, login and OTP sending answer 503 in CSC's error shape (none of
// them happens without its audit record) and nothing is signed;
// the audit chain keeps no torn record; once space returns the running
// service signs again without a restart, and the chain verifies.
func TestDiskFullFailsClosedAndRecovers(t *testing.T) {
	dir := smallDisk(t, "16m")
	s := testutil.StartServerIn(t, dir, testutil.WithAuditInFile())
	h := s.NewHolder(t, "ec-p256")
	const n = 64
	hashes := make([]string, n)
	for i := range hashes {
		d := make([]byte, crypto.SHA256.Size())
		_, _ = rand.Read(d)
		hashes[i] = base64.StdEncoding.EncodeToString(d)
	}
	tok := s.Login(t, "v2", h.ID, h.Password)
	sad := s.Authorize(t, tok, h, n, hashes...)
	sign := func(tok, sad, hash string) (int, map[string]any) {
		return s.Post(t, "/csc/v2/signatures/signHash", tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad,
			"hashes": []string{hash}, "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.10045.4.3.2"})
	}
	if st, body := sign(tok, sad, hashes[0]); st != http.StatusOK {
		t.Fatalf("sign before the disk fills: %d %v", st, body)
	}

	// A full filesystem still takes a few records into the last page of a
	// file; signing goes on until a write needs a new page, then stops.
	free := fill(t, dir)
	signed, refused := 1, 0
	for _, hash := range hashes[1:] {
		st, body := sign(tok, sad, hash)
		if st == http.StatusOK {
			signed++
			continue
		}
		if st != http.StatusServiceUnavailable || body["error"] == nil || body["error_description"] == nil {
			t.Fatalf("sign on a full disk: %d %v, want 503 with error and error_description", st, body)
		}
		refused++
		break
	}
	if refused == 0 {
		t.Fatalf("%d signatures on a full disk and none refused", signed)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/csc/v2/auth/login", nil)
	req.SetBasicAuth(h.ID, h.Password)
	if st, body := testutil.Do(t, req); st != http.StatusServiceUnavailable {
		t.Errorf("login on a full disk: %d %v, want 503", st, body)
	}
	if st, body := s.Post(t, "/csc/v2/credentials/getChallenge", tok, map[string]any{"credentialID": h.CredentialID, "authObjectID": "OTP"}); st != http.StatusServiceUnavailable {
		t.Errorf("an OTP on a full disk: %d %v, want 503 (no code leaves without its audit record)", st, body)
	}
	// An operator's action is refused too.
	_, err := s.App.Operator.CreateHolder(t.Context(), operator.HolderRequest{UserID: "fulldisk1", Password: "Secret-Pass1!", PIN: "246813",
		Phone: "+393330099999", Email: "fulldisk1@example.org", Key: "ec-p256", GivenName: "Ada", Surname: "Rossi", Country: "IT",
		SemanticsID: "TINIT-RSSDAA80A41H501Y"})
	if !errs.Is(err, errs.Unavailable) {
		t.Errorf("holder create on a full disk: %v, want Unavailable", err)
	}
	// The account may fit into the files' last pages; the key and its
	// certificate never come into being unrecorded.
	if creds, err := s.App.Store.CredentialsOf(t.Context(), "fulldisk1"); err != nil || len(creds) != 0 {
		t.Errorf("a credential was created on a full disk: %d %v", len(creds), err)
	}
	t.Logf("full disk: %d signatures fitted in the files' last pages, then 503", signed-1)

	free()
	tok = s.Login(t, "v2", h.ID, h.Password)
	sad = s.Authorize(t, tok, h, 1, hashes[n-1])
	if st, body := sign(tok, sad, hashes[n-1]); st != http.StatusOK {
		t.Fatalf("sign once space returned: %d %v", st, body)
	}
	rep, err := s.App.Operator.VerifyAudit(t.Context())
	if err != nil || rep.Problem != "" {
		t.Fatalf("audit chain after the full disk: %+v %v", rep, err)
	}
}
