// Command qesctl is the operator's and holder's command line: create holders,
// unblock PINs, verify the audit log, and (qesctl sign) sign PDFs through
// any CSC server.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/operator"
)

// command is one qesctl command. The table below drives both the dispatch
// and the usage text, so --help cannot forget a command.
type command struct {
	name    string // one or two words, e.g. "holder create"
	summary string
	run     func(ctx context.Context, args []string) error
	json    bool // has a --json flag
}

var commands = []command{
	{"holder create", "create a holder with a signing credential", holderCreate, true},
	{"holder unblock", "reset a blocked PIN with the PUK", holderUnblock, false},
	{"client create", "register an OAuth 2.0 client (signature application)", clientCreate, false},
	{"audit verify", "check the audit log's hash chain", auditVerify, false},
	{"cert suspend", "put a credential's certificate on hold (certificateHold)", certAction("suspend"), true},
	{"cert reactivate", "lift a hold", certAction("reactivate"), true},
	{"cert revoke", "revoke a certificate for good and destroy its key", certAction("revoke"), true},
	{"cert renew", "new key and certificate under the same credential ID", certAction("renew"), true},
	{"cert status", "show a credential's certificate status", certAction("status"), true},
	{"coupon create", "create a shop coupon (percent or amount, window, max uses)", couponCreate, true},
	{"coupon list", "list the shop's coupons and their uses", couponList, true},
	{"enrol list", "list shop orders (enrolments) with state and UserID", enrolList, true},
	{"enrol show", "show one enrolment: order, customer, consents", enrolShow, true},
	{"csca import", "trust CSCAs: a verified master list (--masterlist, --anchor) or one --cert", cscaImport, true},
	{"csca crl import", "keep a CSCA's CRL (checked against the trusted CSCAs)", cscaCRLImport, true},
	{"csca list", "list the trusted CSCAs and CRLs", cscaList, true},
	{"operator create", "create a registration officer of the console (prints the TOTP URI once)", officerCreate, true},
	{"operator list", "list registration officers and whether their training is current", officerList, true},
	{"operator trained", "record a registration officer's training day", officerTrained, false},
	{"operator disable", "end a registration officer's access to the console", officerDisable, false},
	{"evidence seal", "seal an enrolment's evidence bundle (again: a new manifest version)", evidenceSeal, true},
	{"evidence verify", "check an evidence bundle: every file's hash, the seal, the time-stamp, the audit record", evidenceVerify, true},
	{"evidence export", "write an evidence bundle as a ZIP for an auditor (-o FILE.zip)", evidenceExport, true},
	{"evidence purge", "delete the evidence whose retention ended (--dry-run to look first)", evidencePurge, true},
	{"sign", "sign local files (PAdES for PDFs, CAdES .p7m/.p7s for any file) through any CSC server", signCommand, false},
	{"verify", "check .p7m/.p7s signatures locally: signers, times, level, content; --extract the signed file", verifyCommand, false},
}

func certAction(action string) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error { return certCommand(ctx, action, args) }
}

// usage lists every command and the global flags.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: qesctl [--data DIR] [--json] <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-18s%s\n", c.name, c.summary)
	}
	b.WriteString(`
global flags (before or after the command):
  --data DIR   data directory of qesd (default ./var); not for sign
  --json       print the result as JSON (holder create, cert ...)

Run "qesctl <command> -h" for the flags of a command.
Commands other than sign act on a running qesd through its admin socket in
--data, or on the data directory directly when no qesd is running.

Secrets never need the command line, where other users can read them
(ps, shell history): each is read from its environment variable, else
asked on the terminal, else read as one line of standard input, in order:
  holder create   QES_PASSWORD, QES_PIN
  holder unblock  QES_PUK, QES_NEW_PIN
  operator create QES_PASSWORD
  sign            QES_PASSWORD, QES_PIN, QES_OTP
The old flags (--password, --pin, --puk, --new-pin, --otp) still work but
are deprecated.
`)
	return b.String()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // the flag set printed the help asked for
		}
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
	global, rest, help, err := splitGlobalFlags(args)
	if err != nil {
		fmt.Fprint(os.Stderr, usage())
		return err
	}
	if help || (len(rest) == 1 && rest[0] == "help") {
		fmt.Fprint(os.Stdout, usage())
		return nil
	}
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(rest) < len(words) || !slices.Equal(rest[:len(words)], words) {
			continue
		}
		if c.name == "sign" && slices.Contains(global, "--data") {
			return errors.New("sign is a CSC client of a server (--server URL) and takes no --data")
		}
		if c.name == "verify" && slices.Contains(global, "--data") {
			return errors.New("verify checks local files and takes no --data")
		}
		if !c.json && slices.Contains(global, "--json") {
			return fmt.Errorf("%s has no --json output", c.name)
		}
		// The global flags go first, so that the same flag given after the
		// command (parsed later) wins.
		return c.run(ctx, append(global, rest[len(words):]...))
	}
	fmt.Fprint(os.Stderr, usage())
	return errUsage
}

