package csc_test

import (
	"crypto"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

const ecdsaSHA256 = sam.OIDECDSASHA256

// SCAL2: a SAD is bound to holder, credential, hash algorithm and the
// multiset of hashes; each hash signs once.
func TestSADBinding(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	a := newFlow(t, s, "ec-p256")
	b := newFlow(t, s, "ec-p256")
	tests := []struct {
		name string
		run  func(t *testing.T) (int, map[string]any)
		// want: 0 = success
		status    int
		code, msg string
	}{
		{"authorized hash signs", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 1)
			return a.signHash(a.authorize(1, h, ""), h, ecdsaSHA256, "", "")
		}, 0, "", ""},
		{"other hash refused", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 2)
			return a.signHash(a.authorize(1, h[:1], ""), h[1:], ecdsaSHA256, "", "")
		}, 400, "invalid_request", "Hash is not authorized by the SAD"},
		{"each hash signs once", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 2)
			sad := a.authorize(2, h, "")
			if st, body := a.signHash(sad, h[:1], ecdsaSHA256, "", ""); st != 200 {
				t.Fatalf("first use: %d %v", st, body)
			}
			return a.signHash(sad, h[:1], ecdsaSHA256, "", "")
		}, 400, "invalid_request", "Hash is not authorized by the SAD"},
		{"a hash authorized twice signs twice", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 1)
			sad := a.authorize(2, []string{h[0], h[0]}, "")
			if st, body := a.signHash(sad, h, ecdsaSHA256, "", ""); st != 200 {
				t.Fatalf("first use: %d %v", st, body)
			}
			return a.signHash(sad, h, ecdsaSHA256, "", "")
		}, 0, "", ""},
		{"used-up SAD refused", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 1)
			sad := a.authorize(1, h, "")
			a.signHash(sad, h, ecdsaSHA256, "", "")
			return a.signHash(sad, h, ecdsaSHA256, "", "")
		}, 400, "invalid_request", "Invalid parameter SAD"},
		{"hash algorithm is part of the binding", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 1)
			return a.signHash(a.authorize(1, h, sam.OIDSHA256), h, sam.OIDECDSASHA384, "", "")
		}, 400, "invalid_request", "Invalid digest value length"},
		{"another holder's SAD refused", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 1)
			sad := a.authorize(1, h, "")
			return b.signHash(sad, h, ecdsaSHA256, "", "")
		}, 400, "invalid_request", "Invalid parameter SAD"},
		{"another credential with the right holder's SAD refused", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 1)
			sad := a.authorize(1, h, "")
			return a.s.Post(t, "/csc/v2/signatures/signHash", a.tok, map[string]any{"credentialID": b.h.CredentialID, "SAD": sad, "hashes": h, "signAlgo": ecdsaSHA256})
		}, 400, "invalid_request", "Invalid parameter credentialID"},
		{"expired SAD refused", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 1)
			sad := a.authorize(1, h, "")
			s.Clock.Advance(5 * time.Minute)
			defer s.Clock.Advance(-5 * time.Minute)
			return a.signHash(sad, h, ecdsaSHA256, "", "")
		}, 400, "invalid_request", "SAD expired"},
		{"SAD valid just before expiry", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 1)
			sad := a.authorize(1, h, "")
			s.Clock.Advance(5*time.Minute - time.Second)
			defer s.Clock.Advance(-5*time.Minute + time.Second)
			return a.signHash(sad, h, ecdsaSHA256, "", "")
		}, 0, "", ""},
		{"more hashes than numSignatures refused at authorize", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 3)
			return a.authorizeWith(2, h, "", a.h.PIN, a.otp())
		}, 400, "invalid_request", ""},
		{"numSignatures above multisign refused", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 1)
			return a.authorizeWith(101, h, "", a.h.PIN, a.otp())
		}, 400, "invalid_request", "Numbers of signatures is too high"},
		{"SCAL2 needs the hashes at authorize", func(t *testing.T) (int, map[string]any) {
			return a.authorizeWith(1, nil, "", a.h.PIN, a.otp())
		}, 400, "invalid_request", "Missing (or invalid type) array parameter hash"},
		{"extendTransaction carries the rest over to new hashes", func(t *testing.T) (int, map[string]any) {
			h, _ := randomHashes(t, crypto.SHA256, 3)
			sad := a.authorize(3, h[:1], "")
			a.signHash(sad, h[:1], ecdsaSHA256, "", "")
			st, body := a.post("credentials/extendTransaction", map[string]any{"credentialID": a.h.CredentialID, "SAD": sad, "hashes": h[1:]})
			if st != 200 {
				t.Fatalf("extendTransaction: %d %v", st, body)
			}
			if st, _ := a.signHash(sad, h[1:2], ecdsaSHA256, "", ""); st != 400 {
				t.Fatal("the old SAD must end when extended")
			}
			return a.signHash(body["SAD"].(string), h[1:], ecdsaSHA256, "", "")
		}, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pa, pb := a, b
			a, b = pa.with(t), pb.with(t)
			defer func() { a, b = pa, pb }()
			st, body := tt.run(t)
			if tt.status == 0 {
				if st != http.StatusOK {
					t.Fatalf("want success, got %d %v", st, body)
				}
				return
			}
			wantError(t, st, body, tt.status, tt.code, tt.msg)
		})
	}
}

