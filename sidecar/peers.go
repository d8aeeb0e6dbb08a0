package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"tailscale.com/ipn/ipnstate"
	"tailscale.com/tailcfg"
)

// Greeting peers once the node is ready, so that a peer's first try gets
// through whatever order control tells it things in.
//
// A new run of the node (the daemon restarted a crashed sidecar, or `paseo
// up` runs again) has a new disco key. Control tells the peers, and a peer
// that was using paseo drops its old WireGuard session and at once sends a
// new handshake. With some control servers (headscale batches its updates)
// peers can hear of the new key before this node has its own netmap and
// WireGuard key, so that first handshake is lost and the peer's WireGuard
// tries again only 5 s later (RekeyTimeout). So the node remembers which
// tailnet addresses used the proxy lately (in the state folder), and once it
// is ready it greets them with a TSMP ping, which goes through WireGuard:
// this node starts the handshake, and the peer's waiting packets flow.
//
// A node that joins fresh: headscale can tell a peer about the new node
// without its home DERP (and, measured, not send the home DERP for seconds)
// even after it sent the node itself its home DERP. A peer that tries then
// gets "no UDP or DERP addr" and waits 5 s. But a peer that received
// anything from a node over DERP remembers that route and uses it when it
// knows no other (magicsock fallbackDERPRegionForPeer), even if it did not
// know the node yet when the packet came. So the node also greets the other
// online devices of its owner (the phone is one of them). The greeting is a
// TSMP ping for all: it goes through WireGuard, whose first handshake goes
// over DERP (this node has no direct path yet). A disco ping would not do:
// it takes a direct path when there is one, which sets up no DERP route.

const (
	recentPeersFile = "paseo-recent-peers.json"
	// wakeWindow: peers seen this recently are greeted by a new run.
	wakeWindow = 30 * time.Minute
	// recentPeersMax bounds the file.
	recentPeersMax = 64
	// recentPeersSaveEvery: a peer's time is written again at most this often.
	recentPeersSaveEvery = time.Minute
	wakeTimeout          = 5 * time.Second
	// greetMax bounds how many peers a new run greets.
	greetMax = 16
)

// recentPeers remembers when each tailnet address last used the proxy.
type recentPeers struct {
	path string
	logf func(string, ...any)

	mu    sync.Mutex
	seen  map[netip.Addr]time.Time
	saved map[netip.Addr]time.Time // what the file holds
}

// loadRecentPeers reads the file in dir; a missing or broken file is an
// empty list (it is only a hint).
func loadRecentPeers(dir string, logf func(string, ...any)) *recentPeers {
	r := &recentPeers{path: filepath.Join(dir, recentPeersFile), logf: logf,
		seen: map[netip.Addr]time.Time{}, saved: map[netip.Addr]time.Time{}}
	b, err := os.ReadFile(r.path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			logf("recent peers: %v", err)
		}
		return r
	}
	var m map[string]time.Time
	if err := json.Unmarshal(b, &m); err != nil {
		logf("recent peers: ignoring %s: %v", r.path, err)
		return r
	}
	for s, t := range m {
		if ip, err := netip.ParseAddr(s); err == nil {
			r.seen[ip], r.saved[ip] = t, t
		}
	}
	return r
}

// note records that ip used the proxy at now, and saves the list when ip is
// new or its saved time is old.
func (r *recentPeers) note(ip netip.Addr, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[ip] = now
	if t, ok := r.saved[ip]; ok && now.Sub(t) < recentPeersSaveEvery {
		return
	}
	r.trimLocked()
	m := make(map[string]time.Time, len(r.seen))
	for a, t := range r.seen {
		m[a.String()] = t
	}
	b, _ := json.Marshal(m)
	tmp := r.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		r.logf("recent peers: %v", err)
		return
	}
	if err := os.Rename(tmp, r.path); err != nil {
		r.logf("recent peers: %v", err)
		return
	}
	r.saved = make(map[netip.Addr]time.Time, len(r.seen))
	for a, t := range r.seen {
		r.saved[a] = t
	}
}

// trimLocked keeps the recentPeersMax most recent addresses.
func (r *recentPeers) trimLocked() {
	if len(r.seen) <= recentPeersMax {
		return
	}
	for _, ip := range r.sortedLocked()[recentPeersMax:] {
		delete(r.seen, ip)
	}
}

func (r *recentPeers) sortedLocked() []netip.Addr {
	ips := make([]netip.Addr, 0, len(r.seen))
	for ip := range r.seen {
		ips = append(ips, ip)
	}
	sort.Slice(ips, func(i, j int) bool { return r.seen[ips[i]].After(r.seen[ips[j]]) })
	return ips
}

// within returns the addresses seen in the d before now, most recent first.
func (r *recentPeers) within(d time.Duration, now time.Time) []netip.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []netip.Addr
	for _, ip := range r.sortedLocked() {
		if now.Sub(r.seen[ip]) <= d {
			out = append(out, ip)
		}
	}
	return out
}

// middleware notes the address of every request before passing it on.
func (r *recentPeers) middleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if host, _, err := net.SplitHostPort(req.RemoteAddr); err == nil {
			if ip, err := netip.ParseAddr(host); err == nil {
				r.note(ip.Unmap(), time.Now())
			}
		}
		h.ServeHTTP(w, req)
	})
}

// greetTargets picks whom a new run greets: the recent peers, then the
// owner's other online devices, at most greetMax in all. st is the node's
// status with peers (nil: recent peers only).
func greetTargets(recent []netip.Addr, st *ipnstate.Status) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, ip := range recent {
		if len(out) < greetMax && !seen[ip] {
			seen[ip] = true
			out = append(out, ip)
		}
	}
	if st == nil || st.Self == nil || st.Self.UserID == 0 || (st.Self.Tags != nil && st.Self.Tags.Len() > 0) {
		return out // a tagged node has no owner
	}
	var own []*ipnstate.PeerStatus
	for _, p := range st.Peer {
		if p.Online && p.UserID == st.Self.UserID && (p.Tags == nil || p.Tags.Len() == 0) && len(p.TailscaleIPs) > 0 {
			own = append(own, p)
		}
	}
	sort.Slice(own, func(i, j int) bool { return own[i].DNSName < own[j].DNSName })
	for _, p := range own {
		ip := p.TailscaleIPs[0]
		for _, a := range p.TailscaleIPs {
			if a.Is4() {
				ip = a
				break
			}
		}
		if len(out) < greetMax && !seen[ip] {
			seen[ip] = true
			out = append(out, ip)
		}
	}
	return out
}

// wake greets the peers with a TSMP ping each (see the comment at the top
// of this file). It returns when all have answered or timed out.
func wake(ctx context.Context, ping func(context.Context, netip.Addr, tailcfg.PingType) error, ips []netip.Addr, logf func(string, ...any)) {
	var wg sync.WaitGroup
	for _, ip := range ips {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			pctx, cancel := context.WithTimeout(ctx, wakeTimeout)
			defer cancel()
			if err := ping(pctx, ip, tailcfg.PingTSMP); err != nil {
				logf("greeting %s: %v", ip, err)
				return
			}
			logf("greeted %s in %v", ip, time.Since(start).Round(time.Millisecond))
		}()
	}
	wg.Wait()
}
