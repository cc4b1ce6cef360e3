package ocsp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// entry is a signed response with the HTTP caching headers derived from it.
type entry struct {
	der          []byte
	thisUpdate   time.Time
	nextUpdate   time.Time
	until        time.Time // Status.Until; zero if none
	etag         string
	lastModified string
	expires      string
}

func newEntry(der []byte, thisUpdate, nextUpdate time.Time) *entry {
	sum := sha256.Sum256(der)
	return &entry{
		der:          der,
		thisUpdate:   thisUpdate,
		nextUpdate:   nextUpdate,
		etag:         `"` + hex.EncodeToString(sum[:16]) + `"`,
		lastModified: thisUpdate.UTC().Format(http.TimeFormat),
		expires:      nextUpdate.UTC().Format(http.TimeFormat),
	}
}

// cache holds pre-signed responses keyed by CertID hash and serial. Fills
// of the same key are coalesced so that a cold cache under load signs each
// response once. An invalidation bumps epoch; a fill that started before
// it may answer its own request but is not stored, so a status change can
// never be overwritten by a response signed from the old status.
type cache struct {
	mu       sync.RWMutex
	entries  map[string]*entry
	inflight map[string]*fill
	epoch    uint64
	max      int
}

type fill struct {
	done chan struct{}
	e    *entry
	err  error
}

func newCache(max int) *cache {
	return &cache{entries: map[string]*entry{}, inflight: map[string]*fill{}, max: max}
}

func cacheKey(h certIDHash, serialDER []byte) string {
	return string(rune('0'+h.index)) + string(serialDER)
}

func (c *cache) get(key string) *entry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[key]
}

// fill runs build for key unless a fill of key is already running, in
// which case it waits for that one's result.
func (c *cache) fill(ctx context.Context, key string, build func() (*entry, error)) (*entry, error) {
	c.mu.Lock()
	if f, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.e, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &fill{done: make(chan struct{})}
	c.inflight[key] = f
	epoch := c.epoch
	c.mu.Unlock()

	f.e, f.err = build()

	c.mu.Lock()
	if c.inflight[key] == f {
		delete(c.inflight, key)
	}
	if f.err == nil && c.epoch == epoch {
		c.storeLocked(key, f.e)
	}
	c.mu.Unlock()
	close(f.done)
	return f.e, f.err
}

func (c *cache) storeLocked(key string, e *entry) {
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for victim := range c.entries { // Go's map order is random enough for eviction
			delete(c.entries, victim)
			break
		}
	}
	c.entries[key] = e
}

// invalidate drops the responses of one serial, for every CertID hash, and
// detaches running fills so later requests start afresh.
func (c *cache) invalidate(serial *big.Int) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1BigInt(serial)
	serialDER, err := b.Bytes()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if err != nil { // cannot happen for a big.Int; fail safe by dropping all
		c.entries, c.inflight = map[string]*entry{}, map[string]*fill{}
		return
	}
	for _, h := range certIDHashes {
		key := cacheKey(h, serialDER)
		delete(c.entries, key)
		delete(c.inflight, key)
	}
}

func (c *cache) invalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.entries, c.inflight = map[string]*entry{}, map[string]*fill{}
}

func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
