// Command qesd is the qes remote signing service: the CSC API, the CA's
// distribution points and, for the embedded default, its own SoftHSM2 token.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/qesproject/qes/hsm/pkcs11"
	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/operator"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "qesd:", err)
		os.Exit(1)
	}
}

func run() error {
	// `qesd init` does a first start's work (token, schema, CA, service
	// keys, demo holder) and exits without serving: run it once before
	// starting several nodes on one database and one token, so that they
	// do not race to create the same things.
	initOnly := len(os.Args) > 1 && os.Args[1] == "init"
	if initOnly {
		os.Args = append(os.Args[:1], os.Args[2:]...)
	}
	data := flag.String("data", "./var", "data directory (database, audit log, dev outbox, embedded token)")
	listen := flag.String("listen", "", "address to serve on (default 127.0.0.1:8080, or the config file's)")
	demo := flag.Bool("demo", true, "create a demo holder on first start and print its credentials")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: qesd [init] [--data DIR] [--listen ADDR] [--demo=false]\n\n"+
			"  init  prepare token, database, CA, service keys and the demo holder, then exit (once per deployment)")
		flag.PrintDefaults()
	}
	flag.Parse()

	// A build without cgo has no PKCS#11 key manager: say so before the data
	// directory, the database or a token is touched.
	if err := pkcs11.Available(); err != nil {
		return err
	}
	cfg, err := config.Load(*data)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
		if cfg.PublicURL == "http://127.0.0.1:8080" {
			cfg.PublicURL = "http://" + *listen
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	// Operators must be able to tell from the log which secret unlocked the
	// token (issue 17): the source, never the PIN.
	a.Log.Info("hsm PIN source", "source", a.HSMPINSource)
	if *demo {
		d, created, err := a.Operator.EnsureDemoHolder(ctx)
		if err != nil {
			return err
		}
		printDemo(d, created, a.Operator.DemoFile())
	}
	if initOnly {
		a.Log.Info("qesd initialised", "data", cfg.DataDir, "node", cfg.Node)
		return nil
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	a.Log.Info("qesd serving", "url", cfg.PublicURL, "listen", ln.Addr().String(), "data", cfg.DataDir, "node", cfg.Node, "outbox", a.Outbox.Path())
	if err := a.Run(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func printDemo(d *operator.Demo, created bool, file string) {
	if d == nil {
		return
	}
	if created {
		fmt.Println("Created the demo holder (development only; also saved in " + file + "):")
	} else {
		fmt.Println("Demo holder (from " + file + "):")
	}
	fmt.Printf("  user ID:        %s\n  password:       %s\n  PIN:            %s\n  PUK:            %s\n  emergency code: %s\n  credential ID:  %s\n  SMS OTPs go to the dev outbox for %s\n",
		d.UserID, d.Password, d.PIN, d.PUK, d.ERC, d.CredentialID, d.Phone)
}
