package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"tailscale.com/client/tailscale/apitype"
	"tailscale.com/health"
	"tailscale.com/tailcfg"
)

// closedURL is an http:// URL on loopback where nothing listens.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name         string
		v            backendView
		state, match string
	}{
		{"fresh", backendView{state: "NoState"}, stateStarting, ""},
		{"authkey in flight", backendView{state: "NeedsLogin"}, stateStarting, ""},
		{"login url", backendView{state: "NeedsLogin", authURL: "https://x/a/1"}, stateNeedsLogin, "login URL"},
		{"refused", backendView{state: "NeedsLogin", ctrlErr: "invalid authkey", loginErr: "register request: invalid authkey"}, stateNeedsLogin, "refused"},
		{"unreachable", backendView{state: "NeedsLogin", loginErr: "fetch control key: connection refused"}, stateControlUnreachable, "connection refused"},
		{"unreachable after refusal", backendView{state: "Starting", ctrlErr: "invalid authkey", loginErr: "dial tcp 1.2.3.4:443: i/o timeout"}, stateControlUnreachable, "timeout"},
		{"unreachable wins over url", backendView{state: "NeedsLogin", authURL: "https://x", loginErr: "register request: dial tcp: connection refused"}, stateControlUnreachable, "refused"},
		{"control failing", backendView{state: "NeedsLogin", loginErr: "register request: http 502: bad gateway"}, stateControlUnreachable, "502"},
		{"control answered oddly", backendView{state: "NeedsLogin", loginErr: "weird: regen=true but server says NodeKeyExpired"}, stateStarting, "login failed, retrying"},
		{"approval", backendView{state: "NeedsMachineAuth"}, stateNeedsApproval, "approve"},
		{"running", backendView{state: "Running"}, stateRunning, ""},
		{"running, map poll lost", backendView{state: "Running", mapLost: true}, stateRunning, "unreachable"},
		{"running from cache", backendView{state: "Running", loginErr: "fetch control key: dial tcp: connection refused"}, stateRunning, "unreachable"},
	} {
		state, detail := classify(tc.v, false)
		if state != tc.state || !strings.Contains(detail, tc.match) {
			t.Errorf("%s: got %q %q, want %q containing %q", tc.name, state, detail, tc.state, tc.match)
		}
	}
}

func TestFromHealth(t *testing.T) {
	if e, lost := fromHealth(nil); e != "" || lost {
		t.Errorf("nil: %q %v", e, lost)
	}
	hs := &health.State{Warnings: map[health.WarnableCode]health.UnhealthyState{
		"login-state":     {Args: health.Args{health.ArgError: "fetch control key: boom"}},
		"not-in-map-poll": {},
	}}
	if e, lost := fromHealth(hs); e != "fetch control key: boom" || !lost {
		t.Errorf("got %q %v", e, lost)
	}
}

func TestEmitterDedupesAndShapes(t *testing.T) {
	var buf bytes.Buffer
	e := newEmitter(&buf)
	e.state(stateStarting, "a")
	e.state(stateStarting, "a")
	e.login("https://login/1")
	e.login("https://login/1")
	e.ready(readyFor(selfInfo{fqdn: "paseo.t.ts.net", ips: []string{"100.64.0.1", "fd7a::1"}}, false, "plain"))
	e.ready(readyFor(selfInfo{fqdn: "paseo.t.ts.net", ips: []string{"100.64.0.1", "fd7a::1"}}, false, "plain"))
	e.error("m", "d")
	e.error("m", "d")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines:\n%s", len(lines), buf.String())
	}
	want := `{"type":"ready","fqdn":"paseo.t.ts.net","hostname":"paseo","tailnet":"","ips":["100.64.0.1","fd7a::1"],` +
		`"https":false,"magicDNS":false,"urls":["http://100.64.0.1/","http://paseo.t.ts.net/"],"detail":"plain"}`
	if lines[2] != want {
		t.Errorf("ready line\n got %s\nwant %s", lines[2], want)
	}
	// A new state lets the same ready line be said again.
	e.state(stateNeedsLogin, "")
	e.state(stateRunning, "")
	e.ready(readyFor(selfInfo{fqdn: "paseo.t.ts.net", ips: []string{"100.64.0.1", "fd7a::1"}}, false, "plain"))
	if n := strings.Count(buf.String(), `"type":"ready"`); n != 2 {
		t.Errorf("ready said %d times, want 2", n)
	}
}

