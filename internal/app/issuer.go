package app

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/contract"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/envelope"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// enrolIssuer is the certificate issuance of an approved enrolment
// (enrol.CertificateIssuer) over the two packages that own it: the account
// (holder, first access pending, no usable password) and the SAM (a key in
// the HSM, the qualified certificate, the envelope's code hashes, the key
// disabled). enrol serialises calls per process; this makes a repeated
// call for one order reuse what an interrupted one left.
type enrolIssuer struct {
	store    storage.Store
	accounts *account.Service
	sam      *sam.Service
}

func (i enrolIssuer) IssueCertificate(ctx context.Context, r enrol.IssueRequest) (*enrol.IssuedCertificate, error) {
	h, err := i.store.Holder(ctx, r.UserID)
	switch {
	case errs.Is(err, errs.NotFound):
		if h, err = i.accounts.CreateHolder(ctx, account.NewHolder{
			ID: r.UserID, GivenName: r.GivenName, Surname: r.Surname, Country: r.Country, SemanticsID: r.SemanticsID,
			Email: r.Email, Phone: r.Phone, Lang: r.Lang, Order: r.Order, FirstAccess: true,
		}); err != nil {
			return nil, fmt.Errorf("create the holder: %w", err)
		}
	case err != nil:
		return nil, err
	case h.Order != r.Order:
		return nil, errs.M(errs.Conflict, msg.IssuanceHolder, r.UserID)
	}
	creds, err := i.store.CredentialsOf(ctx, h.ID)
	if err != nil {
		return nil, err
	}
	var c *storage.Credential
	if len(creds) > 0 {
		// An earlier call got this far: the holder of an enrolment has
		// exactly the one credential issuance made.
		c = creds[0]
	} else if c, err = i.sam.CreateCredentialFromHashes(ctx, sam.HashedCredential{
		HolderID: h.ID, PINHash: r.PINHash, PUKHash: r.PUKHash, ERCHash: r.ERCHash, Description: "QES with eDoc ID " + r.Order,
	}); err != nil {
		return nil, fmt.Errorf("create the credential: %w", err)
	}
	chain, err := sam.ChainOf(c)
	if err != nil {
		return nil, err
	}
	return &enrol.IssuedCertificate{HolderID: h.ID, CredentialID: c.ID, CertificateSerial: fmt.Sprintf("%x", chain[0].SerialNumber)}, nil
}

// contracts are the embedded contract templates (package contract) as
// enrol reads them.
type contracts struct{}

func (contracts) Current() string { return contract.Current() }

func (contracts) Template(version, lang string) (*enrol.Contract, error) {
	d, err := contract.Template(version, lang)
	if err != nil {
		return nil, err
	}
	return &enrol.Contract{Version: d.Version, Lang: d.Lang, PDF: d.PDF, SHA256: d.SHA256}, nil
}

// envelopes are the PIN/PUK/ERC envelopes (package envelope), drawn from
// crypto/rand.
type envelopes struct{}

func (envelopes) Generate() (enrol.Codes, error) {
	c, err := envelope.Generate(rand.Reader)
	return enrol.Codes{PIN: c.PIN, PUK: c.PUK, ERC: c.ERC}, err
}

func (envelopes) CheckPassphrase(p string, min int) error { return envelope.CheckPassphrase(p, min) }

func (envelopes) Build(d enrol.EnvelopeData, passphrase string) ([]byte, error) {
	return envelope.Build(envelope.Data{UserID: d.UserID, EnvelopeNumber: d.EnvelopeNumber, Lang: d.Lang, GivenName: d.GivenName,
		Surname: d.Surname, Codes: envelope.Codes{PIN: d.Codes.PIN, PUK: d.Codes.PUK, ERC: d.Codes.ERC}, IssuedAt: d.IssuedAt}, passphrase, rand.Reader)
}
