// Command qesctl is the operator's and holder's command line: create holders,
// unblock PINs, verify the audit log, and (qesctl sign) sign PDFs through
// any CSC server.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/errs"
)

const usage = `usage: qesctl <command> [flags]

commands:
  holder create   create a holder with a signing credential
  holder unblock  reset a blocked PIN with the PUK
  client create   register an OAuth 2.0 client (signature application)
  audit verify    check the audit log's hash chain
  cert suspend    put a credential's certificate on hold (certificateHold)
  cert reactivate lift a hold
  cert revoke     revoke a certificate for good and destroy its key
  cert renew      new key and certificate under the same credential ID
  cert status     show a credential's certificate status
  sign            sign local PDFs (PAdES) through any CSC server

Run "qesctl <command> -h" for the flags of a command.
Commands other than sign act on a running qesd through its admin socket in
--data, or on the data directory directly when no qesd is running.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "qesctl:", explain(err))
		os.Exit(1)
	}
}

func explain(err error) string {
	if d := errs.DetailOf(err); d != "" {
		return d
	}
	return err.Error()
}

var errUsage = errors.New("see usage above")

func run(ctx context.Context, args []string) error {
	if len(args) >= 1 && args[0] == "sign" {
		return signCommand(ctx, args[1:])
	}
	if len(args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		return errUsage
	}
	switch args[0] + " " + args[1] {
	case "holder create":
		return holderCreate(ctx, args[2:])
	case "holder unblock":
		return holderUnblock(ctx, args[2:])
	case "audit verify":
		return auditVerify(ctx, args[2:])
	case "cert suspend", "cert reactivate", "cert revoke", "cert renew", "cert status":
		return certCommand(ctx, args[1], args[2:])
	case "client create":
		return clientCreate(ctx, args[2:])
	}
	fmt.Fprint(os.Stderr, usage)
	return errUsage
}

func opener(data string) func() (*app.App, error) {
	return func() (*app.App, error) {
		cfg, err := config.Load(data)
		if err != nil {
			return nil, err
		}
		return app.Open(context.Background(), cfg, app.Options{})
	}
}

func holderCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("holder create", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	var r app.HolderRequest
	fs.StringVar(&r.UserID, "user", "", "user ID (required)")
	fs.StringVar(&r.Password, "password", "", "password (required; see the password policy)")
	fs.StringVar(&r.PIN, "pin", "", "signing PIN, 6-8 digits (required)")
	fs.StringVar(&r.Phone, "phone", "", "mobile number for SMS OTPs, e.g. +393331234567 (required)")
	fs.StringVar(&r.Email, "email", "", "e-mail address (required)")
	fs.StringVar(&r.Key, "key", "ec-p256", "key type: ec-p256, ec-p384, rsa-2048, rsa-3072")
	fs.StringVar(&r.GivenName, "given-name", "Mario", "given name as in the identity document")
	fs.StringVar(&r.Surname, "surname", "Rossi", "surname as in the identity document")
	fs.StringVar(&r.Country, "country", "IT", "country (ISO 3166-1 alpha-2)")
	fs.StringVar(&r.SemanticsID, "id", "TINIT-RSSMRA80A01H501U", "natural person identifier (ETSI EN 319 412-1), e.g. TINIT-<tax code>")
	fs.StringVar(&r.Lang, "lang", "en", "language: en or it")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if r.UserID == "" || r.Password == "" || r.PIN == "" || r.Phone == "" || r.Email == "" {
		fs.Usage()
		return errors.New("--user, --password, --pin, --phone and --email are required")
	}
	var res app.HolderResult
	if err := app.Call(ctx, *data, "holder/create", r, &res, opener(*data)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]string{"userID": res.UserID, "credentialID": res.CredentialID, "puk": res.PUK, "erc": res.ERC})
	}
	fmt.Printf("holder %s created with credential %s\nPUK (shown once, keep it safe): %s\nemergency code (shown once; suspends the certificate with the user ID alone): %s\n", res.UserID, res.CredentialID, res.PUK, res.ERC)
	return nil
}

func holderUnblock(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("holder unblock", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	var r app.UnblockRequest
	fs.StringVar(&r.UserID, "user", "", "user ID")
	fs.StringVar(&r.CredentialID, "credential", "", "credential ID")
	fs.StringVar(&r.PUK, "puk", "", "PUK")
	fs.StringVar(&r.NewPIN, "new-pin", "", "the new PIN")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if r.UserID == "" || r.CredentialID == "" || r.PUK == "" || r.NewPIN == "" {
		fs.Usage()
		return errors.New("--user, --credential, --puk and --new-pin are required")
	}
	if err := app.Call(ctx, *data, "holder/unblock", r, nil, opener(*data)); err != nil {
		return err
	}
	fmt.Println("PIN unblocked and replaced")
	return nil
}

func auditVerify(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var rep auditReport
	if err := app.Call(ctx, *data, "audit/verify", struct{}{}, &rep, opener(*data)); err != nil {
		return err
	}
	return printAuditReport(os.Stdout, rep)
}

// auditReport is audit.Report as it crosses the admin socket.
type auditReport struct {
	Records                uint64
	Problem                string
	MissingFrom, MissingTo uint64
}

// printAuditReport prints an intact log's summary to w, or returns the
// problem; a loss of acknowledged records is named by its exact range, the
// one thing an operator must act on.
func printAuditReport(w io.Writer, rep auditReport) error {
	if rep.MissingTo > 0 {
		return fmt.Errorf("audit log is NOT intact: records %d..%d (%d) were acknowledged but are missing; the file holds %d good records: %s",
			rep.MissingFrom, rep.MissingTo, rep.MissingTo-rep.MissingFrom+1, rep.Records, rep.Problem)
	}
	if rep.Problem != "" {
		return fmt.Errorf("audit log is NOT intact after %d good records: %s", rep.Records, rep.Problem)
	}
	_, err := fmt.Fprintf(w, "audit log intact: %d records, chain and anchor verified (every acknowledged record is present)\n", rep.Records)
	return err
}

type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func clientCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("client create", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	var r app.ClientRequest
	var uris stringList
	fs.StringVar(&r.Name, "name", "", "name shown to holders when the application asks for authorization (required)")
	fs.Var(&uris, "redirect-uri", "redirect URI (repeat for several; required)")
	fs.BoolVar(&r.Public, "public", false, "a public client (no secret; PKCE only), e.g. a mobile app")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r.RedirectURIs = uris
	if r.Name == "" || len(uris) == 0 {
		fs.Usage()
		return errors.New("--name and --redirect-uri are required")
	}
	var res app.ClientResult
	if err := app.Call(ctx, *data, "client/create", r, &res, opener(*data)); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
