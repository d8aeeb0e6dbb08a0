package main

import (
	"encoding/json"
	"io"
	"sync"
)

// protocolVersion is sent in the hello line. Bump it when a change to the
// stdio protocol (docs/sidecar.md) would break the daemon's reader.
const protocolVersion = 1

// States reported in {"type":"state"} lines.
const (
	stateStarting           = "starting"
	stateNeedsLogin         = "needs-login"
	stateNeedsApproval      = "needs-approval"
	stateRunning            = "running"
	stateControlUnreachable = "control-unreachable"
	stateStopped            = "stopped"
)

type helloEvent struct {
	Type      string `json:"type"` // "hello"
	Protocol  int    `json:"protocol"`
	Version   string `json:"version"`
	Tailscale string `json:"tailscale"`
}

type stateEvent struct {
	Type   string `json:"type"` // "state"
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
}

type loginEvent struct {
	Type string `json:"type"` // "login"
	URL  string `json:"url"`
}

// readyEvent says the node is on the tailnet and the proxy is serving.
type readyEvent struct {
	Type     string   `json:"type"` // "ready"
	FQDN     string   `json:"fqdn"`
	Hostname string   `json:"hostname"`
	Tailnet  string   `json:"tailnet"`
	IPs      []string `json:"ips"`
	HTTPS    bool     `json:"https"`
	MagicDNS bool     `json:"magicDNS"`
	URLs     []string `json:"urls"`
	Detail   string   `json:"detail,omitempty"`
}

type errorEvent struct {
	Type    string `json:"type"` // "error"
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

// emitter writes protocol lines to stdout, one JSON object per line.
// It is safe for concurrent use and drops exact repeats of the current
// state, login URL, ready line and error so the daemon sees changes only.
type emitter struct {
	mu        sync.Mutex
	w         io.Writer
	lastState stateEvent
	lastLogin string
	lastReady string
	lastError errorEvent
}

func newEmitter(w io.Writer) *emitter { return &emitter{w: w} }

func (e *emitter) writeLocked(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // all event types are plain structs
	}
	b = append(b, '\n')
	e.w.Write(b) // a dead reader also closes our stdin, which stops us
}

func (e *emitter) hello(version, tsVersion string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.writeLocked(helloEvent{Type: "hello", Protocol: protocolVersion, Version: version, Tailscale: tsVersion})
}

func (e *emitter) state(state, detail string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev := stateEvent{Type: "state", State: state, Detail: detail}
	if ev == e.lastState {
		return
	}
	if ev.State != e.lastState.State {
		// A new state makes earlier errors and the ready line history.
		e.lastError = errorEvent{}
		e.lastReady = ""
	}
	e.lastState = ev
	e.writeLocked(ev)
}

func (e *emitter) login(url string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if url == "" || url == e.lastLogin {
		return
	}
	e.lastLogin = url
	e.writeLocked(loginEvent{Type: "login", URL: url})
}

func (e *emitter) ready(ev readyEvent) {
	ev.Type = "ready"
	b, _ := json.Marshal(ev)
	e.mu.Lock()
	defer e.mu.Unlock()
	if string(b) == e.lastReady {
		return
	}
	e.lastReady = string(b)
	e.writeLocked(ev)
}

func (e *emitter) error(message, detail string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev := errorEvent{Type: "error", Message: message, Detail: detail}
	if ev == e.lastError {
		return
	}
	e.lastError = ev
	e.writeLocked(ev)
}
