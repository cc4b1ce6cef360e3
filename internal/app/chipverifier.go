package app

import (
	"github.com/qesproject/qes/emrtd"
	"github.com/qesproject/qes/identity"
)

// chipVerifier is the chip step's verifier: qes's own ICAO 9303 checks.
var chipVerifier identity.ChipVerifier = identity.VerifierFunc(emrtd.Verify)