func TestParseFlags(t *testing.T) {
	env := map[string]string{"TS_AUTHKEY": "tskey-abc", "PASEO_SIDECAR_TOKEN": "tok"}
	c, err := parseFlags([]string{"--state-dir", "/s", "--hostname", "box", "--login-server", "https://hs.example"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.StateDir != "/s" || c.Hostname != "box" || c.ControlURL != "https://hs.example" ||
		c.Target != "127.0.0.1:6767" || c.AuthKey != "tskey-abc" || c.Token != "tok" {
		t.Errorf("config = %+v", c)
	}
	if _, err := parseFlags(nil, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("no --state-dir: want an error")
	}
	if _, err := parseFlags([]string{"--state-dir", "/s", "--authkey", "k"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("--authkey is not a flag (keys come from TS_AUTHKEY): want an error")
	}
}

func TestReadSecretsFromStdin(t *testing.T) {
	c, err := parseFlags([]string{"--state-dir", "/s", "--secrets-stdin"},
		func(k string) string { return map[string]string{"TS_AUTHKEY": "tskey-env"}[k] }, io.Discard)
	if err != nil || !c.SecretsStdin {
		t.Fatalf("parseFlags: %+v, %v", c, err)
	}
	r := bufio.NewReader(strings.NewReader(`{"token":"tok-1","authKey":"tskey-stdin"}` + "\n" + `{"type":"shutdown"}` + "\n"))
	if err := readSecrets(r, &c); err != nil {
		t.Fatal(err)
	}
	if c.Token != "tok-1" || c.AuthKey != "tskey-stdin" {
		t.Errorf("config = %+v", c)
	}
	// What follows the secrets line is still there for readCommands.
	if rest, _ := io.ReadAll(r); string(rest) != `{"type":"shutdown"}`+"\n" {
		t.Errorf("rest of stdin = %q", rest)
	}
	// Without an auth key on stdin, TS_AUTHKEY still counts.
	c.AuthKey = "tskey-env"
	if err := readSecrets(bufio.NewReader(strings.NewReader(`{"token":"tok-2"}`+"\n")), &c); err != nil || c.AuthKey != "tskey-env" || c.Token != "tok-2" {
		t.Errorf("config = %+v, %v", c, err)
	}
	for _, bad := range []string{"", "not json\n", `{"token":"secret-tok"`} {
		err := readSecrets(bufio.NewReader(strings.NewReader(bad)), &c)
		if err == nil || strings.Contains(err.Error(), "secret-tok") {
			t.Errorf("readSecrets(%q) = %v, want an error that does not repeat the line", bad, err)
		}
	}
}

type fakeWhoIs struct {
	res *apitype.WhoIsResponse
	err error
}

func (f fakeWhoIs) WhoIs(context.Context, string) (*apitype.WhoIsResponse, error) {
	return f.res, f.err
}

func TestIdentityHeaders(t *testing.T) {
	user := &tailcfg.Node{Name: "pixel-8.t.ts.net.", Hostinfo: (&tailcfg.Hostinfo{Hostname: "Pixel 8"}).View()}
	tagged := &tailcfg.Node{Name: "ci.t.ts.net.", Tags: []string{"tag:ci", "tag:x"}}
	for _, tc := range []struct {
		name string
		who  whoIser
		want map[string]string
	}{
		{"user", fakeWhoIs{res: &apitype.WhoIsResponse{Node: user,
			UserProfile: &tailcfg.UserProfile{LoginName: "alice@example.com", DisplayName: "Alice Ö"}}},
			map[string]string{hdrAddr: "100.64.0.9", hdrNode: "Pixel%208", hdrNodeFQDN: "pixel-8.t.ts.net",
				hdrUser: "alice@example.com", hdrUserName: "Alice%20%C3%96"}},
		{"tagged", fakeWhoIs{res: &apitype.WhoIsResponse{Node: tagged,
			UserProfile: &tailcfg.UserProfile{LoginName: "tagged-devices"}}},
			map[string]string{hdrAddr: "100.64.0.9", hdrNode: "ci", hdrNodeFQDN: "ci.t.ts.net", hdrTags: "tag:ci%2Ctag:x"}},
		{"whois fails", fakeWhoIs{err: errors.New("no")}, map[string]string{hdrAddr: "100.64.0.9"}},
	} {
		h := http.Header{}
		addIdentity(context.Background(), h, tc.who, "100.64.0.9:41000", func(string, ...any) {})
		got := map[string]string{}
		for k := range h {
			got[k] = h.Get(k)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got[k], v)
			}
		}
	}
}

// TestProxyStripsForgedHeadersAndKeepsHost runs the proxy alone on loopback.
func TestProxyStripsForgedHeadersAndKeepsHost(t *testing.T) {
	var seen *http.Request
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r }))
	defer backend.Close()
	p := newProxy(strings.TrimPrefix(backend.URL, "http://"), nil, "", func(string, ...any) {})
	req := httptest.NewRequest("GET", "http://paseo.t.ts.net/x", nil)
	req.RemoteAddr = "100.64.0.7:5555"
	req.Header.Set("X-Paseo-Tailnet-User", "forged")
	req.Header.Set("X-Paseo-Sidecar-Token", "forged")
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if rec.Code != 200 || seen == nil {
		t.Fatalf("status %d", rec.Code)
	}
	if seen.Host != "paseo.t.ts.net" {
		t.Errorf("Host = %q", seen.Host)
	}
	if seen.Header.Get(hdrUser) != "" || seen.Header.Get(hdrToken) != "" || seen.Header.Get(hdrAddr) != "100.64.0.7" {
		t.Errorf("headers = %v", seen.Header)
	}

	// The daemon is down: a plain 502 sentence, not a Go error page.
	backend.Close()
	rec = httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "http://paseo.t.ts.net/", nil))
	if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), "Paseo is not answering") {
		t.Errorf("down: %d %q", rec.Code, rec.Body.String())
	}
}

