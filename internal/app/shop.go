package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/shop"
	"github.com/qesproject/qes/storage"
)

var errShopPaymentsOff = errs.M(errs.NotImplemented, msg.ShopPaymentsOff)

// openEnrol builds the shop's domain service and, when configured, the
// development payment provider (ledger payments.jsonl beside the dev
// outbox, DIR by default, callbacks signed under the HSM's MAC key). The
// ledger holds the intents the pay page reads back: development nodes
// sharing an outbox share it too, so a checkout on one node pays on any.
func (a *App) openEnrol(mac hsm.MAC, sender otp.Sender, argon secret.Params) {
	var payments enrol.Payments
	if a.Cfg.Payments.Provider == "dev" {
		dir := a.Cfg.DataDir
		if a.Cfg.Outbox != "" {
			dir = filepath.Dir(a.Cfg.Outbox)
		}
		a.DevPayments = enrol.NewDevProvider(filepath.Join(dir, "payments.jsonl"), mac, a.Now)
		payments = a.DevPayments
	} else {
		payments = noPayments{}
	}
	e := a.Cfg.Enrol
	a.Enrol = enrol.New(enrol.Deps{
		Store: a.Store, OTP: a.OTP, Notify: sender, MAC: mac, Audit: a.Audit, Payments: payments, Log: a.Log, Now: a.Now,
		Contracts: contracts{}, Envelopes: envelopes{}, Evidence: a.Evidence, Issuer: enrolIssuer{store: a.Store, accounts: a.Accounts, sam: a.Credentials},
	}, enrol.Config{
		Argon: argon, NetCents: e.NetCents, Currency: e.Currency, ValidityYears: e.ValidityYears, VAT: e.VAT,
		VATHome: a.Cfg.Service.Region, PasswordMaxAge: a.Accounts.Config().PasswordMaxAge, PublicURL: a.Cfg.PublicURL,
		ActivationDeadline: e.ActivationDeadline.D(), PassphraseMin: e.PassphraseMin, ProofingValidity: e.ProofingValidity.D(),
	})
}

// shopRoutes mounts the shop's pages, its payment callback (an API, in
// openapi.yaml) and the dev provider's page.
func (a *App) shopRoutes(mux *routeMux) {
	ui := shop.New(a.Enrol, a.DevPayments, shop.Config{
		Name: a.Cfg.Service.Name, SecureCookies: strings.HasPrefix(a.Cfg.PublicURL, "https://"),
	}, a.Log)
	mux.Handle("GET /shop", ui)
	mux.Handle("/shop/", ui)
	for _, r := range shop.APIRoutes() {
		mux.Handle(r.Method+" "+r.Path, ui)
	}
	if a.DevPayments != nil {
		mux.Handle("/dev/pay/", ui)
	}
}

// RunIssuanceJobs finishes the issuance of approved orders whose
// certificate or e-mails did not go out at the approval (HSM, CA or mail
// relay down): every run retries each of them once.
func (a *App) RunIssuanceJobs(ctx context.Context) error {
	n, err := a.Enrol.IssuePending(ctx)
	if n > 0 {
		a.Log.InfoContext(ctx, "issuance job", "issued", n)
	}
	if err != nil {
		return fmt.Errorf("pending issuance: %w", err)
	}
	return nil
}

// RunShopJobs removes ended shop sessions.
func (a *App) RunShopJobs(ctx context.Context) error {
	if _, err := a.Enrol.EndedSessions(ctx); err != nil {
		return fmt.Errorf("ended shop sessions: %w", err)
	}
	return nil
}

// noPayments is the provider when payments.provider is "none".
type noPayments struct{}

func (noPayments) Name() string { return "none" }
func (noPayments) Create(context.Context, *storage.Order) (enrol.Intent, error) {
	return enrol.Intent{}, errShopPaymentsOff
}
func (noPayments) Verify(context.Context, *http.Request) (enrol.Result, error) {
	return enrol.Result{}, errShopPaymentsOff
}
func (noPayments) Refund(context.Context, string) error { return errShopPaymentsOff }
