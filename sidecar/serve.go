package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"tailscale.com/client/local"
	"tailscale.com/ipn"
	"tailscale.com/ipn/ipnstate"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
	"tailscale.com/types/key"
)

// server owns the tailnet listeners: :80 always, :443 once a certificate
// was fetched. configure runs on its own goroutine (loop), poked by wake.
type server struct {
	ts            *tsnet.Server
	lc            *local.Client
	em            *emitter
	logf          func(string, ...any)
	proxy         http.Handler
	customControl bool                   // a --login-server other than Tailscale's (headscale): no admin console
	disco         func() key.DiscoPublic // this run's disco key
	peers         *recentPeers           // greeted once the node is ready (peers.go)
	ping          func(context.Context, netip.Addr, tailcfg.PingType) error
	certTimeout   time.Duration
	certRetry     time.Duration
	readyWait     time.Duration // the longest "ready" waits until peers can reach the node
	addrGrace     time.Duration // see reachGate
	reachPoll     time.Duration // how often to look again while waiting (at most controlFanout)

	wake chan struct{}

	// owned by loop
	http80, https443 *http.Server
	failedDomain     string
	retryAt          time.Time
	gate             *reachGate // non-nil while waiting until peers can reach the node

	mu          sync.Mutex
	mode        serveMode
	cert        *tls.Certificate
	certAt      time.Time
	controlSelf *tailcfg.Node // the self node as control last sent it
	reentered   time.Time     // non-zero: the node (re)entered running then; a new wait starts
}

type serveMode struct {
	fqdn       string
	certDomain string // non-empty: HTTPS is on, :80 redirects
	pending    bool   // getting the first certificate
}

// enteredRunning starts a new wait until peers can reach the node
// (called by the watcher when the node (re)enters the running state).
func (s *server) enteredRunning() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reentered = time.Now()
}

// setControlSelf notes the self node control sent; the loop looks at it
// when poked.
func (s *server) setControlSelf(n *tailcfg.Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.controlSelf; old == nil || old.HomeDERP != n.HomeDERP || old.DiscoKey != n.DiscoKey ||
		!slices.Equal(old.Endpoints, n.Endpoints) {
		s.logf("control has for this node: home relay %d, endpoints %v, disco key %s", n.HomeDERP, n.Endpoints, n.DiscoKey.ShortString())
	}
	s.controlSelf = n
}

func (s *server) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *server) loop(ctx context.Context) {
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-retry.C:
		}
		if d := s.configure(ctx); d > 0 {
			retry.Reset(d)
		}
	}
}

// configure brings the listeners in line with the node's current name and
// certificate domains, then says "ready". It returns when to try again
// (a failed certificate), or 0.
func (s *server) configure(ctx context.Context) (retryIn time.Duration) {
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	st, err := s.lc.StatusWithoutPeers(sctx)
	cancel()
	if err != nil {
		s.logf("status: %v", err)
		return time.Second
	}
	if st.BackendState != ipn.Running.String() {
		return 0 // the watcher pokes us when it runs again
	}
	si := selfFromStatus(st)
	if s.http80 == nil {
		srv, err := s.listen(":80", false, http.HandlerFunc(s.serve80))
		if err != nil {
			s.em.error("Could not listen on the tailnet's port 80.", err.Error())
			return 5 * time.Second
		}
		s.http80 = srv
	}
	if wait := s.awaitReach(ctx, st); wait > 0 {
		return wait
	}

	want := si.certDomain()
	cur := s.getMode()
	switch {
	case want == "":
		s.setMode(serveMode{fqdn: si.fqdn})
		s.em.ready(readyFor(si, false, s.noCertsDetail()))
		return 0
	case want == cur.certDomain:
		s.setMode(serveMode{fqdn: si.fqdn, certDomain: want})
		s.em.ready(readyFor(si, true, ""))
		return 0
	case want == s.failedDomain && time.Now().Before(s.retryAt):
		s.setMode(serveMode{fqdn: si.fqdn})
		s.em.ready(readyFor(si, false, "no HTTPS certificate yet; serving plain HTTP on port 80"))
		return time.Until(s.retryAt)
	}

	// Fetch the certificate before saying HTTPS: the first one can take
	// a while (Let's Encrypt), and :80 answers 503 meanwhile.
	s.setMode(serveMode{fqdn: si.fqdn, pending: true})
	s.em.state(stateRunning, "getting an HTTPS certificate for "+want)
	if err := s.fetchCert(ctx, want); err != nil {
		if ctx.Err() != nil {
			return 0
		}
		s.failedDomain, s.retryAt = want, time.Now().Add(s.certRetry)
		s.setMode(serveMode{fqdn: si.fqdn})
		s.em.error("Could not get an HTTPS certificate for "+want+"; serving plain HTTP on port 80.", err.Error())
		s.em.ready(readyFor(si, false, "could not get an HTTPS certificate; serving plain HTTP on port 80"))
		return s.certRetry
	}
	s.failedDomain = ""
	if s.https443 == nil {
		srv, err := s.listen(":443", true, s.proxy)
		if err != nil {
			s.setMode(serveMode{fqdn: si.fqdn})
			s.em.error("Could not listen on the tailnet's port 443; serving plain HTTP on port 80.", err.Error())
			s.em.ready(readyFor(si, false, "could not listen on port 443; serving plain HTTP on port 80"))
			return s.certRetry
		}
		s.https443 = srv
	}
	s.setMode(serveMode{fqdn: si.fqdn, certDomain: want})
	s.em.ready(readyFor(si, true, ""))
	return 0
}

