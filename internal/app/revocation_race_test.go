package app_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/lifecycle"
)

// TestNoSignatureCompletesAfterSuspensionOrRevocation races suspensions (and
// a final revocation) against signHash on the same credential, round after
// round. The audit chain orders what happened: every signature a client
// received must have its result recorded before the change's intent, since
// a change waits for signatures in flight and none starts until it has
// committed; and every signHash answered after the change must be refused.
func TestNoSignatureCompletesAfterSuspensionOrRevocation(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	operator := lifecycle.Actor{Kind: lifecycle.ActorOperator, ID: "race-test"}
	// Each holder's credential is suspended (and reactivated), then revoked
	// for good: rounds/2 revocations and as many suspensions.
	const rounds, perRound, workers = 12, 24, 4
	holders := make([]testutil.Holder, rounds/2)
	for i := range holders {
		holders[i] = s.NewHolder(t, "ec-p256")
	}

	received := map[string]bool{} // fingerprints of signatures clients got
	for round := range rounds {
		h := holders[round/2]
		action := lifecycle.ActionSuspend
		if round%2 == 1 {
			action = lifecycle.ActionRevoke
		}
		hashes := make([]string, perRound)
		for i := range hashes {
			d := make([]byte, 32)
			_, _ = rand.Read(d)
			hashes[i] = base64.StdEncoding.EncodeToString(d)
		}
		tok := s.Login(t, "v2", h.ID, h.Password)
		sad := s.Authorize(t, tok, h, perRound, hashes...)

		work := make(chan string, perRound)
		for _, x := range hashes {
			work <- x
		}
		close(work)
		start := make(chan struct{})
		var (
			mu      sync.Mutex
			changed bool
			wg      sync.WaitGroup
			signed  int
			// The change starts once a few signatures of the round are
			// through, so that it meets others in flight.
			warm     = make(chan struct{})
			warmOnce sync.Once
			warmAt   = 1 + round%5
		)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for x := range work {
					mu.Lock()
					sentAfter := changed
					mu.Unlock()
					st, _ := s.Post(t, "/csc/v2/signatures/signHash", tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad,
						"hashes": []string{x}, "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.10045.4.3.2"})
					if st == http.StatusOK {
						d, _ := base64.StdEncoding.DecodeString(x)
						sum := sha256.Sum256(d)
						mu.Lock()
						received[hex.EncodeToString(sum[:])[:32]] = true
						if signed++; signed == warmAt {
							warmOnce.Do(func() { close(warm) })
						}
						mu.Unlock()
						if sentAfter {
							t.Errorf("round %d: a signHash sent after the %s returned was signed", round, action)
						}
					}
				}
			}()
		}
		close(start)
		<-warm
		if _, err := s.App.Lifecycle.Apply(t.Context(), operator, lifecycle.Change{Action: action, HolderID: h.ID, CredentialID: h.CredentialID, Note: "race"}); err != nil {
			t.Fatalf("round %d: %s: %v", round, action, err)
		}
		mu.Lock()
		changed = true
		mu.Unlock()
		wg.Wait()
		if action == lifecycle.ActionSuspend {
			if _, err := s.App.Lifecycle.Apply(t.Context(), operator, lifecycle.Change{Action: lifecycle.ActionReactivate, HolderID: h.ID, CredentialID: h.CredentialID}); err != nil {
				t.Fatalf("round %d: reactivate: %v", round, err)
			}
		}
	}
	if err := s.App.Audit.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}

	// Walk the chain: a result for a received signature must come before
	// the intent of the change that ended its round.
	f := bytes.NewReader(s.AuditText(t))
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	ours := map[string]bool{}
	for _, h := range holders {
		ours[h.CredentialID] = true
	}
	openChange := map[string]bool{} // credential -> a change has begun and not been undone
	checked, changes := 0, 0
	for sc.Scan() {
		var r struct {
			Seq        uint64
			Type       string
			Credential string
			Outcome    string
			Detail     map[string]string
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if !ours[r.Credential] {
			continue
		}
		switch r.Type {
		case "certificate.suspend", "certificate.revoke":
			if r.Outcome == "" { // the intent: from here the change is under way
				openChange[r.Credential] = true
				changes++
			}
		case "certificate.reactivate":
			if r.Outcome == "ok" {
				openChange[r.Credential] = false
			}
		case "signature.result":
			if r.Outcome == "ok" && received[r.Detail["hashes"]] {
				checked++
				if openChange[r.Credential] {
					t.Errorf("record %d: a signature completed after a suspension or revocation had begun", r.Seq)
				}
			}
		}
	}
	if changes != rounds || checked == 0 {
		t.Fatalf("the audit log shows %d changes and %d received signatures; want %d changes and some signatures", changes, checked, rounds)
	}
	t.Logf("%d suspensions and %d revocations raced against signHash; %d signatures received, none completed after a change began", rounds/2, rounds/2, checked)
}
