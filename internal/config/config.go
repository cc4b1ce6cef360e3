// Package config is qes's configuration: a JSON file (optional; every field
// has a default that runs the embedded service), decoded strictly so that a
// misspelt key is an error rather than a silently ignored setting.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/secret"
)

// Config is the whole configuration.
type Config struct {
	// DataDir holds the database, the audit log, the dev outbox and the
	// embedded SoftHSM2 token. Set by --data, not by the file.
	DataDir string `json:"-"`
	// Listen is the address to serve on (default 127.0.0.1:8080).
	Listen string `json:"listen"`
	// PublicURL is how clients reach the service; it goes into certificates
	// (AIA, CRL DP), OAuth redirects and info. Default http://<Listen>.
	PublicURL string   `json:"publicURL"`
	TLS       TLS      `json:"tls"`
	HSM       HSM      `json:"hsm"`
	Argon     Argon    `json:"argon2id"`
	Service   Service  `json:"service"`
	CA        CA       `json:"ca"`
	TSA       TSA      `json:"tsa"`
	Log       Log      `json:"log"`
	Enrol     Enrol    `json:"enrol"`
	Payments  Payments `json:"payments"`
	Evidence  Evidence `json:"evidence"`
	// Metrics serves /metrics on an address of its own (see Metrics).
	Metrics Metrics `json:"metrics"`
	// Storage selects the database back end (storage.go).
	Storage Storage `json:"storage"`
	// DrainTimeout bounds a graceful shutdown (SIGTERM, SIGINT): in-flight
	// requests and running background jobs get this long to finish before
	// they are cut off and the audit log and the store close (default 30s).
	DrainTimeout Duration `json:"drainTimeout"`
	// Node names this process among the qesd nodes sharing one database:
	// it holds the leases of the background jobs it runs. Default: the
	// host name and the process ID, unique per running process.
	Node string `json:"node"`
	// Outbox is the development outbox file the one-time codes and
	// notices go to (default <data>/outbox.jsonl). Nodes of one
	// deployment in development name one file, so that a code is found
	// whichever node sent it; appends of a line are atomic.
	Outbox string `json:"outbox"`
	// Jobs sets the background jobs' intervals.
	Jobs Jobs `json:"jobs"`
}

// Jobs sets the background jobs' intervals; the defaults suit production,
// tests shorten them to see several ticks.
type Jobs struct {
	// Every is the interval of the periodic jobs (janitor, lifecycle and
	// CRLs, activation, sessions, issuance; default 1m). A job's lease is
	// held for three intervals.
	Every Duration `json:"every"`
	// StatusSync is how often every node looks for certificate status
	// changes other nodes committed (default 5s): the bound on an OCSP
	// answer another node's revocation has made stale.
	StatusSync Duration `json:"statusSync"`
	// Skip names periodic jobs this node never runs (nor takes the lease
	// of): e.g. a node kept for signing traffic, or a deployment that
	// still keeps evidence as files (evidence.store "files") skipping
	// "evidence" on every node but the one that has them. status-sync
	// cannot be skipped: it bounds how stale this node's OCSP answers are.
	Skip []string `json:"skip"`
}

// JobNames are the periodic jobs internal/app runs, for jobs.skip.
var JobNames = []string{"janitor", "lifecycle", "activation", "portal", "shop", "console", "app", "issuance", "status-sync", "evidence"}

func (j Jobs) validate() error {
	for _, name := range j.Skip {
		if name == "status-sync" || !slices.Contains(JobNames, name) {
			skippable := slices.DeleteFunc(slices.Clone(JobNames), func(n string) bool { return n == "status-sync" })
			return errs.M(errs.InvalidRequest, msg.ConfigJobsSkip, name, strings.Join(skippable, ", "))
		}
	}
	return nil
}

// Metrics configures the Prometheus endpoint. It is off unless Listen is
// set, and it is never on the service's own listener: the service
// listener faces clients (usually through a load balancer), and an
// address of its own keeps the scrape endpoint off that surface unless an
// operator deliberately routes it there.
type Metrics struct {
	// Listen is the address of /metrics, e.g. "127.0.0.1:9090"; empty
	// serves no metrics. It is plain HTTP: put it on a loopback or
	// management network address.
	Listen string `json:"listen"`
}

// TLS enables HTTPS. It is required to listen on anything but loopback.
type TLS struct {
	CertFile string `json:"certFile"`
	KeyFile  string `json:"keyFile"`
}

// Enabled reports whether TLS is configured.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

// HSM selects the PKCS#11 token. Empty Module means the embedded SoftHSM2
// token under <data>/hsm.
type HSM struct {
	Module     string `json:"module"`
	TokenLabel string `json:"tokenLabel"`
	// PINFile holds the token user PIN (not a holder's PIN). For the
	// embedded token it is generated at <data>/hsm/pin. For a configured
	// module it must lie outside the data directory and be readable by its
	// owner only; the QES_HSM_PIN environment variable takes precedence, and
	// when it is empty the PIN comes from the systemd credential hsm-pin or a
	// prompt (see pkcs11.ResolvePIN).
	PINFile string `json:"pinFile"`
	// TokenDir is the embedded token's directory (default <data>/hsm);
	// its PIN file defaults to <tokenDir>/pin.
	TokenDir        string   `json:"tokenDir"`
	MaxSessions     int      `json:"maxSessions"`
	PoolWaitTimeout Duration `json:"poolWaitTimeout"`
}

