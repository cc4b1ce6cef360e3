package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/oids"
)

// TSA configures the RFC 3161 time-stamp authority served at /tsa and
// through CSC signatures/timestamp. Its key and certificate are created
// with the CA hierarchy; only the policy and accuracy are configurable.
type TSA struct {
	// PolicyOID is the TSA policy written into every token. The default
	// sits next to the certificate policy: the parent arc of ca.policyOID
	// plus ".2" (1.3.6.1.4.1.55555.1.2 with the example arc).
	PolicyOID string `json:"policyOID"`
	// Accuracy is the bound of genTime around UTC the TSA guarantees
	// (default 1s); it must reflect how the host's clock is disciplined.
	Accuracy Duration `json:"accuracy"`
}

func (t *TSA) defaults(caPolicy string) {
	if t.PolicyOID == "" {
		if i := strings.LastIndexByte(caPolicy, '.'); i > 0 {
			t.PolicyOID = caPolicy[:i] + ".2"
		}
	}
	if t.Accuracy == 0 {
		t.Accuracy = Duration(time.Second)
	}
}

func (t TSA) validate() error {
	if _, err := oids.Parse(t.PolicyOID); err != nil {
		return fmt.Errorf("tsa.policyOID %q is not a dotted object identifier such as 1.3.6.1.4.1.55555.1.2", t.PolicyOID)
	}
	if t.Accuracy.D() < 0 || t.Accuracy.D() > time.Minute {
		return fmt.Errorf("tsa.accuracy %s must be between 0 and 1m", t.Accuracy.D())
	}
	return nil
}
