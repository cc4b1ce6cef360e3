package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/qesproject/qes/csc/client"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/tsa"
)

func pickCredential(ctx context.Context, c *client.Client, id string) (*client.Credential, error) {
	if id == "" {
		ids, err := c.ListCredentials(ctx)
		if err != nil {
			return nil, err
		}
		switch len(ids) {
		case 0:
			return nil, errors.New("the user has no signing credential")
		case 1:
			id = ids[0]
		default:
			return nil, fmt.Errorf("the user has %d credentials (%s): choose one with --credential", len(ids), strings.Join(ids, ", "))
		}
	}
	cred, err := c.CredentialInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	if cred.KeyStatus != "" && cred.KeyStatus != "enabled" {
		return nil, fmt.Errorf("the key of credential %s is %s", id, cred.KeyStatus)
	}
	if cred.CertState != "" && cred.CertState != "valid" {
		return nil, fmt.Errorf("the certificate of credential %s is %s", id, cred.CertState)
	}
	return cred, nil
}

// signingOptions builds the pades options: time-stamps from the server or
// --tsa, revocation data from the certificates' AIA and CRL DP.
func signingOptions(ctx context.Context, o *signOptions, sio signIO, c *client.Client, cred *client.Credential, level pades.Level, ap *pades.Appearance) (pades.Options, error) {
	opts := pades.Options{Level: level, Hash: hashFor(cred.Chain[0].PublicKey), Time: sio.now(), Appearance: ap,
		Name: o.name, Reason: o.reason, Location: o.location, ContactInfo: o.contact, FieldName: o.field}
	if o.certify {
		opts.Certify = pades.CertifyFormFilling
	}
	if o.pss {
		if _, ok := cred.Chain[0].PublicKey.(*rsa.PublicKey); !ok {
			return opts, errors.New("--rsa-pss needs an RSA credential")
		}
		opts.Scheme = pades.PSS
	}
	if level >= pades.LevelBT {
		switch {
		case o.tsaURL != "":
			opts.Timestamper = &tsa.Client{URL: o.tsaURL, HTTP: sio.http}
		default:
			info, err := c.Info(ctx)
			if err != nil {
				return opts, err
			}
			if !info.Offers("signatures/timestamp") {
				return opts, fmt.Errorf("%s does not offer signatures/timestamp: give an RFC 3161 time-stamp authority with --tsa URL", c.BaseURL())
			}
			opts.Timestamper = cscTimestamper{c}
		}
	}
	if level >= pades.LevelBLT {
		opts.Revocation = aiaRevocation{http: sio.http, now: sio.now}
	}
	if o.extraCerts != "" {
		certs, err := readPEMCertificates(o.extraCerts)
		if err != nil {
			return opts, err
		}
		opts.ExtraCertificates = certs
	}
	return opts, nil
}

// hashFor matches the digest to the key's strength, as ETSI TS 119 312
// pairs them.
func hashFor(pub crypto.PublicKey) crypto.Hash {
	if k, ok := pub.(*ecdsa.PublicKey); ok {
		switch k.Curve {
		case elliptic.P384():
			return crypto.SHA384
		case elliptic.P521():
			return crypto.SHA512
		}
	}
	return crypto.SHA256
}

// chooseAlgorithm picks signAlgo: the CMS algorithm pades uses if the
// credential lists it, else the bare key algorithm with hashAlgorithmOID
// (servers that list only rsaEncryption or id-ecPublicKey).
func chooseAlgorithm(p toSign, cred *client.Credential, h crypto.Hash) (signAlgo, hashOID string, params []byte, err error) {
	oid, params := p.SignatureAlgorithm()
	hashOID = sam.HashOID(h)
	signAlgo = oid.String()
	if len(cred.KeyAlgos) == 0 || slices.Contains(cred.KeyAlgos, signAlgo) {
		return signAlgo, hashOID, params, nil
	}
	bare := ""
	switch cred.Chain[0].PublicKey.(type) {
	case *ecdsa.PublicKey:
		bare = sam.OIDECPublicKey
	case *rsa.PublicKey:
		if params == nil {
			bare = sam.OIDRSA
		}
	}
	if bare != "" && slices.Contains(cred.KeyAlgos, bare) {
		return bare, hashOID, nil, nil
	}
	return "", "", nil, fmt.Errorf("the credential offers the algorithms %v, not %s", cred.KeyAlgos, signAlgo)
}

// parseVisible reads --visible page,x1,y1,x2,y2.
func parseVisible(s string) (*pades.Appearance, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 5 {
		return nil, fmt.Errorf("--visible %q: want page,x1,y1,x2,y2", s)
	}
	page, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil || page < 1 {
		return nil, fmt.Errorf("--visible %q: the page is a number from 1", s)
	}
	a := &pades.Appearance{Page: page}
	for i := range 4 {
		if a.Rect[i], err = strconv.ParseFloat(strings.TrimSpace(parts[i+1]), 64); err != nil {
			return nil, fmt.Errorf("--visible %q: %q is not a number", s, parts[i+1])
		}
	}
	return a, nil
}

func readPEMCertificates(path string) ([]*x509.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return out, nil
}
