package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	neturl "net/url"
	"strings"
	"time"

	"tailscale.com/client/local"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
	"tailscale.com/types/key"
)

// run is the whole sidecar: it returns when ctx is done, stdin reaches EOF,
// a {"type":"shutdown"} line arrives, or the node fails.
func run(ctx context.Context, cfg config, stdin io.Reader, stdout io.Writer, logf func(string, ...any)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	setDefaults(&cfg)

	em := newEmitter(stdout)
	em.hello(version, tailscaleVersion())
	em.state(stateStarting, "starting the Tailscale node")
	go readCommands(stdin, cancel, logf)

	port, err := stablePort(cfg.StateDir)
	if err != nil {
		logf("no saved UDP port, letting Tailscale pick one: %v", err)
	}
	ts := &tsnet.Server{
		Port:       port,
		Dir:        cfg.StateDir,
		Hostname:   cfg.Hostname,
		ControlURL: cfg.ControlURL,
		AuthKey:    cfg.AuthKey,
		UserLogf:   userLogf(logf),
		Logf:       func(string, ...any) {},
	}
	if cfg.Verbose {
		ts.Logf = func(format string, args ...any) { logf("tailscale: "+format, args...) }
	}
	if err := ts.Start(); err != nil {
		em.error("Could not start the Tailscale node.", err.Error())
		em.state(stateStopped, "the Tailscale node did not start")
		return err
	}
	if cfg.afterStart != nil {
		cfg.afterStart(ts)
	}
	lc, err := ts.LocalClient()
	if err != nil { // not after a successful Start
		closeNode(ts, logf)
		return err
	}
	logf("node %q starting (state in %s, proxying to %s)", cfg.Hostname, cfg.StateDir, cfg.Target)

	custom := isCustomControl(cfg.ControlURL)
	peers := loadRecentPeers(cfg.StateDir, logf)
	srv := &server{
		ts:            ts,
		lc:            lc,
		em:            em,
		logf:          logf,
		proxy:         peers.middleware(newProxy(cfg.Target, lc, cfg.Token, logf)),
		customControl: custom,
		disco:         func() key.DiscoPublic { return discoKey(ts) },
		peers:         peers,
		ping:          pinger(lc),
		certTimeout:   cfg.certTimeout,
		certRetry:     cfg.certRetry,
		readyWait:     cfg.readyWait,
		addrGrace:     cfg.addrGrace,
		reachPoll:     controlFanout / 2,
		wake:          make(chan struct{}, 1),
	}
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		srv.loop(ctx)
	}()

	w := &watcher{lc: lc, em: em, logf: logf, onSelf: srv.poke, onRunning: srv.enteredRunning,
		onControlSelf: srv.setControlSelf, pollEvery: cfg.pollEvery, customControl: custom}
	werr := w.run(ctx)
	if werr != nil {
		em.error("Lost track of the Tailscale node.", werr.Error())
	}

	reason := "shutting down"
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
		reason = c.Error()
	}
	logf("stopping: %s", reason)
	cancel(nil)
	<-loopDone
	srv.close()
	closeNode(ts, logf)
	em.state(stateStopped, reason)
	return werr
}

func setDefaults(c *config) {
	if c.pollEvery == 0 {
		c.pollEvery = 2 * time.Second
	}
	if c.certTimeout == 0 {
		c.certTimeout = 2 * time.Minute
	}
	if c.certRetry == 0 {
		c.certRetry = 10 * time.Minute
	}
	if c.readyWait == 0 {
		c.readyWait = 15 * time.Second
	}
	if c.addrGrace == 0 {
		c.addrGrace = 2 * time.Second
	}
}

// discoKey is the node's disco key, which it makes anew at every start and
// sends to control; zero before the engine runs. (tsnet.Server.Sys is not
// a stable API; tailscale.com is pinned in go.mod.)
func discoKey(ts *tsnet.Server) key.DiscoPublic {
	if ms, ok := ts.Sys().MagicSock.GetOK(); ok {
		return ms.DiscoPublicKey()
	}
	return key.DiscoPublic{}
}

// pinger pings a peer: a TSMP ping goes through WireGuard (and so makes
// this node start a handshake with the peer if it has no session), a disco
// ping goes over DERP when there is no direct path.
func pinger(lc *local.Client) func(context.Context, netip.Addr, tailcfg.PingType) error {
	return func(ctx context.Context, ip netip.Addr, kind tailcfg.PingType) error {
		res, err := lc.Ping(ctx, ip, kind)
		if err != nil {
			return err
		}
		if res.Err != "" {
			return errors.New(res.Err)
		}
		return nil
	}
}

// isCustomControl reports whether url names a control server other than
// Tailscale's own (empty means Tailscale's).
func isCustomControl(url string) bool {
	if url == "" {
		return false
	}
	u, err := neturl.Parse(url)
	if err != nil {
		return true
	}
	h := strings.ToLower(u.Hostname())
	return h != "tailscale.com" && !strings.HasSuffix(h, ".tailscale.com")
}

// closeNode stops the node, giving up after a while: we are exiting anyway.
func closeNode(ts *tsnet.Server, logf func(string, ...any)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		ts.Close()
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		logf("the Tailscale node did not stop within 15s; exiting anyway")
	}
}

// readCommands reads the daemon's lines on stdin. EOF means the daemon is
// gone: we stop. {"type":"shutdown"} stops us too; anything else is logged.
func readCommands(stdin io.Reader, cancel context.CancelCauseFunc, logf func(string, ...any)) {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var cmd struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(line), &cmd); err != nil {
			logf("ignoring a line on stdin that is not JSON: %v", err)
			continue
		}
		switch cmd.Type {
		case "shutdown":
			cancel(errors.New("asked to shut down"))
			return
		default:
			logf("ignoring unknown command %q on stdin", cmd.Type)
		}
	}
	if err := sc.Err(); err != nil {
		cancel(fmt.Errorf("stdin: %w", err))
		return
	}
	cancel(errors.New("stdin closed"))
}

// userLogf passes tsnet's user-facing lines to the log, minus the login
// URL reminder it repeats every few seconds (the daemon gets a login line).
func userLogf(logf func(string, ...any)) func(string, ...any) {
	return func(format string, args ...any) {
		if strings.HasPrefix(format, "To start this tsnet server") || strings.HasPrefix(format, "AuthLoop:") {
			return
		}
		logf("tsnet: "+format, args...)
	}
}