// TokenDir is the embedded token's directory: hsm.tokenDir, or <data>/hsm.
// Nodes of one development deployment name one directory: SoftHSM2's file
// store is shared by processes (see README, "Three nodes on one
// PostgreSQL").
func (c *Config) TokenDir() string {
	if c.HSM.TokenDir != "" {
		return c.HSM.TokenDir
	}
	return filepath.Join(c.DataDir, "hsm")
}

// Embedded reports whether qes manages its own SoftHSM2 token.
func (h HSM) Embedded() bool { return h.Module == "" }

// validate refuses a configured module's PIN file inside the data
// directory: every backup or copy of the database would carry the key to the
// token with it. (Symbolic links and the file's mode are checked when the PIN
// is read, because the file may not exist when the configuration is loaded.)
func (h HSM) validate(dataDir string) error {
	if h.Embedded() || h.PINFile == "" || dataDir == "" {
		return nil
	}
	p, err := filepath.Abs(h.PINFile)
	if err != nil {
		return errs.WrapM(err, errs.InvalidRequest, msg.ConfigPINFile, h.PINFile)
	}
	if rel, err := filepath.Rel(dataDir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return errs.M(errs.InvalidRequest, msg.ConfigPINFileInDataDir, h.PINFile, dataDir)
	}
	return nil
}

// Argon are the argon2id costs for passwords, PINs and PUKs.
type Argon struct {
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memoryKiB"`
	Threads   uint8  `json:"threads"`
}

// Params converts to secret.Params.
func (a Argon) Params() secret.Params {
	return secret.Params{Time: a.Time, Memory: a.MemoryKiB, Threads: a.Threads}
}

// Service is what the CSC info method says about the service.
type Service struct {
	Name        string `json:"name"`
	Region      string `json:"region"`
	Lang        string `json:"lang"`
	Description string `json:"description"`
	// Multisign is the largest batch one authorization may cover.
	Multisign int `json:"multisign"`
	// SignDoc bounds signatures/signDoc; zero values take csc's defaults.
	SignDoc SignDoc `json:"signDoc"`
}

// SignDoc bounds signatures/signDoc (see csc.SignDocLimits).
type SignDoc struct {
	// Budget is the request bytes all signDoc calls hold at once (default 256 MiB).
	Budget int64 `json:"budget"`
	// Wait is how long a call waits for budget before a 503 (default 2s).
	Wait Duration `json:"wait"`
	// Burst and Every rate-limit calls per credential (default 100 at once, then 1 per 100ms).
	Burst int      `json:"burst"`
	Every Duration `json:"every"`
}

// CA configures the certificate authority.
type CA struct {
	Country        string   `json:"country"`
	Organization   string   `json:"organization"`
	OrgID          string   `json:"organizationIdentifier"` // e.g. VATIT-12345678901
	PolicyOID      string   `json:"policyOID"`
	CPSURL         string   `json:"cpsURL"`
	PDSURL         string   `json:"pdsURL"`
	Validity       Duration `json:"validity"`      // holder certificates, default 3 years
	MaxSuspension  Duration `json:"maxSuspension"` // default 30 days
	RetentionYears int      `json:"retentionYears"`
}

// Log configures logging.
type Log struct {
	Level string `json:"level"` // debug | info | warn | error
	JSON  bool   `json:"json"`
}

// Duration is a time.Duration written as "30s", "720h".
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errs.WrapM(err, errs.InvalidRequest, msg.ConfigDuration)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// D is the duration as time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// FileName is the configuration file inside the data directory.
const FileName = "qes.json"

// Load reads <dataDir>/qes.json if present, applies defaults and validates.
func Load(dataDir string) (*Config, error) {
	c := &Config{}
	path := filepath.Join(dataDir, FileName)
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.ConfigRead, path)
	default:
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(c); err != nil {
			return nil, errs.WrapM(err, errs.InvalidRequest, msg.ConfigFile, path)
		}
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.ConfigDataDir, dataDir)
	}
	c.DataDir = abs
	for _, p := range []*string{&c.HSM.TokenDir, &c.Outbox} {
		if *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return nil, errs.WrapM(err, errs.InvalidRequest, msg.ConfigDataDir, *p)
			}
		}
	}
	c.defaults()
	return c, c.Validate()
}

