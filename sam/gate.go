package sam

import "sync"

// signingGate orders signatures against the changes that stop a credential
// from signing (suspension, revocation, renewal). A signature holds its
// credential's gate shared from the usability check until the HSM has
// answered; a change holds it exclusively while it commits. So no signature
// completes after such a change has committed, and none signs on a view of
// the certificate that a committed change made stale. Entries live only
// while someone holds them.
type signingGate struct {
	mu    sync.Mutex
	locks map[string]*gateEntry
}

type gateEntry struct {
	rw   sync.RWMutex
	refs int
}

func (g *signingGate) hold(credentialID string, exclusive bool) (release func()) {
	g.mu.Lock()
	if g.locks == nil {
		g.locks = map[string]*gateEntry{}
	}
	e := g.locks[credentialID]
	if e == nil {
		e = &gateEntry{}
		g.locks[credentialID] = e
	}
	e.refs++
	g.mu.Unlock()
	if exclusive {
		e.rw.Lock()
	} else {
		e.rw.RLock()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if exclusive {
				e.rw.Unlock()
			} else {
				e.rw.RUnlock()
			}
			g.mu.Lock()
			if e.refs--; e.refs == 0 {
				delete(g.locks, credentialID)
			}
			g.mu.Unlock()
		})
	}
}

// HoldSigning keeps the credential from signing until release is called:
// the certificate lifecycle holds it while a suspension, revocation or
// renewal commits. Signatures in flight finish first.
func (s *Service) HoldSigning(credentialID string) (release func()) {
	return s.gate.hold(credentialID, true)
}