// A used SAD stays used across a restart: its use is committed before the
// HSM signs.
func TestSADUseSurvivesRestart(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	f := newFlow(t, s, "ec-p256")
	h, _ := randomHashes(t, crypto.SHA256, 2)
	sad := f.authorize(2, h, "")
	if st, body := f.signHash(sad, h[:1], ecdsaSHA256, "", ""); st != 200 {
		t.Fatalf("sign: %d %v", st, body)
	}
	s2 := s.Restart(t)
	f.s = s2
	tok := s2.Login(t, "v2", f.h.ID, f.h.Password)
	f.tok = tok
	st, body := f.signHash(sad, h[:1], ecdsaSHA256, "", "")
	wantError(t, st, body, 400, "invalid_request", "Hash is not authorized by the SAD")
	if st, body := f.signHash(sad, h[1:], ecdsaSHA256, "", ""); st != 200 {
		t.Fatalf("the SAD's other hash must still sign after the restart: %d %v", st, body)
	}
}

func TestPINBlocksAfterFiveAndPUKUnblocks(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	f := newFlow(t, s, "ec-p256")
	h, _ := randomHashes(t, crypto.SHA256, 1)
	for i := 0; i < 5; i++ {
		st, body := f.authorizeWith(1, h, "", "975318", f.otp())
		wantError(t, st, body, 400, "invalid_authentication_data", "The PIN is invalid")
	}
	st, body := f.authorizeWith(1, h, "", f.h.PIN, f.otp())
	wantError(t, st, body, 400, "invalid_request", "Credential locked")
	// credentials/info shows no usable credential; list with onlyValid omits it.
	st, body = f.post("credentials/list", map[string]any{"onlyValid": true})
	if st != 200 || len(body["credentialIDs"].([]any)) != 0 {
		t.Fatalf("onlyValid list with a blocked PIN: %d %v", st, body)
	}

	qesctl := testutil.Binary(t, "qesctl")
	run := func(args ...string) (string, error) {
		out, err := execOutput(qesctl, append([]string{"holder", "unblock", "--data", s.DataDir, "--user", f.h.ID, "--credential", f.h.CredentialID}, args...)...)
		return out, err
	}
	if out, err := run("--puk", "0000000000", "--new-pin", "135792"); err == nil {
		t.Fatalf("a wrong PUK must fail: %s", out)
	}
	if out, err := run("--puk", f.h.PUK, "--new-pin", "135792"); err != nil {
		t.Fatalf("qesctl holder unblock: %v %s", err, out)
	}
	if st, body := f.authorizeWith(1, h, "", "135792", f.otp()); st != 200 {
		t.Fatalf("authorize with the new PIN: %d %v", st, body)
	}
}

func TestPUKBlocksAfterTen(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	f := newFlow(t, s, "ec-p256")
	for i := 0; i < 10; i++ {
		if err := s.App.Credentials.Unblock(t.Context(), f.h.ID, f.h.CredentialID, "1111111111", "135792"); err == nil {
			t.Fatal("wrong PUK accepted")
		}
	}
	if err := s.App.Credentials.Unblock(t.Context(), f.h.ID, f.h.CredentialID, f.h.PUK, "135792"); err == nil {
		t.Fatal("the right PUK must be refused after 10 wrong ones")
	}
}