func (c *Config) defaults() {
	if c.Node == "" {
		host, _ := os.Hostname()
		c.Node = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if c.PublicURL == "" {
		scheme := "http"
		if c.TLS.Enabled() {
			scheme = "https"
		}
		c.PublicURL = scheme + "://" + c.Listen
	}
	if c.HSM.TokenLabel == "" {
		c.HSM.TokenLabel = "qes"
	}
	if c.HSM.Embedded() && c.HSM.PINFile == "" {
		c.HSM.PINFile = filepath.Join(c.TokenDir(), "pin")
	}
	if c.Outbox == "" {
		c.Outbox = filepath.Join(c.DataDir, "outbox.jsonl")
	}
	if c.Jobs.Every <= 0 {
		c.Jobs.Every = Duration(time.Minute)
	}
	if c.Jobs.StatusSync <= 0 {
		c.Jobs.StatusSync = Duration(5 * time.Second)
	}
	if c.Argon.Time == 0 {
		c.Argon = Argon{Time: secret.Default.Time, MemoryKiB: secret.Default.Memory, Threads: secret.Default.Threads}
	}
	if c.Service.Name == "" {
		c.Service.Name = "qes remote signing"
	}
	if c.Service.Region == "" {
		c.Service.Region = "IT"
	}
	if c.Service.Lang == "" {
		c.Service.Lang = "en-US"
	}
	if c.Service.Description == "" {
		c.Service.Description = "Remote qualified electronic signatures (CSC API v1/v2)"
	}
	if c.Service.Multisign == 0 {
		c.Service.Multisign = 100
	}
	if c.CA.Country == "" {
		c.CA.Country = "IT"
	}
	if c.CA.Organization == "" {
		c.CA.Organization = "qes Demo Trust Service Provider"
	}
	if c.CA.OrgID == "" {
		c.CA.OrgID = "VATIT-00000000000"
	}
	if c.CA.PolicyOID == "" {
		// Under 1.3.6.1.4.1.55555 (example arc): replace with your own PEN.
		c.CA.PolicyOID = "1.3.6.1.4.1.55555.1.1"
	}
	if c.CA.CPSURL == "" {
		c.CA.CPSURL = c.PublicURL + "/cps"
	}
	if c.CA.PDSURL == "" {
		// ETSI EN 319 412-5 wants the PDS at an https URL; an http-only
		// development service points at a reserved placeholder until the
		// operator publishes a real one.
		c.CA.PDSURL = "https://pds.qes.invalid/en.pdf"
		if strings.HasPrefix(c.PublicURL, "https://") {
			c.CA.PDSURL = c.PublicURL + "/pds/en.pdf"
		}
	}
	if c.CA.Validity == 0 {
		c.CA.Validity = Duration(3 * 365 * 24 * time.Hour)
	}
	if c.CA.MaxSuspension == 0 {
		c.CA.MaxSuspension = Duration(30 * 24 * time.Hour)
	}
	if c.CA.RetentionYears == 0 {
		c.CA.RetentionYears = 20
	}
	c.TSA.defaults(c.CA.PolicyOID, c.TLS.Enabled())
	c.Enrol.defaults()
	c.Payments.defaults()
	c.Storage.defaults()
	c.Evidence.defaults(c.Storage.Driver)
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = Duration(30 * time.Second)
	}
}

// Validate rejects configurations that would run unsafely.
func (c *Config) Validate() error {
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return errs.WrapM(err, errs.InvalidRequest, msg.ConfigListen, c.Listen)
	}
	if !isLoopback(host) && !c.TLS.Enabled() {
		return errs.M(errs.InvalidRequest, msg.ConfigListenNotLoopback, c.Listen, FileName)
	}
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			return errs.WrapM(err, errs.InvalidRequest, msg.ConfigListen, c.Metrics.Listen)
		}
	}
	if c.TLS.Enabled() && (c.TLS.CertFile == "" || c.TLS.KeyFile == "") {
		return errs.M(errs.InvalidRequest, msg.ConfigTLSIncomplete)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errs.M(errs.InvalidRequest, msg.ConfigPublicURL, c.PublicURL)
	}
	if c.Argon.Time == 0 || c.Argon.MemoryKiB < 8 || c.Argon.Threads == 0 {
		return errs.M(errs.InvalidRequest, msg.ConfigArgon2id)
	}
	if len(c.Service.Region) != 2 || strings.ToUpper(c.Service.Region) != c.Service.Region || strings.Trim(c.Service.Region, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return errs.M(errs.InvalidRequest, msg.ConfigRegion, c.Service.Region)
	}
	if len(c.Service.Name) > 255 || len(c.Service.Description) > 255 {
		return errs.M(errs.InvalidRequest, msg.ConfigServiceTextTooLong)
	}
	if c.Service.Multisign < 1 || c.Service.Multisign > 1000 {
		return errs.M(errs.InvalidRequest, msg.ConfigMultisign)
	}
	if err := c.HSM.validate(c.DataDir); err != nil {
		return err
	}
	if err := c.TSA.validate(); err != nil {
		return err
	}
	if err := c.Evidence.validate(); err != nil {
		return err
	}
	if err := c.Enrol.validate(); err != nil {
		return err
	}
	if err := c.Payments.validate(c.Listen); err != nil {
		return err
	}
	if err := c.Storage.validate(); err != nil {
		return err
	}
	if err := c.Jobs.validate(); err != nil {
		return err
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return errs.M(errs.InvalidRequest, msg.ConfigLogLevel, c.Log.Level)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