// noCertsDetail says why the node serves plain HTTP when control offers
// no certificate, in words that fit the control server.
func (s *server) noCertsDetail() string {
	if s.customControl {
		return "this control server offers no HTTPS certificates for the node (headscale issues none); serving plain HTTP on port 80"
	}
	return "HTTPS certificates are not enabled for this tailnet " +
		"(turn on MagicDNS and HTTPS in the Tailscale admin console); serving plain HTTP on port 80"
}

// awaitReach holds "ready" back until peers can reach the node (see
// reach.go). It returns when to look again, or 0 to go on.
func (s *server) awaitReach(ctx context.Context, st *ipnstate.Status) time.Duration {
	s.mu.Lock()
	if !s.reentered.IsZero() {
		s.gate = &reachGate{since: s.reentered, bound: s.readyWait, addrGrace: s.addrGrace, fanout: controlFanout}
		s.reentered = time.Time{}
	}
	self := s.controlSelf
	s.mu.Unlock()
	if s.gate == nil {
		return 0
	}
	var relay string
	var addrs []string
	if st.Self != nil {
		relay, addrs = st.Self.Relay, slices.Clone(st.Self.Addrs)
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	dm, err := s.lc.CurrentDERPMap(dctx)
	cancel()
	if err != nil {
		s.logf("derp map: %v", err)
	}
	v := reachViewFrom(s.disco(), relay, addrs, self, dm)
	ready, gaveUp := s.gate.check(v, time.Now())
	if !ready {
		if !s.gate.said {
			s.gate.said = true
			s.em.state(stateRunning, "waiting until other devices can reach this node: "+v.missing())
		}
		return s.reachPoll
	}
	waited := time.Since(s.gate.since).Round(time.Millisecond)
	s.gate = nil
	switch {
	case gaveUp != "":
		s.logf("not confirmed reachable after %v (%s); saying ready anyway", waited, gaveUp)
		s.em.error(fmt.Sprintf("Other devices may need a few more seconds to reach paseo: after %v, %s.",
			s.readyWait, gaveUp), fmt.Sprintf("%+v", v))
	case v.missing() != "":
		s.logf("reachable through relay %s after %v (control has not sent back the endpoints %v)", v.localDERP, waited, v.localAddrs)
	default:
		s.logf("reachable after %v: control has home relay %s and endpoints %v", waited, v.controlDERP, v.controlAddrs)
	}
	s.greet(ctx)
	return 0
}

// greet starts greeting peers (peers.go) before the node says ready, so
// that the first packets are on their way when the URL is shown.
func (s *server) greet(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	st, err := s.lc.Status(sctx)
	cancel()
	if err != nil {
		s.logf("status: %v", err)
		st = nil
	}
	if targets := greetTargets(s.peers.within(wakeWindow, time.Now()), st); len(targets) > 0 {
		go wake(ctx, s.ping, targets, s.logf)
	}
}

func (s *server) listen(addr string, useTLS bool, h http.Handler) (*http.Server, error) {
	ln, err := s.ts.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(logfWriter(s.logf), "http"+addr+": ", 0),
		// HTTP/1.1 only: WebSockets then always upgrade the classic way.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	if useTLS {
		ln = tls.NewListener(ln, &tls.Config{
			GetCertificate: s.getCertificate,
			NextProtos:     []string{"http/1.1"},
			MinVersion:     tls.VersionTLS12,
		})
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.logf("serve %s: %v", addr, err)
		}
	}()
	s.logf("listening on the tailnet at %s (tls=%v)", addr, useTLS)
	return srv, nil
}

func (s *server) close() {
	for _, srv := range []*http.Server{s.http80, s.https443} {
		if srv != nil {
			srv.Close()
		}
	}
}

func (s *server) serve80(w http.ResponseWriter, r *http.Request) {
	m := s.getMode()
	switch {
	case m.pending:
		w.Header().Set("Retry-After", "5")
		http.Error(w, "Paseo is getting its HTTPS certificate; try again in a few seconds.", http.StatusServiceUnavailable)
	case m.certDomain != "":
		redirectToHTTPS(func() string { return m.certDomain }).ServeHTTP(w, r)
	default:
		s.proxy.ServeHTTP(w, r)
	}
}

func (s *server) getMode() serveMode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode
}

func (s *server) setMode(m serveMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

// logfWriter adapts a printf logger to an io.Writer for http.Server.ErrorLog.
type logfWriter func(string, ...any)

func (f logfWriter) Write(p []byte) (int, error) {
	f("%s", strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = logfWriter(nil)