func TestOTPRules(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	f := newFlow(t, s, "ec-p256")
	g := newFlow(t, s, "ec-p256")
	h, _ := randomHashes(t, crypto.SHA256, 1)

	f0, g0 := f, g
	sub := func(name string, fn func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			f, g = f0.with(t), g0.with(t)
			fn(t)
		})
	}
	sub("both factors required", func(t *testing.T) {
		st, body := f.authorizeWith(1, h, "", f.h.PIN, "")
		wantError(t, st, body, 400, "invalid_request", "Missing (or invalid type) string parameter OTP")
		st, body = f.authorizeWith(1, h, "", "", f.otp())
		wantError(t, st, body, 400, "invalid_request", "Missing (or invalid type) string parameter PIN")
	})
	sub("wrong OTP", func(t *testing.T) {
		code := f.otp()
		wrong := "000000"
		if code == wrong {
			wrong = "000001"
		}
		st, body := f.authorizeWith(1, h, "", f.h.PIN, wrong)
		wantError(t, st, body, 400, "invalid_authentication_data", "The OTP is invalid")
		if st, body := f.authorizeWith(1, h, "", f.h.PIN, code); st != 200 {
			t.Fatalf("the right code after one wrong guess: %d %v", st, body)
		}
	})
	sub("single use", func(t *testing.T) {
		code := f.otp()
		if st, _ := f.authorizeWith(1, h, "", f.h.PIN, code); st != 200 {
			t.Fatal("first use")
		}
		st, body := f.authorizeWith(1, h, "", f.h.PIN, code)
		wantError(t, st, body, 400, "invalid_authentication_data", "")
	})
	sub("bound to the credential", func(t *testing.T) {
		code := f.otp()
		st, body := g.authorizeWith(1, h, "", g.h.PIN, code)
		wantError(t, st, body, 400, "invalid_authentication_data", "")
	})
	sub("expires after five minutes", func(t *testing.T) {
		code := f.otp()
		s.Clock.Advance(5 * time.Minute)
		defer s.Clock.Advance(-5 * time.Minute)
		st, body := f.authorizeWith(1, h, "", f.h.PIN, code)
		wantError(t, st, body, 400, "invalid_authentication_data", "The OTP has expired; request a new one")
	})
	sub("v1 names its own error codes", func(t *testing.T) {
		f.v = "v1"
		defer func() { f.v = "v2" }()
		st, body := f.post("credentials/authorize", map[string]any{"credentialID": f.h.CredentialID, "numSignatures": 1, "hash": h, "PIN": f.h.PIN, "OTP": "999999"})
		wantError(t, st, body, 400, "invalid_otp", "")
		st, body = f.post("credentials/authorize", map[string]any{"credentialID": f.h.CredentialID, "numSignatures": 1, "hash": h, "PIN": "975318", "OTP": f.otp()})
		wantError(t, st, body, 400, "invalid_pin", "The PIN is invalid")
	})
	sub("failures are throttled", func(t *testing.T) {
		t2 := newFlow(t, s, "ec-p256")
		for i := 0; i < 5; i++ {
			t2.otp()
			st, body := t2.authorizeWith(1, h, "", t2.h.PIN, "123450")
			wantError(t, st, body, 400, "invalid_authentication_data", "")
		}
		code := t2.otp()
		st, body := t2.authorizeWith(1, h, "", t2.h.PIN, code)
		wantError(t, st, body, 400, "invalid_request", "")
		s.Clock.Advance(16 * time.Minute)
		defer s.Clock.Advance(-16 * time.Minute)
		if st, body := t2.authorizeWith(1, h, "", t2.h.PIN, t2.otp()); st != 200 {
			t.Fatalf("after the lockout: %d %v", st, body)
		}
	})
}

// An enrolled authenticator app's TOTP is accepted as the online OTP, once.
func TestAuthenticatorAppOTP(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	f := newFlow(t, s, "ec-p256")
	e, err := s.App.Accounts.StartTOTP(t.Context(), f.h.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(e.Secret, s.Clock.Now())
	if err := s.App.Accounts.ConfirmTOTP(t.Context(), f.h.ID, code); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(30 * time.Second)
	h, _ := randomHashes(t, crypto.SHA256, 1)
	code, _ = totp.GenerateCode(e.Secret, s.Clock.Now())
	st, body := f.authorizeWith(1, h, "", f.h.PIN, code)
	if st != 200 {
		t.Fatalf("authorize with TOTP: %d %v", st, body)
	}
	if st, body := f.signHash(body["SAD"].(string), h, ecdsaSHA256, "", ""); st != 200 {
		t.Fatalf("sign: %d %v", st, body)
	}
	st, body = f.authorizeWith(1, h, "", f.h.PIN, code)
	wantError(t, st, body, 400, "invalid_authentication_data", "")
}
