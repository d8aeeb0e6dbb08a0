package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"tailscale.com/derp/derpserver"
	"tailscale.com/ipn/ipnlocal"
	"tailscale.com/ipn/store/mem"
	"tailscale.com/net/stun/stuntest"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
	"tailscale.com/tstest/integration/testcontrol"
	"tailscale.com/types/key"
	"tailscale.com/types/logger"
)

const testDomain = "tail-scale.ts.net"

// logBuf collects logs and prints them only when the test fails.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.buf, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLogBuf(t *testing.T, name string) *logBuf {
	l := &logBuf{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- %s log ---\n%s", name, l.String())
		}
	})
	return l
}

// loopbackUDP makes stuntest listen on 127.0.0.1 rather than all addresses.
type loopbackUDP struct{}

func (loopbackUDP) ListenPacket(ctx context.Context, network, _ string) (net.PacketConn, error) {
	var lc net.ListenConfig
	return lc.ListenPacket(ctx, "udp4", "127.0.0.1:0")
}

// startDERP runs a DERP server (plain HTTP) and a STUN server on 127.0.0.1.
func startDERP(t *testing.T) *tailcfg.DERPMap {
	d := derpserver.New(key.NewNode(), logger.Discard)
	hs := httptest.NewServer(derpserver.Handler(d))
	stunAddr, stunClose := stuntest.ServeWithPacketListener(t, loopbackUDP{})
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		d.Close()
		stunClose()
	})
	port := hs.Listener.Addr().(*net.TCPAddr).Port
	return &tailcfg.DERPMap{Regions: map[int]*tailcfg.DERPRegion{
		1: {RegionID: 1, RegionCode: "test", Nodes: []*tailcfg.DERPNode{{
			Name: "t1", RegionID: 1, HostName: "127.0.0.1", IPv4: "127.0.0.1", IPv6: "none",
			STUNPort: stunAddr.Port, DERPPort: port, InsecureForTests: true, STUNTestIP: "127.0.0.1",
		}}},
	}}
}

// startControl runs tailscale's test control server with a local DERP.
// withHTTPS gives the tailnet MagicDNS and certificate domains.
func startControl(t *testing.T, withHTTPS bool, tweak func(*testcontrol.Server)) *testcontrol.Server {
	logs := newLogBuf(t, "testcontrol")
	c := &testcontrol.Server{
		DERPMap:        startDERP(t),
		MagicDNSDomain: testDomain,
		Logf:           logs.logf,
	}
	if withHTTPS {
		c.DNSConfig = &tailcfg.DNSConfig{Proxied: true}
	}
	if tweak != nil {
		tweak(c)
	}
	c.HTTPTestServer = httptest.NewUnstartedServer(c)
	c.HTTPTestServer.Start()
	t.Cleanup(c.HTTPTestServer.Close)
	return c
}

// certIssuer is a throwaway CA standing in for Let's Encrypt.
type certIssuer struct {
	mu    sync.Mutex
	root  *x509.Certificate
	key   *ecdsa.PrivateKey
	certs map[string]*ipnlocal.TLSCertKeyPair
}

func newCertIssuer(t *testing.T) *certIssuer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "paseo test root"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &certIssuer{root: root, key: k, certs: map[string]*ipnlocal.TLSCertKeyPair{}}
}

func (ci *certIssuer) issue(host string) (*ipnlocal.TLSCertKeyPair, error) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if c, ok := ci.certs[host]; ok {
		return c, nil
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(len(ci.certs) + 2)), DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ci.root, &k.PublicKey, ci.key)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	c := &ipnlocal.TLSCertKeyPair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}
	ci.certs[host] = c
	return c, nil
}

func (ci *certIssuer) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ci.root)
	return p
}

// event is any protocol line, decoded loosely.
type event struct {
	Type     string   `json:"type"`
	State    string   `json:"state"`
	Detail   string   `json:"detail"`
	URL      string   `json:"url"`
	FQDN     string   `json:"fqdn"`
	Hostname string   `json:"hostname"`
	Tailnet  string   `json:"tailnet"`
	IPs      []string `json:"ips"`
	HTTPS    *bool    `json:"https"`
	MagicDNS bool     `json:"magicDNS"`
	URLs     []string `json:"urls"`
	Message  string   `json:"message"`
	Protocol int      `json:"protocol"`
	raw      string
}

// sidecar is run() in-process with pipes for stdin and stdout.
type sidecar struct {
	t      *testing.T
	stdin  *io.PipeWriter
	events chan event
	done   chan error
	logs   *logBuf
	mu     sync.Mutex
	seen   []string
	node   *tsnet.Server
}

type sidecarOpts struct {
	control  *testcontrol.Server // nil: controlURL must be set
	url      string              // control URL override
	dir      string              // state dir (default: a temp dir)
	authKey  string
	certs    *certIssuer
	hostname string
	target   string
}

