package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tailscale.com/ipn/ipnstate"
	"tailscale.com/tailcfg"
	"tailscale.com/types/key"
	"tailscale.com/types/views"
)

func TestReachViewMissing(t *testing.T) {
	full := reachView{localDisco: "d1", controlDisco: "d1", localDERP: "nyc", controlDERP: "nyc",
		localAddrs: []string{"1.2.3.4:41641", "10.0.0.2:41641"}, controlAddrs: []string{"10.0.0.2:41641"}}
	with := func(f func(*reachView)) reachView {
		v := full
		f(&v)
		return v
	}
	for _, tc := range []struct {
		name string
		v    reachView
		want string
	}{
		{"reachable", full, ""},
		{"no home DERP yet", with(func(v *reachView) { v.localDERP = "" }), missingHome},
		{"control has the last run (cached netmap)", with(func(v *reachView) { v.controlDisco = "d0" }), missingThisRun},
		{"no self node from control yet", with(func(v *reachView) { v.controlDisco, v.controlDERP, v.controlAddrs = "", "", nil }), missingThisRun},
		{"control has no home DERP", with(func(v *reachView) { v.controlDERP = "" }), missingControlHome},
		{"control has another home DERP", with(func(v *reachView) { v.controlDERP = "fra" }), missingControlHome},
		{"control has no endpoints", with(func(v *reachView) { v.controlAddrs = nil }), missingAddrs},
		{"control has only old endpoints", with(func(v *reachView) { v.controlAddrs = []string{"1.2.3.4:9999"} }), missingAddrs},
		{"no endpoints of its own (UDP blocked): DERP is enough", with(func(v *reachView) { v.localAddrs, v.controlAddrs = nil, nil }), ""},
	} {
		if got := tc.v.missing(); got != tc.want {
			t.Errorf("%s: missing() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestReachViewFrom(t *testing.T) {
	disco := key.NewDisco().Public()
	dm := &tailcfg.DERPMap{Regions: map[int]*tailcfg.DERPRegion{999: {RegionID: 999, RegionCode: "local"}}}
	self := &tailcfg.Node{DiscoKey: disco, HomeDERP: 999,
		Endpoints: []netip.AddrPort{netip.MustParseAddrPort("[::ffff:127.0.0.1]:5000")}}
	v := reachViewFrom(disco, "local", []string{"127.0.0.1:5000"}, self, dm)
	if v.missing() != "" {
		t.Errorf("view %+v: missing %q, want reachable", v, v.missing())
	}
	if v = reachViewFrom(disco, "local", nil, nil, dm); v.missing() != missingThisRun {
		t.Errorf("before any netmap: missing %q", v.missing())
	}
	self.HomeDERP = 7 // a region this DERP map does not have
	if v = reachViewFrom(disco, "local", nil, self, dm); v.controlDERP != "region 7" || v.missing() != missingControlHome {
		t.Errorf("unknown region: %+v, missing %q", v, v.missing())
	}
}

func TestReachGate(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	ok := reachView{localDisco: "d", controlDisco: "d", localDERP: "r", controlDERP: "r"}
	noHome := ok
	noHome.controlDERP = ""
	noAddrs := ok
	noAddrs.localAddrs = []string{"1.2.3.4:5"}
	type step struct {
		v      reachView
		at     time.Duration // after t0
		ready  bool
		gaveUp string
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"complete view, then fanout for control to tell the peers", []step{
			{noHome, time.Second, false, ""},
			{ok, 2 * time.Second, false, ""},
			{ok, 2250 * time.Millisecond, true, ""},
		}},
		{"control has the home DERP but never sends the endpoints back: the relay is enough after addrGrace", []step{
			{noAddrs, time.Second, false, ""},
			{noAddrs, 2900 * time.Millisecond, false, ""},
			{noAddrs, 3 * time.Second, true, ""},
		}},
		{"losing the home DERP again restarts the grace", []step{
			{noAddrs, time.Second, false, ""},
			{noHome, 2 * time.Second, false, ""},
			{noAddrs, 3500 * time.Millisecond, false, ""},
		}},
		{"nothing confirmed: after the bound, ready anyway, saying why", []step{
			{noHome, 14 * time.Second, false, ""},
			{noHome, 15 * time.Second, true, missingControlHome},
		}},
	} {
		g := &reachGate{since: t0, bound: 15 * time.Second, addrGrace: 2 * time.Second, fanout: 250 * time.Millisecond}
		for i, s := range tc.steps {
			if ready, gaveUp := g.check(s.v, t0.Add(s.at)); ready != s.ready || gaveUp != s.gaveUp {
				t.Errorf("%s, step %d: ready=%v gaveUp=%q, want %v %q", tc.name, i, ready, gaveUp, s.ready, s.gaveUp)
			}
		}
	}
}

func TestStablePort(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	p1, err := stablePort(dir)
	if err != nil || p1 == 0 {
		t.Fatalf("first: %d, %v", p1, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, portFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("port file: %v %v", fi, err)
	}
	if p2, err := stablePort(dir); err != nil || p2 != p1 {
		t.Errorf("second run: %d, %v; want %d", p2, err, p1)
	}
	for _, junk := range []string{"nonsense", "80", "70000", ""} {
		os.WriteFile(filepath.Join(dir, portFile), []byte(junk), 0o600)
		if p, err := stablePort(dir); err != nil || p < 1024 {
			t.Errorf("file %q: %d, %v; want a new port", junk, p, err)
		}
	}
}

func TestRecentPeers(t *testing.T) {
	dir := t.TempDir()
	var logs []string
	logf := func(f string, a ...any) { logs = append(logs, f) }
	r := loadRecentPeers(dir, logf)
	now := time.Now().Truncate(time.Second)
	a, b := netip.MustParseAddr("100.64.0.1"), netip.MustParseAddr("100.64.0.2")
	r.note(a, now.Add(-time.Hour))
	r.note(b, now)
	if got := r.within(wakeWindow, now); !slices.Equal(got, []netip.Addr{b}) {
		t.Errorf("within the window: %v", got)
	}
	if got := r.within(2*time.Hour, now); !slices.Equal(got, []netip.Addr{b, a}) {
		t.Errorf("most recent first: %v", got)
	}
	// A new run reads what the last one saw.
	again := loadRecentPeers(dir, logf)
	if got := again.within(2*time.Hour, now); !slices.Equal(got, []netip.Addr{b, a}) {
		t.Errorf("after reload: %v", got)
	}
	if fi, err := os.Stat(filepath.Join(dir, recentPeersFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file: %v %v", fi, err)
	}
	// Bounded.
	for i := range recentPeersMax + 10 {
		r.note(netip.AddrFrom4([4]byte{100, 64, 1, byte(i)}), now.Add(time.Duration(i)*time.Second))
	}
	if n := len(loadRecentPeers(dir, logf).within(24*time.Hour, now.Add(time.Hour))); n != recentPeersMax {
		t.Errorf("%d peers kept, want %d", n, recentPeersMax)
	}
	// A broken file is an empty list, said in the log.
	os.WriteFile(filepath.Join(dir, recentPeersFile), []byte("{nope"), 0o600)
	logs = nil
	if got := loadRecentPeers(dir, logf).within(24*time.Hour, now); len(got) != 0 || len(logs) != 1 {
		t.Errorf("broken file: %v, logs %q", got, logs)
	}
}

func TestRecentPeersMiddleware(t *testing.T) {
	r := loadRecentPeers(t.TempDir(), t.Logf)
	h := r.middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "[::ffff:100.64.0.9]:51000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 204 {
		t.Errorf("status %d", rec.Code)
	}
	if got := r.within(time.Minute, time.Now()); !slices.Equal(got, []netip.Addr{netip.MustParseAddr("100.64.0.9")}) {
		t.Errorf("noted %v", got)
	}
}

func TestWake(t *testing.T) {
	var mu sync.Mutex
	var pinged []string
	ping := func(_ context.Context, ip netip.Addr, kind tailcfg.PingType) error {
		mu.Lock()
		defer mu.Unlock()
		pinged = append(pinged, ip.String()+" "+string(kind))
		if ip.String() == "100.64.0.2" {
			return errors.New("no reply")
		}
		return nil
	}
	var logs []string
	logf := func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, f)
	}
	wake(context.Background(), ping, []netip.Addr{netip.MustParseAddr("100.64.0.1"), netip.MustParseAddr("100.64.0.2")}, logf)
	slices.Sort(pinged)
	if strings.Join(pinged, ", ") != "100.64.0.1 TSMP, 100.64.0.2 TSMP" || len(logs) != 2 {
		t.Errorf("pinged %v, logs %q", pinged, logs)
	}
}

func TestGreetTargets(t *testing.T) {
	ip := netip.MustParseAddr
	peer := func(name string, user tailcfg.UserID, online bool, tags []string, ips ...string) *ipnstate.PeerStatus {
		p := &ipnstate.PeerStatus{DNSName: name, UserID: user, Online: online}
		if tags != nil {
			v := views.SliceOf(tags)
			p.Tags = &v
		}
		for _, a := range ips {
			p.TailscaleIPs = append(p.TailscaleIPs, ip(a))
		}
		return p
	}
	st := &ipnstate.Status{Self: peer("paseo.", 7, true, nil), Peer: map[key.NodePublic]*ipnstate.PeerStatus{
		key.NewNode().Public(): peer("phone.", 7, true, nil, "fd7a::5", "100.64.0.5"),
		key.NewNode().Public(): peer("laptop.", 7, false, nil, "100.64.0.6"),                // offline
		key.NewNode().Public(): peer("colleague.", 8, true, nil, "100.64.0.7"),              // someone else's
		key.NewNode().Public(): peer("server.", 7, true, []string{"tag:srv"}, "100.64.0.8"), // tagged
		key.NewNode().Public(): peer("tablet.", 7, true, nil, "100.64.0.9"),
	}}
	recent := []netip.Addr{ip("100.64.0.9"), ip("100.64.0.3")}
	got := fmt.Sprint(greetTargets(recent, st))
	want := fmt.Sprint([]netip.Addr{ip("100.64.0.9"), ip("100.64.0.3"), ip("100.64.0.5")})
	if got != want {
		t.Errorf("greetTargets = %s, want %s", got, want)
	}
	if got := greetTargets(recent, nil); len(got) != 2 {
		t.Errorf("without a status: %v", got)
	}
	tagged := views.SliceOf([]string{"tag:paseo"})
	st.Self.Tags = &tagged // a tagged node has no owner whose devices to greet
	if got := greetTargets(nil, st); len(got) != 0 {
		t.Errorf("tagged node: %v", got)
	}
	var many []netip.Addr
	for i := range greetMax + 5 {
		many = append(many, netip.AddrFrom4([4]byte{100, 64, 2, byte(i)}))
	}
	if got := greetTargets(many, nil); len(got) != greetMax {
		t.Errorf("%d targets, want at most %d", len(got), greetMax)
	}
}

func TestIsCustomControl(t *testing.T) {
	for url, want := range map[string]bool{
		"":                                   false,
		"https://controlplane.tailscale.com": false,
		"https://login.tailscale.com/":       false,
		"https://headscale.example.com":      true,
		"http://127.0.0.1:8080":              true,
		"https://tailscale.com.evil.example": true,
	} {
		if got := isCustomControl(url); got != want {
			t.Errorf("isCustomControl(%q) = %v", url, got)
		}
	}
}

func TestMessagesFitTheControlServer(t *testing.T) {
	for _, custom := range []bool{false, true} {
		_, approve := classify(backendView{state: "NeedsMachineAuth"}, custom)
		noCerts := (&server{customControl: custom}).noCertsDetail()
		for _, s := range []string{approve, noCerts} {
			if strings.Contains(s, "Tailscale admin console") == custom {
				t.Errorf("custom=%v: %q", custom, s)
			}
		}
	}
}

func TestReadyURLs(t *testing.T) {
	si := selfInfo{fqdn: "paseo.example.ts.net", ips: []string{"fd7a::1", "100.64.0.5"}, magicDNS: true}
	if got := readyFor(si, false, "").URLs; strings.Join(got, " ") != "http://paseo.example.ts.net/ http://100.64.0.5/" {
		t.Errorf("with MagicDNS: %q", got)
	}
	si.magicDNS = false // nothing can resolve the name: the address first
	if got := readyFor(si, false, "").URLs; strings.Join(got, " ") != "http://100.64.0.5/ http://paseo.example.ts.net/" {
		t.Errorf("without MagicDNS: %q", got)
	}
	if got := readyFor(si, true, "").URLs; strings.Join(got, " ") != "https://paseo.example.ts.net/" {
		t.Errorf("https: %q", got)
	}
}
