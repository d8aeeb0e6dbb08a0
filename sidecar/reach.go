package main

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"tailscale.com/tailcfg"
	"tailscale.com/types/key"
)

// Reachability: the sidecar says "ready" (and the daemon prints the URL)
// only once another device of the tailnet can reach this node. A peer
// reaches a node through the home DERP (relay) region and the endpoints
// (ip:port) that control hands out for it. Until control has them, a peer
// that tries the node gets "no UDP or DERP addr" for its first WireGuard
// handshake, and WireGuard retries only after RekeyTimeout (5 s,
// wireguard-go device/constants.go; the limit is in device/send.go
// SendHandshakeInitiation and the retry in device/timers.go
// expiredRetransmitHandshake). So "ready" waits until the self node that
// control sends back carries this node's own home DERP and endpoints.

// controlFanout: see reachGate.
const controlFanout = 250 * time.Millisecond

// reachView is what the node knows about itself and what control sent
// back about it.
type reachView struct {
	localDisco   string   // this run's disco key (new with every start of the node)
	controlDisco string   // the disco key control has for it
	localDERP    string   // region code of this node's home DERP ("" while it has none)
	localAddrs   []string // endpoints this node found for itself (ip:port)
	controlDERP  string   // region code of the home DERP control has for it ("" = none)
	controlAddrs []string // endpoints control has for it
}

// What a reachView can be missing, in words for the protocol's detail.
const (
	missingHome        = "this node has no home relay (DERP) server yet"
	missingThisRun     = "the control server has not heard from this run of the node yet"
	missingControlHome = "the control server does not have this node's home relay (DERP) server yet"
	missingAddrs       = "the control server does not have this node's addresses yet"
)

// missing says what keeps peers from reaching the node, or "" when nothing.
func (v reachView) missing() string {
	switch {
	case v.localDERP == "":
		return missingHome
	case v.controlDisco != v.localDisco:
		// Control (and so every peer) still has the last run's key: what
		// it says about the node (say, a netmap cached on disk) is old.
		return missingThisRun
	case v.controlDERP != v.localDERP:
		return missingControlHome
	case len(v.localAddrs) > 0 && !slices.ContainsFunc(v.localAddrs, func(a string) bool {
		return slices.Contains(v.controlAddrs, a)
	}):
		return missingAddrs
	}
	return ""
}

// reachViewFrom builds the view from this node's disco key, its status
// (Self.Relay and Self.Addrs come from its magicsock), the DERP map, and
// control's self node (nil before the first netmap).
func reachViewFrom(disco key.DiscoPublic, relay string, addrs []string, self *tailcfg.Node, dm *tailcfg.DERPMap) reachView {
	v := reachView{localDisco: disco.String(), localDERP: relay, localAddrs: addrs}
	if self == nil {
		return v
	}
	v.controlDisco = self.DiscoKey.String()
	if id := self.HomeDERP; id != 0 {
		v.controlDERP = fmt.Sprintf("region %d", id)
		if dm != nil {
			if r, ok := dm.Regions[id]; ok && r != nil {
				v.controlDERP = r.RegionCode
			}
		}
	}
	for _, ep := range self.Endpoints {
		v.controlAddrs = append(v.controlAddrs, normalizeAddr(ep))
	}
	for i, a := range v.localAddrs {
		if ap, err := netip.ParseAddrPort(a); err == nil {
			v.localAddrs[i] = normalizeAddr(ap)
		}
	}
	return v
}

func normalizeAddr(ap netip.AddrPort) string {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// reachGate decides when to say "ready" after the node (re)entered the
// running state. It waits until the view is complete, then fanout more:
// control sends the news to the node and to its peers at about the same
// time, not at once (headscale: in the same batch, a few ms apart;
// testcontrol: the endpoints and the home DERP in two updates, 2 ms apart),
// and a peer that tries in between still finds no way. Two bounds:
//   - once control has the home DERP, peers can reach the node through the
//     relay; a control server that never sends the endpoints back gets
//     addrGrace more, then the node is ready (disco finds direct paths);
//   - after bound the node is said ready whatever is missing, and why.
type reachGate struct {
	since      time.Time // when the node (re)entered running
	homeAt     time.Time // when control first had the home DERP in this wait
	completeAt time.Time // when the view was first complete in this wait
	bound      time.Duration
	addrGrace  time.Duration
	fanout     time.Duration
	said       bool // the wait was reported in a state line
}

// check returns whether to say ready now. gaveUp is what was still missing
// when the gate stopped waiting ("" when the view was complete, or only
// the addresses were missing past addrGrace).
func (g *reachGate) check(v reachView, now time.Time) (ready bool, gaveUp string) {
	m := v.missing()
	if m != "" {
		g.completeAt = time.Time{}
	}
	switch {
	case m == "":
		if g.completeAt.IsZero() {
			g.completeAt = now
		}
		if now.Sub(g.completeAt) >= g.fanout {
			return true, ""
		}
	case m == missingAddrs:
		if g.homeAt.IsZero() {
			g.homeAt = now
		}
		if now.Sub(g.homeAt) >= g.addrGrace {
			return true, ""
		}
	default:
		g.homeAt = time.Time{}
	}
	if now.Sub(g.since) >= g.bound {
		return true, m
	}
	return false, ""
}
