package main_test

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/pgtest"
)

// qesCluster is N qesd processes on 127.0.0.1 over one PostgreSQL
// database, one SoftHSM2 token directory and one development outbox, as
// the README's "Three nodes on one PostgreSQL" runs them: `qesd init` once
// with the first node's configuration, then every node with its own data
// directory, address and name.
type qesCluster struct {
	dsn        string
	shared     string // token/ and outbox.jsonl
	nodes      []*clusterNode
	jobEvery   time.Duration
	statusSync time.Duration
	demo       map[string]string
}

// clusterNode is one qesd of the cluster; its process changes when the
// test kills and restarts it, its data directory and name do not.
type clusterNode struct {
	name, data, addr string
	bin              string // the qesd binary
	dsn              string // the deployment's database (clusterIntents may read the chain there)

	mu    sync.Mutex
	cmd   *exec.Cmd
	lines []string // what every process of this node printed, in order
}

func (n *clusterNode) base() string { return "http://" + n.addr }

// clusterOptions shape the cluster's qes.json.
type clusterOptions struct {
	jobEvery, statusSync time.Duration
	multisign            int
	logLevel             string // default debug: the test reads the job runs
}

// startCluster initialises the deployment and starts n nodes, stopped
// (SIGKILL) when the test ends.
func startCluster(t testing.TB, n int, o clusterOptions) *qesCluster {
	t.Helper()
	dsn := pgtest.DSN(t)
	c := &qesCluster{dsn: dsn, shared: t.TempDir(), jobEvery: o.jobEvery, statusSync: o.statusSync}
	root := t.TempDir()
	for i := range n {
		c.nodes = append(c.nodes, &clusterNode{name: fmt.Sprintf("node%d", i+1), data: filepath.Join(root, fmt.Sprintf("node%d", i+1)),
			addr: freePort(t), bin: testutil.Binary(t, "qesd"), dsn: dsn})
	}
	for _, node := range c.nodes {
		conf := map[string]any{
			"node": node.name,
			// One public URL for every node, as behind a load balancer: it
			// is the access tokens' issuer and goes into the certificates.
			"publicURL": c.nodes[0].base(),
			"storage":   map[string]any{"driver": "postgres", "dsn": dsn},
			"hsm":       map[string]any{"tokenDir": filepath.Join(c.shared, "token")},
			"outbox":    filepath.Join(c.shared, "outbox.jsonl"),
			"argon2id":  map[string]any{"time": 1, "memoryKiB": 64, "threads": 1},
			"log":       map[string]any{"level": cmp.Or(o.logLevel, "debug")},
			"jobs":      map[string]any{"every": o.jobEvery.String(), "statusSync": o.statusSync.String()},
		}
		if o.multisign > 0 {
			conf["service"] = map[string]any{"multisign": o.multisign}
		}
		raw, _ := json.Marshal(conf)
		if err := os.MkdirAll(node.data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(node.data, "qes.json"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, node := range c.nodes {
			node.kill()
		}
	})
	// Token, schema, CA, service keys and the demo holder, once.
	first := c.nodes[0]
	init := exec.Command(testutil.Binary(t, "qesd"), "init", "--data", first.data, "--listen", first.addr)
	init.Env = append(os.Environ(), "SOFTHSM2_CONF=")
	if out, err := init.CombinedOutput(); err != nil || !strings.Contains(string(out), "qesd initialised") {
		t.Fatalf("qesd init: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(first.data, "demo-holder.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &c.demo); err != nil {
		t.Fatal(err)
	}
	// The nodes start together, as after a deployment.
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, node := range c.nodes {
		wg.Go(func() { errs[i] = node.start() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return c
}

// start launches the node's qesd and waits until it serves.
func (n *clusterNode) start() error {
	cmd := exec.Command(n.bin, "--data", n.data, "--listen", n.addr, "--demo=false")
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF=")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	n.mu.Lock()
	n.cmd = cmd
	n.mu.Unlock()
	ready := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		served := false
		for sc.Scan() {
			n.mu.Lock()
			n.lines = append(n.lines, sc.Text())
			n.mu.Unlock()
			if !served && strings.Contains(sc.Text(), "qesd serving") {
				served = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
		return nil
	case <-exited:
		return fmt.Errorf("%s exited before serving:\n%s", n.name, n.output())
	case <-time.After(90 * time.Second):
		n.kill()
		return fmt.Errorf("%s did not start:\n%s", n.name, n.output())
	}
}

// kill ends the node's process with SIGKILL: no drain, no lease released,
// nothing flushed.
func (n *clusterNode) kill() {
	n.mu.Lock()
	cmd := n.cmd
	n.cmd = nil
	n.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

func (n *clusterNode) output() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.lines, "\n")
}

// clusterClient is a CSC client of one holder that talks to whichever node
// each call names: the access token and the SADs live in the database.
type clusterClient struct {
	t      testing.TB
	http   *http.Client
	outbox string
	user   map[string]string // userID, password, pin, credentialID
	token  string
}

func (c *qesCluster) client(t testing.TB, user map[string]string, conns int) *clusterClient {
	return &clusterClient{t: t, outbox: filepath.Join(c.shared, "outbox.jsonl"), user: user,
		http: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns}}}
}

func (c *clusterClient) post(n *clusterNode, path string, body any) (int, map[string]any, error) {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, n.base()+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else {
		req.SetBasicAuth(c.user["userID"], c.user["password"])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out := map[string]any{}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out, nil
}

func (c *clusterClient) must(n *clusterNode, path string, body any) map[string]any {
	c.t.Helper()
	st, out, err := c.post(n, path, body)
	if err != nil || st/100 != 2 {
		c.t.Fatalf("%s on %s: %d %v %v", path, n.name, st, out, err)
	}
	return out
}

// login takes an access token on node n.
func (c *clusterClient) login(n *clusterNode) {
	c.t.Helper()
	c.token = ""
	c.token = c.must(n, "/csc/v2/auth/login", map[string]any{})["access_token"].(string)
}

// lastOTP is the newest code in the shared development outbox, whichever
// node sent it.
func (c *clusterClient) lastOTP() string {
	c.t.Helper()
	f, err := os.Open(c.outbox)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	var code string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		var m struct{ Code string }
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.Code != "" {
			code = m.Code
		}
	}
	return code
}

// authorize gets one SAD for hashes on node n (PIN and the OTP node n sent).
func (c *clusterClient) authorize(n *clusterNode, hashes []string) string {
	c.t.Helper()
	cred := c.user["credentialID"]
	c.must(n, "/csc/v2/credentials/getChallenge", map[string]any{"credentialID": cred, "authObjectID": "OTP"})
	out := c.must(n, "/csc/v2/credentials/authorize", map[string]any{"credentialID": cred, "numSignatures": len(hashes), "hashes": hashes,
		"authData": []map[string]string{{"id": "PIN", "value": c.user["pin"]}, {"id": "OTP", "value": c.lastOTP()}}})
	return out["SAD"].(string)
}

// signHash signs hashes with sad on node n; the signatures come back in
// the hashes' order.
func (c *clusterClient) signHash(n *clusterNode, sad string, hashes []string) (int, []string, error) {
	st, out, err := c.post(n, "/csc/v2/signatures/signHash", map[string]any{"credentialID": c.user["credentialID"], "SAD": sad,
		"hashes": hashes, "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.10045.4.3.2"})
	if err != nil || st != http.StatusOK {
		return st, nil, err
	}
	raw, _ := out["signatures"].([]any)
	if len(raw) != len(hashes) {
		return st, nil, fmt.Errorf("signHash on %s answered %d signatures for %d hashes", n.name, len(raw), len(hashes))
	}
	sigs := make([]string, len(raw))
	for i, s := range raw {
		sigs[i], _ = s.(string)
	}
	return st, sigs, nil
}

// refused reports whether err says the node was not listening: the
// request never reached a qesd, so it may go to another node.
func refused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// randomHashes makes n SHA-256-sized digests, base64 and raw.
func randomHashes(n int) ([]string, map[string][]byte) {
	out := make([]string, n)
	raw := make(map[string][]byte, n)
	for i := range out {
		d := make([]byte, 32)
		_, _ = rand.Read(d)
		out[i] = base64.StdEncoding.EncodeToString(d)
		raw[out[i]] = d
	}
	return out, raw
}
