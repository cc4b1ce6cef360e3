// Package app wires qes together from a configuration: the token, the
// database, the audit log, the CA and the services, and the HTTP handler.
// qesd, qesctl and the end-to-end tests share it, so that tests run exactly
// what users run.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/activation"
	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/bundle"
	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/ca/ocsp"
	"github.com/qesproject/qes/device"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/evidence"
	"github.com/qesproject/qes/history"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/hsm/pkcs11"
	"github.com/qesproject/qes/hsm/softhsm"
	"github.com/qesproject/qes/identity"
	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/metrics"
	"github.com/qesproject/qes/internal/reqid"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/lifecycle"
	"github.com/qesproject/qes/oauth"
	"github.com/qesproject/qes/officer"
	"github.com/qesproject/qes/operator"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/portal"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage/backend"
	"github.com/qesproject/qes/trust"
	"github.com/qesproject/qes/tsa"
)

// Options adjust wiring for tests and tools.
type Options struct {
	// Now replaces the clock (tests).
	Now func() time.Time
	// Argon overrides the configured argon2id cost (tests use secret.Fast).
	Argon *secret.Params
	// Sender replaces the dev outbox (never in production wiring).
	Sender otp.Sender
	// Log is the logger; nil logs to stderr at the configured level.
	Log *slog.Logger
	// HSM is an already open token to use instead of the configured one.
	// SoftHSM2 reads its configuration once per process, so tests that
	// start several servers share one token; the App does not close it.
	HSM hsm.Manager
	// MetricsListener, when set, serves /metrics instead of the configured
	// metrics.listen address (tests pass one on 127.0.0.1:0).
	MetricsListener net.Listener
}

// App is a running qes.
type App struct {
	Cfg *config.Config
	Log *slog.Logger
	Now func() time.Time
	// Store is the configured back end (storage/backend: bbolt by
	// default, or PostgreSQL).
	Store       backend.Store
	HSM         hsm.Manager
	Audit       *audit.Log
	Outbox      *otp.Outbox
	OTP         *otp.Service
	CA          *ca.Service
	Credentials *sam.Service
	Tokens      *authn.Service // bearer tokens of the CSC API
	OAuth       *oauth.Server  // the OAuth 2.0 authorization server
	Authorities *ca.Authorities
	TSA         *tsa.TSA
	OCSP        *ocsp.Responder  // delegated responder over the register (revocation.go)
	CRLs        *ca.CRLPublisher // issuing and root CRLs
	Lifecycle   *lifecycle.Service

	// Accounts are the holders' accounts: password and lockout, auth/login,
	// authenticator apps, recovery contacts and the portal's self-service.
	Accounts *account.Service
	// Sessions are the portal's web sessions.
	Sessions *portal.Sessions
	// History is the holder's signing report and daily summary; Recorder
	// writes the history off the signing path and is drained on Close.
	History  *history.Service
	Recorder *history.Recorder
	// Enrol is the shop: customers, orders, payments, details (shop.go);
	// DevPayments is the development payment provider, when configured.
	Enrol       *enrol.Service
	DevPayments *enrol.DevProvider
	// Trust is the CSCA trust store identity proofing verifies chips against.
	Trust *trust.Service

	// Devices, Identity and Evidence serve the enrolment app: its
	// device-bound sessions, the identification sessions and the evidence
	// kept at rest (appapi.go).
	Devices  *device.Service
	Identity *identity.Service
	Evidence *evidence.Store
	// Bundles seal, verify, export and purge enrolments' evidence
	// bundles (bundle.go).
	Bundles *bundle.Service

	// Activation is the holder's first access, the activation of an
	// enrolled credential and the activation deadline (activation.go).
	Activation *activation.Service

	// Operator runs qesctl's requests (the admin socket's route table).
	Operator *operator.Service

	// Officers are the registration officers and their reviews; the
	// console reads the identification's files from Evidence (console.go).
	Officers *officer.Service

	// HSMPINSource says where the token user PIN came from, for the
	// start-up log; empty when Options.HSM supplied the token.
	HSMPINSource string

	// Metrics are the Prometheus collectors (metrics.go); Run serves them
	// on their own listener when one is configured.
	Metrics   *metrics.Metrics
	metricsLn net.Listener
	// tokenProbe is the readiness check of the token under way (ready.go).
	tokenProbeMu sync.Mutex
	tokenProbe   *tokenProbe
	// extraJobs run besides periodicJobs (tests, through export_test.go).
	extraJobs []job
	// statusEpoch is the certificate register's epoch RunStatusSync saw last.
	statusEpoch atomic.Uint64
	// leaseObserved, for tests, sees each lease decision of a job loop.
	leaseObserved func(job string, held bool)

	sharedHSM bool
}

