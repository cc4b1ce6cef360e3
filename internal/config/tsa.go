package config

import (
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
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
	// Clock is how the TSA knows its time can be trusted: "kernel" issues
	// tokens only while the kernel reports the clock synchronised by NTP or
	// PTP within Accuracy (EN 319 421); "unchecked" trusts it blindly, for
	// development machines. The default is "kernel" when the service is
	// served over TLS (production) and "unchecked" on a plain-HTTP loopback
	// development server.
	Clock string `json:"clock"`
}

// The values of tsa.clock.
const (
	ClockKernel    = "kernel"
	ClockUnchecked = "unchecked"
)

func (t *TSA) defaults(caPolicy string, production bool) {
	if t.Clock == "" {
		t.Clock = ClockUnchecked
		if production {
			t.Clock = ClockKernel
		}
	}
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
		return errs.M(errs.InvalidRequest, msg.ConfigTSAPolicyOID, t.PolicyOID)
	}
	if t.Clock != ClockKernel && t.Clock != ClockUnchecked {
		return errs.M(errs.InvalidRequest, msg.ConfigTSAClock, t.Clock, ClockKernel, ClockUnchecked)
	}
	if t.Accuracy.D() < 0 || t.Accuracy.D() > time.Minute {
		return errs.M(errs.InvalidRequest, msg.ConfigTSAAccuracy, t.Accuracy.D())
	}
	return nil
}
