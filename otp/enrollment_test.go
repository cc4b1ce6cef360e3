package otp

import "testing"

func TestTOTPEnrollmentRebuildsTheSameURI(t *testing.T) {
	for _, c := range []struct{ issuer, account string }{{"qes", "alice"}, {"qes portal", "bob.rossi@example.org"}} {
		e, err := NewTOTP(c.issuer, c.account)
		if err != nil {
			t.Fatal(err)
		}
		again, err := TOTPEnrollment(c.issuer, c.account, e.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if again != e {
			t.Fatalf("rebuilt %+v, want %+v", again, e)
		}
	}
	if _, err := TOTPEnrollment("qes", "alice", "not base32!"); err == nil {
		t.Fatal("a corrupt seed must be refused")
	}
}