// Open prepares everything the configuration describes, creating what is
// missing (token, database, CA hierarchy, service keys) and reusing what
// exists.
func Open(ctx context.Context, cfg *config.Config, opts Options) (_ *App, err error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	a := &App{Cfg: cfg, Log: opts.Log, Now: opts.Now, Metrics: metrics.New(), metricsLn: opts.MetricsListener}
	if a.Log == nil {
		a.Log = NewLogger(cfg.Log)
	}
	a.Log = reqid.Logger(a.Log) // request_id on every line logged in a request
	if a.Now == nil {
		a.Now = time.Now
	}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()
	if opts.HSM != nil {
		a.HSM, a.sharedHSM = opts.HSM, true
	} else if a.HSM, a.HSMPINSource, err = openHSM(ctx, cfg, a.Log); err != nil {
		return nil, err
	}
	a.HSM = a.Metrics.HSM(a.HSM)
	if a.Store, err = backend.Open(ctx, cfg.Storage.Driver, cfg.Storage.DSN, cfg.DataDir); err != nil {
		return nil, err
	}
	auditOpts := []audit.Option{audit.WithLogger(a.Log), audit.WithObserver(a.Metrics.AuditObserved)}
	if cfg.Storage.Audit == config.AuditInStore {
		a.Audit, err = audit.OpenStore(ctx, a.Store, a.Now, auditOpts...)
	} else {
		a.Audit, err = audit.Open(filepath.Join(cfg.DataDir, "audit.jsonl"), a.Store, a.Now, auditOpts...)
	}
	if err != nil {
		return nil, err
	}
	a.watchStore()
	profile, err := ca.NewQualifiedProfile(ca.QualifiedProfileConfig{
		PolicyOID: cfg.CA.PolicyOID, CPSURI: cfg.CA.CPSURL,
		PDS:            []ca.PDSLocation{{URL: cfg.CA.PDSURL, Language: "en"}},
		RetentionYears: cfg.CA.RetentionYears, Validity: cfg.CA.Validity.D(),
	})
	if err != nil {
		return nil, fmt.Errorf("qualified certificate profile: %w", err)
	}
	if a.Authorities, err = ensureAuthorities(ctx, a); err != nil {
		return nil, err
	}
	if a.TSA, err = newTSA(a); err != nil {
		return nil, err
	}
	argon := cfg.Argon.Params()
	if opts.Argon != nil {
		argon = *opts.Argon
	}
	var sender otp.Sender = opts.Sender
	if sender == nil {
		outbox := cfg.Outbox
		if outbox == "" {
			outbox = filepath.Join(cfg.DataDir, "outbox.jsonl")
		}
		a.Outbox = otp.NewOutbox(outbox)
		sender = a.Outbox
	}
	sender = a.Metrics.Sender(sender)
	mac, err := a.HSM.MACKey(ctx, "secrets")
	if err != nil {
		return nil, err
	}
	sealer, err := a.HSM.Sealer(ctx, "secrets")
	if err != nil {
		return nil, err
	}
	a.OTP = otp.New(a.Store, mac, sender, a.Now, otp.Config{})
	a.CA = ca.NewService(ca.ServiceConfig{
		Store: a.Store, Issuer: a.Authorities.Issuing, Chain: a.Authorities.IssuingChain, Profile: profile,
		Lifecycle: ca.Lifecycle{MaxSuspension: cfg.CA.MaxSuspension.D()}, Now: a.Now, Log: a.Log,
	})
	if err := a.openRevocation(ctx); err != nil {
		return nil, err
	}
	tokenSigner, err := authn.NewTokenSigner(a.Authorities.TokenKey, cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	a.Tokens = authn.New(authn.Deps{Store: a.Store, MAC: mac, Signer: tokenSigner, Now: a.Now}, authn.Config{})
	a.Recorder = history.NewRecorder(a.Store, a.Log)
	a.Credentials = sam.New(sam.Deps{
		Store: a.Store, Keys: a.Metrics.SigningKeys(a.HSM), MAC: mac, Sealer: sealer, Issuer: samIssuer{a.CA},
		OTP: a.OTP, Audit: a.Audit, History: a.Recorder, Log: a.Log, Now: a.Now,
	}, sam.Config{Argon: argon, Multisign: cfg.Service.Multisign})
	// Intents a crash left in the store's outbox go into the log before
	// anything new is signed.
	if n, err := a.Credentials.RelayAuditOutbox(ctx); err != nil {
		return nil, fmt.Errorf("relay the audit outbox: %w", err)
	} else if n > 0 {
		a.Log.Warn("signature intents recovered from the audit outbox", "count", n)
	}
	a.Accounts = account.New(account.Deps{
		Store: a.Store, SAM: a.Credentials, Sealer: sealer, Tokens: a.Tokens, OTP: a.OTP, Audit: a.Audit, Notify: sender,
		Log: a.Log, Now: a.Now,
	}, account.Config{Argon: argon})
	a.History = history.New(history.Deps{
		Store: a.Store, Credentials: a.Credentials, Audit: a.Audit, Notify: sender, Log: a.Log, Now: a.Now,
	}, history.Config{})
	a.Lifecycle = lifecycle.New(lifecycle.Deps{
		SAM: lifecycleSAM{sam: a.Credentials, accounts: a.Accounts}, Store: a.Store, Keys: a.HSM, Issuer: a.CA, OTP: a.OTP, Audit: a.Audit,
		Register: a.CA, Notify: sender, Log: a.Log, Now: a.Now,
	}, lifecycle.Config{})
	samCfg := a.Credentials.Config()
	a.OAuth = oauth.New(oauth.Deps{
		Store: a.Store, SAM: a.Credentials, Accounts: a.Accounts, Tokens: a.Tokens, MAC: mac, Audit: a.Audit, Log: a.Log, Now: a.Now,
	}, oauth.Config{Multisign: samCfg.Multisign, SADLifetime: samCfg.SADLifetime, AccessTokenTTL: a.Accounts.Config().AccessTokenTTL})
	a.Sessions = portal.NewSessions(portal.SessionDeps{
		Account: a.Accounts, Store: a.Store, MAC: mac, Audit: a.Audit, Log: a.Log, Now: a.Now,
	}, portal.SessionConfig{})
	if err := a.openEvidence(ctx); err != nil {
		return nil, err
	}
	a.openEnrol(mac, sender, argon)
	a.Trust = trust.New(trust.Deps{Store: a.Store, Audit: a.Audit, Log: a.Log, Now: a.Now})
	// The chip step trusts exactly the CSCAs qesctl csca imported.
	a.openAppAPI(mac, trust.View{Store: a.Store})
	// Officers keep their decisions in the app's evidence store.
	a.openOfficers(mac, sealer, argon)
	if err := a.openBundles(ctx); err != nil {
		return nil, err
	}
	a.openActivation(sender, argon)
	a.Operator = a.newOperator()
	return a, nil
}

// Close releases everything Open acquired. Call it after Serve returned:
// the signing history still queued is written before the store closes.
func (a *App) Close() error {
	var errsList []error
	if a.Recorder != nil {
		errsList = append(errsList, a.Recorder.Close())
	}
	if a.Credentials != nil && a.Audit != nil {
		// Intents on their way from the outbox: in the log and out of the
		// outbox before either closes (left there, the next start relays
		// them again).
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := a.Credentials.DrainAuditRelay(ctx); err != nil {
			a.Log.Warn("audit relay not drained; the next start relays what is left", "err", err)
		}
		cancel()
	}
	if a.Audit != nil {
		errsList = append(errsList, a.Audit.Close())
	}
	if a.Store != nil {
		errsList = append(errsList, a.Store.Close())
	}
	if a.HSM != nil && !a.sharedHSM {
		errsList = append(errsList, a.HSM.Close())
	}
	return errors.Join(errsList...)
}

// NewLogger builds the process logger: text on stderr, or JSON.
func NewLogger(c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.JSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// openHSM opens the configured token and says where its user PIN came from
// (never the PIN). The embedded default creates a private SoftHSM2 token
// under <data>/hsm whose user PIN is generated into <data>/hsm/pin (or is
// QES_HSM_PIN when set); its SO PIN lives only while the token is
// initialised. A configured module takes its PIN from pkcs11.ResolvePIN.
func openHSM(ctx context.Context, cfg *config.Config, log *slog.Logger) (hsm.Manager, string, error) {
	module := cfg.HSM.Module
	var pin, source string
	var embedded *softhsm.Token
	if cfg.HSM.Embedded() {
		var err error
		if module, err = softhsm.FindModule(); err != nil {
			return nil, "", err
		}
		dir := cfg.TokenDir()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", fmt.Errorf("create token directory: %w", err)
		}
		// Nodes sharing the token directory open it one at a time (see
		// softhsm.Token.Lock), until the login below is done.
		unlock, err := softhsm.Token{Dir: dir}.Lock()
		if err != nil {
			return nil, "", err
		}
		defer unlock()
		embedded = &softhsm.Token{Dir: dir}
		if pin = os.Getenv(pkcs11.PINEnv); pin != "" {
			source = "environment " + pkcs11.PINEnv
		} else {
			// A new random PIN cannot open a token initialised with the lost
			// one (and no SO PIN is kept to reset it): say so plainly.
			if _, err := os.Stat(cfg.HSM.PINFile); errors.Is(err, os.ErrNotExist) {
				if exists, err := (softhsm.Token{Dir: dir, Label: cfg.HSM.TokenLabel}).Exists(ctx); err != nil {
					return nil, "", err
				} else if exists {
					return nil, "", fmt.Errorf("the embedded token %q under %s exists but its PIN file %s is missing: restore it or set %s", cfg.HSM.TokenLabel, dir, cfg.HSM.PINFile, pkcs11.PINEnv)
				}
			}
			if pin, err = readOrCreatePIN(cfg.HSM.PINFile); err != nil {
				return nil, "", err
			}
			source = "embedded token file " + cfg.HSM.PINFile
		}
		// Data directories from before the SO PIN was dropped still hold
		// it; it is never opened, only pointed out.
		if _, err := os.Lstat(filepath.Join(dir, "so-pin")); err == nil {
			log.Warn("the embedded token's SO PIN file is not used by qes: keep it offline or delete it", "path", filepath.Join(dir, "so-pin"))
		}
		tok := softhsm.Token{Dir: dir, Label: cfg.HSM.TokenLabel, PIN: pin}
		if _, err := tok.Ensure(ctx); err != nil {
			return nil, "", err
		}
		if err := tok.Activate(); err != nil {
			return nil, "", err
		}
	} else {
		var err error
		pin, source, err = pkcs11.ResolvePIN(pkcs11.PINSources{
			TokenLabel: cfg.HSM.TokenLabel, DataDir: cfg.DataDir, PINFile: cfg.HSM.PINFile})
		if err != nil {
			return nil, "", err
		}
	}
	hcfg := hsm.Config{Module: module, TokenLabel: cfg.HSM.TokenLabel, PIN: pin,
		MaxSessions: cfg.HSM.MaxSessions, PoolWaitTimeout: cfg.HSM.PoolWaitTimeout.D()}
	if embedded != nil {
		// Nodes sharing the token directory change its objects one at a
		// time, each having caught up with the others' (hsm.Config).
		hcfg.ObjectLock = embedded.Lock
	}
	m, err := pkcs11.Open(ctx, hcfg)
	if err != nil {
		// A wrong PIN is the commonest failure: say which source gave it.
		return nil, "", fmt.Errorf("%w (user PIN from %s)", err, source)
	}
	if embedded != nil {
		return lockedClose{Manager: m, tok: *embedded}, source, nil
	}
	return m, source, nil
}

// lockedClose logs out of the embedded token under the token directory's
// lock: the logout rewrites the token file another node may be reading.
type lockedClose struct {
	hsm.Manager
	tok softhsm.Token
}

func (l lockedClose) Close() error {
	unlock, err := l.tok.Lock()
	if err != nil {
		return errors.Join(err, l.Manager.Close())
	}
	defer unlock()
	return l.Manager.Close()
}

func readOrCreatePIN(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(raw)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	pin, err := softhsm.RandomPIN()
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(pin+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return pin, nil
}
