package lifecycle

import (
	"context"
	"math/big"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// renew rotates the credential's key under the same credential ID: a new
// key pair in the HSM, a new certificate for the holder's current identity
// data, then the old certificate revoked as superseded and the old key
// destroyed. The credential ID, PIN, PUK and emergency code stay, so CSC
// clients that stored the credentialID keep working; SADs authorized for
// the old certificate are dropped, since the hashes they cover were built
// around it.
func (op *operation) renew(ctx context.Context) error {
	l := op.l
	st, err := l.reg.Status(ctx, op.serial)
	if errs.Is(err, errs.NotFound) {
		return errs.M(errs.Conflict, msg.RenewNotRegistered)
	}
	if err != nil {
		return err
	}
	if st.Status != ca.StateValid || !op.cred.KeyEnabled {
		return errs.M(errs.Conflict, msg.RenewOnlyValid, st.Status)
	}
	if err := op.intent(ctx); err != nil {
		return err
	}
	h, err := l.store.Holder(ctx, op.cred.HolderID)
	if err != nil {
		op.done(ctx, err, nil)
		return err
	}
	ref, pub, err := l.keys.Generate(ctx, hsm.KeyType(op.cred.KeyType), "credential "+op.cred.ID)
	if err != nil {
		op.done(ctx, err, nil)
		return err
	}
	chain, err := l.issuer.IssueHolderCertificate(ctx, h, op.cred.ID, pub)
	if err != nil {
		l.discard(ctx, op, ref, nil)
		op.done(ctx, err, nil)
		return err
	}
	newSerial := chain[0].SerialNumber
	oldRef := op.cred.KeyRef
	err = l.store.UpdateCredential(ctx, op.cred.ID, func(c *storage.Credential) error {
		if c.KeyRef != oldRef || !c.KeyEnabled {
			return errs.M(errs.Conflict, msg.RenewRaced)
		}
		if !containsString(c.RetiredKeys, oldRef) {
			c.RetiredKeys = append(c.RetiredKeys, oldRef)
		}
		c.KeyRef = string(ref)
		c.Certificates = c.Certificates[:0]
		for _, cert := range chain {
			c.Certificates = append(c.Certificates, cert.Raw)
		}
		c.RenewedAt = l.now()
		return nil
	})
	if err != nil {
		l.discard(ctx, op, ref, newSerial)
		op.done(ctx, err, nil)
		return err
	}
	op.dropSADs(ctx)

	// The new certificate is the credential's: now the old one goes.
	tr, rerr := l.reg.Revoke(ctx, op.serial, ca.ReasonSuperseded)
	switch {
	case rerr != nil && !errs.Is(rerr, errs.Conflict):
		// The reconcile job revokes certificates their credential no
		// longer uses.
		l.log.ErrorContext(ctx, "revoke the superseded certificate; the lifecycle job will retry", "credential", op.cred.ID, "err", rerr)
	case rerr == nil && tr.From == ca.StateSuspended:
		// Someone (the holder with the emergency code) put the old
		// certificate on hold while this renewal ran: the hold carries
		// over, the new certificate must not sign either.
		if _, err := l.reg.Suspend(ctx, newSerial); err != nil {
			l.log.ErrorContext(ctx, "carry a hold over to the renewed certificate", "credential", op.cred.ID, "err", err)
		}
	}
	if err := l.destroyRetired(ctx, op.cred.ID); err != nil {
		l.log.ErrorContext(ctx, "destroy the superseded key; the lifecycle job will retry", "credential", op.cred.ID, "err", err)
	}
	op.done(ctx, nil, map[string]string{"newSerial": newSerial.Text(16)})
	n := op.notice(ctx)
	n.NewSerial = newSerial
	l.tell(ctx, op.cred.HolderID, noticeRenewed, n)
	return nil
}

// discard undoes a renewal that could not attach its new key: the
// certificate (if issued) is revoked and the key destroyed.
func (l *Service) discard(ctx context.Context, op *operation, ref hsm.KeyRef, serial *big.Int) {
	if serial != nil {
		if _, err := l.reg.Revoke(ctx, serial, ca.ReasonCessationOfOperation); err != nil {
			l.log.ErrorContext(ctx, "revoke the certificate of an abandoned renewal", "credential", op.cred.ID, "err", err)
		}
	}
	if err := l.keys.Destroy(ctx, ref); err != nil {
		l.log.ErrorContext(ctx, "destroy the key of an abandoned renewal", "credential", op.cred.ID, "key", ref, "err", err)
	}
}
