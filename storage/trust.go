package storage

import (
	"context"
	"time"
)

// CSCA is a Country Signing CA certificate qes trusts for the identity
// documents of one country (ICAO Doc 9303 part 12), self-signed or a link
// certificate. Trust comes only from what an operator imported.
type CSCA struct {
	SHA256    string    `json:"sha256"`  // hex SHA-256 of DER: the key
	Country   string    `json:"country"` // ISO 3166-1 alpha-2, upper case
	Subject   string    `json:"subject"`
	Serial    string    `json:"serial"` // hex
	KeyID     string    `json:"keyId,omitempty"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	DER       []byte    `json:"der"`
	// Source says where it came from: "masterlist <sha256 of the list>
	// signed by <subject>" or "certificate".
	Source     string    `json:"source"`
	ImportedAt time.Time `json:"importedAt"`
}

// CSCACRL is the newest CRL imported from one CSCA (by issuer name).
type CSCACRL struct {
	Country string `json:"country"`
	Issuer  string `json:"issuer"`
	// IssuerKey is what identifies the issuer among CRLs: the hex SHA-256
	// of the issuer's DER name.
	IssuerKey  string    `json:"issuerKey"`
	Number     string    `json:"number,omitempty"`
	ThisUpdate time.Time `json:"thisUpdate"`
	NextUpdate time.Time `json:"nextUpdate"`
	Revoked    int       `json:"revoked"`
	SHA256     string    `json:"sha256"`
	DER        []byte    `json:"der"`
	ImportedAt time.Time `json:"importedAt"`
}

// TrustAnchors keeps the CSCA trust store.
type TrustAnchors interface {
	// PutCSCA stores c unless a certificate with its SHA-256 is already
	// there; added says which.
	PutCSCA(ctx context.Context, c *CSCA) (added bool, err error)
	// CSCAs lists the country's CSCAs; every country's when country is "".
	CSCAs(ctx context.Context, country string) ([]*CSCA, error)
	// PutCSCACRL keeps c as its issuer's CRL unless the stored one has a
	// later thisUpdate (errs.Conflict: an older CRL never replaces a newer).
	PutCSCACRL(ctx context.Context, c *CSCACRL) error
	// CSCACRLs lists the country's CRLs; every country's when country is "".
	CSCACRLs(ctx context.Context, country string) ([]*CSCACRL, error)
}
