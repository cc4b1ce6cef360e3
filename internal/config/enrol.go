package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Enrol configures selling and onboarding holders (package enrol). The
// identification fields are read now so that a file written for the
// later steps already loads; their defaults are ENROLMENT.md 6.9's.
type Enrol struct {
	NetCents      int64  `json:"netCents"`      // default 7900
	Currency      string `json:"currency"`      // default EUR
	ValidityYears int    `json:"validityYears"` // default 3
	// VAT maps a country of residence to its rate in basis points
	// (default {"IT":2200}); other countries pay the service region's rate.
	VAT                map[string]int `json:"vat"`
	IdentificationTTL  Duration       `json:"identificationTTL"`  // default 30m
	MaxAttempts        int            `json:"maxAttempts"`        // default 3
	ProofingValidity   Duration       `json:"proofingValidity"`   // default 720h
	ActivationDeadline Duration       `json:"activationDeadline"` // default 1440h
	PassphraseMin      int            `json:"passphraseMin"`      // default 6
	FourEyes           bool           `json:"fourEyes"`
}

// Payments selects the payment provider.
type Payments struct {
	// Provider is "dev" (the default; the development provider with its
	// own page and HMAC-signed callbacks) or "none" (no shop payments).
	Provider string `json:"provider"`
	// AllowDevOffLoopback lets the dev provider run on a listener that
	// is not loopback (a shared test host): without it qesd refuses,
	// since the dev provider approves any payment a visitor asks it to.
	AllowDevOffLoopback bool `json:"allowDevOffLoopback"`
}

func (e *Enrol) defaults() {
	if e.NetCents == 0 {
		e.NetCents = 7900
	}
	if e.Currency == "" {
		e.Currency = "EUR"
	}
	if e.ValidityYears == 0 {
		e.ValidityYears = 3
	}
	if e.VAT == nil {
		e.VAT = map[string]int{"IT": 2200}
	}
	if e.IdentificationTTL == 0 {
		e.IdentificationTTL = Duration(30 * time.Minute)
	}
	if e.MaxAttempts == 0 {
		e.MaxAttempts = 3
	}
	if e.ProofingValidity == 0 {
		e.ProofingValidity = Duration(720 * time.Hour)
	}
	if e.ActivationDeadline == 0 {
		e.ActivationDeadline = Duration(1440 * time.Hour)
	}
	if e.PassphraseMin == 0 {
		e.PassphraseMin = 6
	}
}

func (e *Enrol) validate() error {
	if e.NetCents < 0 {
		return errors.New("enrol.netCents must not be negative")
	}
	if len(e.Currency) != 3 || strings.ToUpper(e.Currency) != e.Currency {
		return fmt.Errorf("enrol.currency %q must be an ISO 4217 code such as EUR", e.Currency)
	}
	if e.ValidityYears < 1 || e.ValidityYears > 10 {
		return errors.New("enrol.validityYears must be 1..10")
	}
	for c, r := range e.VAT {
		if len(c) != 2 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return fmt.Errorf("enrol.vat: %q is not an ISO 3166-1 alpha-2 code", c)
		}
		if r < 0 || r > 10000 {
			return fmt.Errorf("enrol.vat.%s: %d basis points is not 0..10000", c, r)
		}
	}
	if e.MaxAttempts < 1 || e.PassphraseMin < 6 {
		return errors.New("enrol.maxAttempts must be >= 1 and enrol.passphraseMin >= 6")
	}
	if e.IdentificationTTL < 0 || e.ProofingValidity < 0 || e.ActivationDeadline < 0 {
		return errors.New("enrol durations must not be negative")
	}
	return nil
}

func (p *Payments) defaults() {
	if p.Provider == "" {
		p.Provider = "dev"
	}
}

// validate mirrors the TLS rule: the dev provider (which approves any
// payment) only on loopback unless explicitly allowed.
func (p *Payments) validate(listen string) error {
	switch p.Provider {
	case "dev", "none":
	default:
		return fmt.Errorf("payments.provider %q: want dev or none", p.Provider)
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", listen, err)
	}
	if p.Provider == "dev" && !isLoopback(host) && !p.AllowDevOffLoopback {
		return fmt.Errorf("listen address %q is not loopback: the dev payment provider approves any payment and is refused there; set payments.provider to a real provider (or \"none\"), or payments.allowDevOffLoopback on a closed test network, in %s", listen, FileName)
	}
	return nil
}
