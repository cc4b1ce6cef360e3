package app

import (
	"context"
	"fmt"

	"github.com/qesproject/qes/activation"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/contract"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/lifecycle"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/portal"
)

// openActivation builds the holder's first access, the activation and the
// activation deadline over the module, the lifecycle, the evidence store,
// the in-process TSA and the contract templates the binary embeds.
func (a *App) openActivation(sender otp.Sender, argon secret.Params) {
	a.Activation = activation.New(activation.Deps{
		Store: a.Store, SAM: a.Credentials, Orders: a.Enrol, OTP: a.OTP, Audit: a.Audit, Evidence: a.Evidence,
		Contracts: contractPDF, Timestamper: localTimestamper{a.TSA}, Revoker: deadlineRevoker{a.Lifecycle},
		Notify: sender, Log: a.Log, Now: a.Now,
	}, activation.Config{Argon: argon})
}

// contractPDF is the template of a contract version in a language.
func contractPDF(version, lang string) ([]byte, error) {
	doc, err := contract.Template(version, lang)
	if err != nil {
		return nil, err
	}
	return doc.PDF, nil
}

// RunActivationJobs runs the activation deadline once: overdue issued
// orders are revoked, their keys destroyed, the orders expired and the
// customers told. qesd runs it every minute; tests call it after moving
// the clock.
func (a *App) RunActivationJobs(ctx context.Context) error {
	n, err := a.Activation.ExpireOverdue(ctx)
	if n > 0 {
		a.Log.InfoContext(ctx, "activation deadline", "expired", n)
	}
	if err != nil {
		return fmt.Errorf("activation deadline: %w", err)
	}
	return nil
}

// deadlineRevoker revokes an unactivated credential as the system, with
// reason cessationOfOperation: the lifecycle destroys the key and tells
// the holder.
type deadlineRevoker struct{ lc *lifecycle.Service }

func (r deadlineRevoker) RevokeUnactivated(ctx context.Context, holderID, credentialID string) error {
	_, err := r.lc.Apply(ctx, lifecycle.Actor{Kind: lifecycle.ActorSystem}, lifecycle.Change{
		Action: lifecycle.ActionRevoke, HolderID: holderID, CredentialID: credentialID,
		Reason: ca.ReasonCessationOfOperation, Note: "not activated by the activation deadline",
	})
	return err
}

// portalActivation adapts the activation service to the portal's port.
type portalActivation struct{ s *activation.Service }

func (p portalActivation) StartFirstAccess(ctx context.Context, userID, puk, password, confirm, clientIP string) (string, string, error) {
	tk, err := p.s.StartFirstAccess(ctx, activation.FirstAccessStart{UserID: userID, PUK: puk, Password: password, Confirm: confirm, ClientIP: clientIP})
	if err != nil {
		return "", "", err
	}
	return tk.Ticket, tk.PhoneMasked, nil
}

func (p portalActivation) CompleteFirstAccess(ctx context.Context, ticket, code, clientIP string) (string, error) {
	return p.s.CompleteFirstAccess(ctx, ticket, code, clientIP)
}

func (p portalActivation) PendingActivation(ctx context.Context, holderID string) (*portal.PendingActivation, error) {
	pend, err := p.s.Pending(ctx, holderID)
	if err != nil {
		return nil, err
	}
	return &portal.PendingActivation{OrderNumber: pend.OrderNumber, CredentialID: pend.CredentialID, ContractVersion: pend.ContractVersion, Deadline: pend.Deadline}, nil
}

func (p portalActivation) Contract(ctx context.Context, holderID string) ([]byte, error) {
	return p.s.Contract(ctx, holderID)
}

func (p portalActivation) SendActivationCode(ctx context.Context, holderID string) error {
	return p.s.SendCode(ctx, holderID)
}

func (p portalActivation) Activate(ctx context.Context, holderID, envelopePIN, newPIN, confirmPIN, code string) error {
	_, err := p.s.Activate(ctx, activation.Request{HolderID: holderID, EnvelopePIN: envelopePIN, NewPIN: newPIN, ConfirmPIN: confirmPIN, OTP: code})
	return err
}