// splitGlobalFlags takes the flags before the command: --data DIR (or
// --data=DIR) and --json, returned in a form every command's flag set
// parses, and -h/--help.
func splitGlobalFlags(args []string) (global, rest []string, help bool, err error) {
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		switch name {
		case "h", "help":
			return nil, nil, true, nil
		case "json":
			global = append(global, "--json")
			args = args[1:]
		case "data":
			if !hasValue {
				if len(args) < 2 {
					return nil, nil, false, errors.New("--data needs a directory")
				}
				value, args = args[1], args[1:]
			}
			global = append(global, "--data", value)
			args = args[1:]
		default:
			return nil, nil, false, fmt.Errorf("unknown global flag %s (global flags are --data DIR and --json; a command's own flags go after it)", args[0])
		}
	}
	return global, args, false, nil
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

// The demo identity, the same as qesd's demo holder: only with --demo, so
// that a forgotten flag cannot certify a fake person in a qualified
// certificate.
const demoGivenName, demoSurname, demoSemanticsID = "Mario", "Rossi", "TINIT-RSSMRA80A01H501U"

func holderCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("holder create", flag.ContinueOnError)
	data := fs.String("data", "./var", "data directory")
	var r operator.HolderRequest
	fs.StringVar(&r.UserID, "user", "", "user ID (required)")
	fs.StringVar(&r.Password, "password", "", "deprecated (visible to other users): set QES_PASSWORD, pipe it or answer the prompt")
	fs.StringVar(&r.PIN, "pin", "", "deprecated (visible to other users): set QES_PIN, pipe it or answer the prompt")
	fs.StringVar(&r.Phone, "phone", "", "mobile number for SMS OTPs, e.g. +393331234567 (required)")
	fs.StringVar(&r.Email, "email", "", "e-mail address (required)")
	fs.StringVar(&r.Key, "key", "ec-p256", "key type: ec-p256, ec-p384, rsa-2048, rsa-3072")
	fs.StringVar(&r.GivenName, "given-name", "", "given name as in the identity document (required)")
	fs.StringVar(&r.Surname, "surname", "", "surname as in the identity document (required)")
	fs.StringVar(&r.Country, "country", "IT", "country (ISO 3166-1 alpha-2)")
	fs.StringVar(&r.SemanticsID, "id", "", "natural person identifier (ETSI EN 319 412-1), e.g. TINIT-<tax code> (required)")
	fs.StringVar(&r.Lang, "lang", "en", "language: en or it")
	demo := fs.Bool("demo", false, "development only: an identity not given is the demo person's ("+demoGivenName+" "+demoSurname+", "+demoSemanticsID+")")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = commandUsage(fs, "qesctl holder create --user ID --phone +39... --email E --given-name G --surname S --id TINIT-... [flags]",
		"The password and the signing PIN (6-8 digits) come from QES_PASSWORD and QES_PIN, else the prompt, else\none line each of standard input, in that order.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	warnSecretFlags(fs, os.Stderr, map[string]string{"password": "QES_PASSWORD", "pin": "QES_PIN"})
	if *demo {
		r.GivenName = cmp.Or(r.GivenName, demoGivenName)
		r.Surname = cmp.Or(r.Surname, demoSurname)
		r.SemanticsID = cmp.Or(r.SemanticsID, demoSemanticsID)
	}
	if r.UserID == "" || r.Phone == "" || r.Email == "" {
		fs.Usage()
		return errors.New("--user, --phone and --email are required")
	}
	if r.GivenName == "" || r.Surname == "" || r.SemanticsID == "" {
		fs.Usage()
		return errors.New("the certificate is qualified: --given-name, --surname and --id (natural person identifier) are required, as in the holder's identity document (--demo fills in a demo person for development)")
	}
	sio := defaultSignIO()
	var err error
	if r.Password, err = sio.secret(r.Password, "QES_PASSWORD", "Password for "+r.UserID+": "); err != nil {
		return err
	}
	if r.PIN, err = sio.secret(r.PIN, "QES_PIN", "Signing PIN for "+r.UserID+" (6-8 digits): "); err != nil {
		return err
	}
	var res operator.HolderResult
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
	var r operator.UnblockRequest
	fs.StringVar(&r.UserID, "user", "", "user ID (required)")
	fs.StringVar(&r.CredentialID, "credential", "", "credential ID (required)")
	fs.StringVar(&r.PUK, "puk", "", "deprecated (visible to other users): set QES_PUK, pipe it or answer the prompt")
	fs.StringVar(&r.NewPIN, "new-pin", "", "deprecated (visible to other users): set QES_NEW_PIN, pipe it or answer the prompt")
	fs.Usage = commandUsage(fs, "qesctl holder unblock --user ID --credential C",
		"The PUK and the new PIN come from QES_PUK and QES_NEW_PIN, else the prompt, else one line each of\nstandard input, in that order.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	warnSecretFlags(fs, os.Stderr, map[string]string{"puk": "QES_PUK", "new-pin": "QES_NEW_PIN"})
	if r.UserID == "" || r.CredentialID == "" {
		fs.Usage()
		return errors.New("--user and --credential are required")
	}
	sio := defaultSignIO()
	var err error
	if r.PUK, err = sio.secret(r.PUK, "QES_PUK", "PUK of "+r.CredentialID+": "); err != nil {
		return err
	}
	if r.NewPIN, err = sio.secret(r.NewPIN, "QES_NEW_PIN", "New signing PIN (6-8 digits): "); err != nil {
		return err
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
	var r operator.ClientRequest
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
	var res operator.ClientResult
	if err := app.Call(ctx, *data, "client/create", r, &res, opener(*data)); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
