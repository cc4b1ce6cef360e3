package app

import "github.com/qesproject/qes/identity"

// chipVerifier is the chip step's verifier: nil until emrtd.Verify is
// merged (branch emrtd-lds), which turns the chip step on.
var chipVerifier identity.ChipVerifier