func startSidecar(t *testing.T, o sidecarOpts) *sidecar {
	t.Helper()
	if o.url == "" {
		o.url = o.control.HTTPTestServer.URL
	}
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	if o.hostname == "" {
		o.hostname = "paseo"
	}
	if o.target == "" {
		o.target = "127.0.0.1:9" // nothing there; the proxy answers 502
	}
	s := &sidecar{t: t, events: make(chan event, 256), done: make(chan error, 1), logs: newLogBuf(t, "sidecar")}
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	s.stdin = stdinW
	cfg := config{
		Hostname: o.hostname, StateDir: o.dir, Target: o.target, ControlURL: o.url,
		AuthKey: o.authKey, Token: "test-token", pollEvery: 500 * time.Millisecond,
		certTimeout: 20 * time.Second,
		afterStart: func(ts *tsnet.Server) {
			s.node = ts
			if o.certs != nil {
				tsnet.TestHooks.LocalBackend(ts).ForTest().ConfigureCerts(o.certs.issue)
			}
		},
	}
	go func() {
		s.done <- run(context.Background(), cfg, stdinR, stdoutW, s.logs.logf)
		stdoutW.Close()
	}()
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(stdoutR)
		for sc.Scan() {
			line := sc.Text()
			var ev event
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Errorf("stdout line is not JSON: %q", line)
				continue
			}
			ev.raw = line
			s.mu.Lock()
			s.seen = append(s.seen, line)
			s.mu.Unlock()
			s.events <- ev
		}
	}()
	t.Cleanup(func() {
		s.stdin.Close()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Errorf("sidecar did not stop within 30s of stdin closing")
		}
		if t.Failed() || os.Getenv("PASEO_SIDECAR_TEST_SHOW") != "" {
			t.Logf("--- sidecar stdout ---\n%s", strings.Join(s.lines(), "\n"))
		}
	})
	return s
}

func (s *sidecar) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// waitFor returns the first event from now on that matches, or fails.
// Lines that match reject fail the test at once.
func (s *sidecar) waitFor(what string, timeout time.Duration, match, reject func(event) bool) event {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("sidecar stopped while waiting for %s", what)
			}
			if reject != nil && reject(ev) {
				s.t.Fatalf("unexpected line while waiting for %s: %s", what, ev.raw)
			}
			if match(ev) {
				return ev
			}
		case <-deadline:
			s.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

func (s *sidecar) waitState(state string, timeout time.Duration) event {
	s.t.Helper()
	return s.waitFor("state "+state, timeout, func(ev event) bool { return ev.Type == "state" && ev.State == state }, nil)
}

func (s *sidecar) waitReady(timeout time.Duration) event {
	s.t.Helper()
	return s.waitFor("ready", timeout, func(ev event) bool { return ev.Type == "ready" }, nil)
}

// stop closes stdin and waits for run to return.
func (s *sidecar) stop() error {
	s.t.Helper()
	s.stdin.Close()
	select {
	case err := <-s.done:
		s.done <- err // for Cleanup
		return err
	case <-time.After(30 * time.Second):
		s.t.Fatal("sidecar did not stop within 30s of stdin closing")
		return nil
	}
}

// startPhone joins a second tsnet node, the browser's side of the tailnet.
func startPhone(t *testing.T, ctx context.Context, controlURL, authKey string) *tsnet.Server {
	t.Helper()
	return startPhoneWithLogs(t, ctx, controlURL, authKey, newLogBuf(t, "phone"))
}

// startPhoneWithLogs is startPhone with its Tailscale logs in logs.
func startPhoneWithLogs(t *testing.T, ctx context.Context, controlURL, authKey string, logs *logBuf) *tsnet.Server {
	t.Helper()
	ph := &tsnet.Server{
		Dir: t.TempDir(), ControlURL: controlURL, Hostname: "phone", Store: new(mem.Store),
		Ephemeral: true, AuthKey: authKey, UserLogf: logs.logf, Logf: logs.logf,
	}
	t.Cleanup(func() { ph.Close() })
	if _, err := ph.Up(ctx); err != nil {
		t.Fatalf("phone Up: %v", err)
	}
	return ph
}

// phoneClient makes HTTP requests from the phone node. Whatever the URL's
// host, it connects to ip (so no DNS lookup ever leaves the process).
func phoneClient(ph *tsnet.Server, ip string, roots *x509.CertPool) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, _ := net.SplitHostPort(addr)
				return ph.Dial(ctx, "tcp", net.JoinHostPort(ip, port))
			},
			TLSClientConfig: &tls.Config{RootCAs: roots},
			Proxy:           nil,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       20 * time.Second,
	}
}