// TestSubprocess runs this test binary as the real sidecar process: stdout
// carries only JSON lines, the auth key never shows in its output, and it
// exits 0 soon after stdin closes.
func TestSubprocess(t *testing.T) {
	args, _ := json.Marshal([]string{"--state-dir", t.TempDir(), "--login-server", closedURL(t), "--target", "127.0.0.1:9", "--secrets-stdin"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PASEO_SIDECAR_RUN_MAIN="+string(args))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// As the daemon does: the secrets on stdin, never in the environment.
	io.WriteString(stdin, `{"token":"subprocess-token","authKey":"tskey-subprocess-secret"}`+"\n")

	var lines []string
	sc := bufio.NewScanner(stdout)
	found := make(chan bool, 1)
	go func() {
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.Contains(sc.Text(), `"state":"control-unreachable"`) {
				found <- true
			}
		}
		close(found)
	}()
	select {
	case ok := <-found:
		if !ok {
			t.Fatalf("stdout closed before control-unreachable; stderr:\n%s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no control-unreachable within 30s; stderr:\n%s", stderr.String())
	}
	stdin.Close()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("exit: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after stdin closed; stderr:\n%s", stderr.String())
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["type"] == nil {
			t.Errorf("stdout line is not a protocol line: %q", l)
		}
	}
	if !strings.Contains(lines[0], `"type":"hello"`) || !strings.Contains(lines[len(lines)-1], `"state":"stopped"`) {
		t.Errorf("want hello first and stopped last, got %q", lines)
	}
	if out := stderr.String() + strings.Join(lines, ""); strings.Contains(out, "tskey-subprocess-secret") || strings.Contains(out, "subprocess-token") {
		t.Error("the auth key or the token appears in the output")
	}
}
