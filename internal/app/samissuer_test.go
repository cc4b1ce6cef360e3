package app

import (
	"testing"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/sam"
)

// The SAM names certificate states in its own words; a CA state it does
// not know would read as unusable for the wrong reason, so each must map.
func TestEveryCAStateIsASAMState(t *testing.T) {
	tests := []struct {
		ca   ca.State
		want sam.CertState
	}{
		{ca.StateValid, sam.CertValid},
		{ca.StateExpired, sam.CertExpired},
		{ca.StateRevoked, sam.CertRevoked},
		{ca.StateSuspended, sam.CertSuspended},
		{ca.StateNotYetValid, sam.CertNotYetValid},
	}
	for _, tt := range tests {
		if got := samStateOf(tt.ca); got != tt.want {
			t.Errorf("samStateOf(%q) = %q, want %q", tt.ca, got, tt.want)
		}
	}
}
