package kv

import (
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

var (
	bCSCAs    = []byte("cscas")     // "<country>\x00<sha256>" -> CSCA
	bCSCACRLs = []byte("csca_crls") // "<country>\x00<issuer key>" -> CSCACRL
)

func init() {
	allBuckets = append(allBuckets, bCSCAs, bCSCACRLs)
}

func (d *DB) PutCSCA(ctx context.Context, c *storage.CSCA) (added bool, err error) {
	if c.SHA256 == "" || c.Country == "" || len(c.DER) == 0 {
		return false, errs.E(errs.Internal, "a CSCA needs its hash, country and certificate")
	}
	err = d.update(ctx, func(tx Tx) error {
		key := pairKey(c.Country, c.SHA256)
		if tx.Bucket(bCSCAs).Get(key) != nil {
			added = false
			return nil
		}
		added = true
		return put(tx, bCSCAs, key, c)
	})
	return added, err
}

func (d *DB) CSCAs(ctx context.Context, country string) (out []*storage.CSCA, err error) {
	err = d.view(ctx, func(tx Tx) error {
		return scan(tx, bCSCAs, countryPrefix(country), func(_ []byte, c *storage.CSCA) error {
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

func (d *DB) PutCSCACRL(ctx context.Context, c *storage.CSCACRL) error {
	if c.Country == "" || c.IssuerKey == "" || len(c.DER) == 0 {
		return errs.E(errs.Internal, "a CSCA CRL needs its country, issuer and DER")
	}
	return d.update(ctx, func(tx Tx) error {
		key := pairKey(c.Country, c.IssuerKey)
		if tx.Bucket(bCSCACRLs).Get(key) != nil {
			old, err := get[storage.CSCACRL](tx, bCSCACRLs, key, "CSCA CRL")
			if err != nil {
				return err
			}
			if old.ThisUpdate.After(c.ThisUpdate) {
				return errs.M(errs.Conflict, msg.TrustCRLOlder, old.ThisUpdate.UTC().Format("2006-01-02 15:04:05Z"))
			}
		}
		return put(tx, bCSCACRLs, key, c)
	})
}

func (d *DB) CSCACRLs(ctx context.Context, country string) (out []*storage.CSCACRL, err error) {
	err = d.view(ctx, func(tx Tx) error {
		return scan(tx, bCSCACRLs, countryPrefix(country), func(_ []byte, c *storage.CSCACRL) error {
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

// countryPrefix is the key prefix of one country's records; nil lists all.
func countryPrefix(country string) []byte {
	if country == "" {
		return nil
	}
	return []byte(country + "\x00")
}
