package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tailscale.com/client/local"
	"tailscale.com/health"
	"tailscale.com/ipn"
	"tailscale.com/tailcfg"
	"tailscale.com/tsconst"
)

// backendView is what the watcher knows about the Tailscale backend.
type backendView struct {
	state    string // ipn.State as a string ("NeedsLogin", "Running", …)
	authURL  string // interactive login URL, if control gave one
	loginErr string // last error of the login routine (health "login-state")
	ctrlErr  string // last error message control itself sent (a refusal)
	mapLost  bool   // health "not-in-map-poll": out of touch with control for minutes
}

// classify maps the backend's view to a protocol state and a detail line.
// customControl: the control server is not Tailscale's (say headscale), so
// there is no Tailscale admin console to point to.
func classify(v backendView, customControl bool) (state, detail string) {
	refused := v.ctrlErr != "" && strings.Contains(v.loginErr, v.ctrlErr)
	unreachable := v.loginErr != "" && !refused && looksUnreachable(v.loginErr)
	switch v.state {
	case ipn.Running.String():
		if unreachable {
			// Up from the netmap cached in the state folder: the tailnet
			// works with what this node last heard from control.
			return stateRunning, "control server unreachable (" + v.loginErr + "); the tailnet keeps working with what this node last heard from it"
		}
		if v.mapLost {
			return stateRunning, "control server unreachable for a while; the tailnet keeps working with what this node last heard from it"
		}
		return stateRunning, ""
	case ipn.NeedsMachineAuth.String():
		if customControl {
			return stateNeedsApproval, "an admin of the control server must approve this device"
		}
		return stateNeedsApproval, "a tailnet admin must approve this device in the Tailscale admin console"
	case ipn.Stopped.String():
		return stateStopped, "Tailscale is turned off for this node"
	}
	// NoState, NeedsLogin, Starting: not on the tailnet yet.
	if unreachable {
		return stateControlUnreachable, v.loginErr
	}
	if v.state == ipn.NeedsLogin.String() {
		if v.authURL != "" {
			return stateNeedsLogin, "open the login URL to add this computer to your tailnet"
		}
		if v.ctrlErr != "" {
			return stateNeedsLogin, "the control server refused the login: " + v.ctrlErr
		}
	}
	if v.loginErr != "" && !refused {
		// Control answered, but not with what the login needed.
		return stateStarting, "login failed, retrying: " + v.loginErr
	}
	return stateStarting, "connecting to the control server"
}

// unreachableHints are parts of the login routine's errors that mean the
// control server could not be reached or is failing (as opposed to control
// answering no). The login routine wraps errors as text, so text it is.
var unreachableHints = []string{
	"fetch control key", "getNoiseClient", "dial ", "connect: ", "connection refused",
	"connection reset", "no such host", "i/o timeout", "deadline exceeded", "tls: ",
	"x509: ", "EOF", "network is unreachable", "no route to host", "lookup ",
	"http 500", "http 502", "http 503", "http 504",
}

func looksUnreachable(err string) bool {
	for _, h := range unreachableHints {
		if strings.Contains(err, h) {
			return true
		}
	}
	return false
}

// fromHealth reads a health state: the login routine's error ("" when
// logins are fine) and whether the node has been out of its map poll with
// control long enough for tailscale to warn (8 minutes).
func fromHealth(hs *health.State) (loginErr string, mapLost bool) {
	if hs == nil {
		return "", false
	}
	if us, ok := hs.Warnings[health.WarnableCode(tsconst.HealthWarnableLoginState)]; ok {
		loginErr = us.Args[health.ArgError]
	}
	_, mapLost = hs.Warnings[health.WarnableCode(tsconst.HealthWarnableNotInMapPoll)]
	return loginErr, mapLost
}

// detailEvery limits how often a changed detail of the same state is said.
const detailEvery = 30 * time.Second

