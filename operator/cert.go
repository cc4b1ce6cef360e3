package operator

import (
	"context"
	"strings"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/lifecycle"
	"github.com/qesproject/qes/sam"
)

// CertActions are the lifecycle changes an operator may run.
var CertActions = []lifecycle.Action{lifecycle.ActionSuspend, lifecycle.ActionReactivate, lifecycle.ActionRevoke, lifecycle.ActionRenew}

// CertRequest is `qesctl cert suspend|reactivate|revoke|renew|status`.
type CertRequest struct {
	UserID       string `json:"userID"`
	CredentialID string `json:"credentialID"`
	// Reason: for revoke, a CRL reason name (default unspecified); for
	// suspend, a free-text note kept in the audit log.
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
	// Operator names who runs qesctl, for the audit log.
	Operator string `json:"operator,omitempty"`
}

// CertResult is a certificate's status after an operation.
type CertResult struct {
	UserID         string    `json:"userID"`
	CredentialID   string    `json:"credentialID"`
	SerialNumber   string    `json:"serialNumber"`
	Status         string    `json:"status"`
	Reason         string    `json:"reason,omitempty"`
	SuspendedAt    time.Time `json:"suspendedAt,omitzero"`
	SuspensionEnds time.Time `json:"suspensionEnds,omitzero"`
	RevokedAt      time.Time `json:"revokedAt,omitzero"`
	ValidFrom      time.Time `json:"validFrom"`
	ValidTo        time.Time `json:"validTo"`
	KeyStatus      string    `json:"keyStatus"`
}

// NewCertResult renders a lifecycle status for qesctl and the admin socket.
func NewCertResult(st *lifecycle.CertificateStatus) *CertResult {
	out := &CertResult{
		UserID: st.HolderID, CredentialID: st.CredentialID, SerialNumber: strings.ToUpper(st.Serial.Text(16)),
		Status: string(st.State), SuspendedAt: st.SuspendedAt, SuspensionEnds: st.SuspensionEnds, RevokedAt: st.RevokedAt,
		ValidFrom: st.NotBefore, ValidTo: st.NotAfter, KeyStatus: "enabled",
	}
	if st.State == sam.CertSuspended || st.State == sam.CertRevoked {
		out.Reason = st.Reason.String()
	}
	if !st.KeyEnabled {
		out.KeyStatus = "disabled"
	}
	return out
}

// CertChange runs a lifecycle operation as the operator. A revocation
// reason is a CRL reason name; a suspension's "reason" is a free-text note.
func (s *Service) CertChange(ctx context.Context, action lifecycle.Action, r CertRequest) (*CertResult, error) {
	ch := lifecycle.Change{Action: action, HolderID: r.UserID, CredentialID: r.CredentialID, Note: r.Note}
	switch action {
	case lifecycle.ActionRevoke:
		if r.Reason != "" {
			reason, err := ca.ParseRevocationReason(r.Reason)
			if err != nil {
				return nil, err
			}
			ch.Reason = reason
		}
	case lifecycle.ActionSuspend:
		if ch.Note == "" {
			ch.Note = r.Reason
		}
	default:
		if r.Reason != "" {
			return nil, errs.M(errs.InvalidRequest, msg.AppReasonNotApplicable, action)
		}
	}
	if r.UserID == "" {
		return nil, errs.M(errs.InvalidRequest, msg.AppUserIDRequired)
	}
	st, err := s.Lifecycle.Apply(ctx, lifecycle.Actor{Kind: lifecycle.ActorOperator, ID: r.Operator, Client: "qesctl"}, ch)
	if err != nil {
		return nil, err
	}
	return NewCertResult(st), nil
}

// CertStatus reports a credential's certificate.
func (s *Service) CertStatus(ctx context.Context, r CertRequest) (*CertResult, error) {
	st, err := s.Lifecycle.Status(ctx, r.UserID, r.CredentialID)
	if err != nil {
		return nil, err
	}
	return NewCertResult(st), nil
}