// watcher follows the IPN bus and reports state changes. When the node is
// running (again) or its own node changed (name, addresses), it pokes
// onSelf so the server can (re)configure the proxy and say "ready".
type watcher struct {
	lc     *local.Client
	em     *emitter
	logf   func(format string, args ...any)
	onSelf func() // must not block
	// onRunning is called when the node (re)enters the running state,
	// before onSelf; onControlSelf with each self node control sends.
	// Both must not block.
	onRunning     func()
	onControlSelf func(*tailcfg.Node)
	pollEvery     time.Duration // status poll while not running
	customControl bool          // see classify

	view         backendView
	lastState    string
	lastDetail   string
	lastSaid     time.Time
	wasRunning   bool
	selfChanged  bool
	askedToLogin bool
}

func (w *watcher) run(ctx context.Context) error {
	// NotifyInitialNetMap for the self node control last sent (SelfChange);
	// the full netmap it also brings once is not used.
	bus, err := w.lc.WatchIPNBus(ctx, ipn.NotifyInitialState|ipn.NotifyInitialHealthState|ipn.NotifyInitialNetMap|ipn.NotifyNoNetMap)
	if err != nil {
		return fmt.Errorf("watching the Tailscale backend: %w", err)
	}
	defer bus.Close()

	notes := make(chan ipn.Notify)
	errc := make(chan error, 1)
	go func() {
		for {
			n, err := bus.Next()
			if err != nil {
				errc <- err
				return
			}
			select {
			case notes <- n:
			case <-ctx.Done():
				return
			}
		}
	}()

	poll := time.NewTicker(w.pollEvery)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watching the Tailscale backend: %w", err)
		case n := <-notes:
			w.apply(&n)
		case <-poll.C:
			// The status also carries the login URL and state; polling
			// keeps the report right if a notification was coalesced.
			if w.wasRunning {
				continue
			}
			w.poll(ctx)
		}
		w.report(ctx)
	}
}

func (w *watcher) apply(n *ipn.Notify) {
	if n.State != nil {
		w.view.state = n.State.String()
	}
	if n.BrowseToURL != nil && *n.BrowseToURL != "" {
		w.view.authURL = *n.BrowseToURL
	}
	if n.ErrMessage != nil && *n.ErrMessage != "" {
		msg := *n.ErrMessage
		w.view.ctrlErr = msg
		w.em.error("Tailscale login failed: "+msg, msg)
	}
	if n.Health != nil {
		w.view.loginErr, w.view.mapLost = fromHealth(n.Health)
	}
	if n.LoginFinished != nil {
		w.view.authURL = ""
		w.view.ctrlErr = ""
	}
	if n.SelfChange != nil {
		w.selfChanged = true
		if w.onControlSelf != nil {
			w.onControlSelf(n.SelfChange)
		}
	}
}

func (w *watcher) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := w.lc.StatusWithoutPeers(ctx)
	if err != nil {
		w.logf("status: %v", err)
		return
	}
	if st.BackendState != "" {
		w.view.state = st.BackendState
	}
	if st.AuthURL != "" {
		w.view.authURL = st.AuthURL
	}
}

func (w *watcher) report(ctx context.Context) {
	state, detail := classify(w.view, w.customControl)
	running := state == stateRunning
	// A new state is said at once; a new detail in the same state (say a
	// retry's slightly different error) at most every detailEvery.
	if state != w.lastState || detail != w.lastDetail && time.Since(w.lastSaid) >= detailEvery {
		w.lastState, w.lastDetail, w.lastSaid = state, detail, time.Now()
		w.logf("state: %s %s", state, detail)
		w.em.state(state, detail)
		if state == stateNeedsLogin && w.view.authURL != "" {
			w.em.login(w.view.authURL)
		}
	} else if state == stateNeedsLogin {
		w.em.login(w.view.authURL) // a new URL in the same state
	}

	if running && !w.wasRunning && w.onRunning != nil {
		w.onRunning()
	}
	if running && (!w.wasRunning || w.selfChanged) {
		w.selfChanged = false
		w.onSelf()
	}
	if w.wasRunning && !running && w.view.state == ipn.NeedsLogin.String() && !w.askedToLogin {
		// Logged out or key expired while running: ask control for a
		// login URL, as tsnet does by itself only at start.
		w.askedToLogin = true
		go func() {
			if err := w.lc.StartLoginInteractive(ctx); err != nil && ctx.Err() == nil {
				w.logf("start interactive login: %v", err)
			}
		}()
	}
	if running {
		w.askedToLogin = false
	}
	w.wasRunning = running
}
