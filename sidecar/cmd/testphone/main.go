// Command testphone is a test-only tailnet node standing in for a phone.
//
// It joins the tailnet (--login-server, auth key from $TS_AUTHKEY) as
// --hostname (default "phone") with its state in --state-dir, and serves a
// SOCKS5 proxy on 127.0.0.1 whose connections go out through the tailnet:
// a headless browser pointed at it opens http://paseo.<tailnet domain>/ by
// its MagicDNS name, like a phone on the tailnet would.
//
// Only tailnet destinations are dialed: a host name must be the MagicDNS
// name (or its first label) of a node in the netmap, an IP address must be
// a Tailscale address; anything else is refused, so the browser behind the
// proxy can never reach the internet or the local network.
//
// When the node is up it prints one line on stdout:
//
//	{"ready":true,"socks":"127.0.0.1:NNNN","ips":[…],"fqdn":"phone.…"}
//
// It logs to stderr and exits when stdin closes or on SIGINT/SIGTERM.
// Used by web/test/e2e/tailnet.e2e.test.ts.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"tailscale.com/ipn/ipnstate"
	"tailscale.com/net/socks5"
	"tailscale.com/net/tsaddr"
	"tailscale.com/tsnet"
)

func main() {
	logger := log.New(os.Stderr, "testphone: ", log.LstdFlags|log.Lmicroseconds)
	hostname := flag.String("hostname", "phone", "name to ask the tailnet for")
	stateDir := flag.String("state-dir", "", "folder for the node's state (default: a new temporary folder, removed at exit)")
	loginServer := flag.String("login-server", "", "control server URL, e.g. a headscale at http://127.0.0.1:8080 (required)")
	socksAddr := flag.String("socks", "127.0.0.1:0", "where to serve SOCKS5 (loopback only)")
	verbose := flag.Bool("verbose", false, "log Tailscale's backend to stderr")
	upTimeout := flag.Duration("up-timeout", 2*time.Minute, "how long to wait for the node to join")
	flag.Parse()
	if *loginServer == "" {
		logger.Fatal("--login-server is required (this program never talks to Tailscale's own control server)")
	}
	if ap, err := netip.ParseAddrPort(*socksAddr); err != nil || !ap.Addr().IsLoopback() {
		logger.Fatalf("--socks must be a loopback address with a port, not %q", *socksAddr)
	}
	authKey := os.Getenv("TS_AUTHKEY")
	os.Unsetenv("TS_AUTHKEY")
	os.Unsetenv("TS_AUTH_KEY")

	dir := *stateDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "testphone-")
		if err != nil {
			logger.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { // the test runner went away: so do we
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()

	if err := run(ctx, logger, *hostname, dir, *loginServer, authKey, *socksAddr, *upTimeout, *verbose); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

func run(ctx context.Context, logger *log.Logger, hostname, dir, loginServer, authKey, socksAddr string, upTimeout time.Duration, verbose bool) error {
	ts := &tsnet.Server{
		Dir:        dir,
		Hostname:   hostname,
		ControlURL: loginServer,
		AuthKey:    authKey,
		UserLogf:   func(format string, args ...any) { logger.Printf("tsnet: "+format, args...) },
		Logf:       func(string, ...any) {},
	}
	if verbose {
		ts.Logf = func(format string, args ...any) { logger.Printf("tailscale: "+format, args...) }
	}
	defer ts.Close()

	upCtx, cancel := context.WithTimeout(ctx, upTimeout)
	st, err := ts.Up(upCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("joining the tailnet: %w", err)
	}
	lc, err := ts.LocalClient()
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", socksAddr)
	if err != nil {
		return err
	}
	defer ln.Close()
	srv := &socks5.Server{
		Logf: func(format string, args ...any) { logger.Printf("socks5: "+format, args...) },
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			peers, err := lc.Status(sctx)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("status: %w", err)
			}
			target, err := resolve(peers, addr)
			if err != nil {
				logger.Printf("refusing %s: %v", addr, err)
				return nil, err
			}
			c, err := ts.Dial(ctx, network, target)
			if err != nil {
				logger.Printf("dial %s (%s): %v", addr, target, err)
				return nil, err
			}
			return c, nil
		},
	}
	go srv.Serve(ln)

	var ips []string
	for _, ip := range st.TailscaleIPs {
		ips = append(ips, ip.String())
	}
	fqdn := ""
	if st.Self != nil {
		fqdn = strings.TrimSuffix(st.Self.DNSName, ".")
	}
	line, _ := json.Marshal(map[string]any{"ready": true, "socks": ln.Addr().String(), "ips": ips, "fqdn": fqdn})
	os.Stdout.Write(append(line, '\n'))
	logger.Printf("on the tailnet as %s %v; SOCKS5 on %s", fqdn, ips, ln.Addr())

	<-ctx.Done()
	logger.Print("stopping")
	return nil
}

// resolve maps a SOCKS destination to a tailnet address: a MagicDNS name
// (full, or its first label) of a node in the netmap, or a Tailscale IP.
// Anything else is an error: this proxy only reaches the tailnet.
func resolve(st *ipnstate.Status, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("bad port %q", port)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !tsaddr.IsTailscaleIP(ip.Unmap()) {
			return "", fmt.Errorf("%s is not a tailnet address", ip)
		}
		return net.JoinHostPort(ip.Unmap().String(), port), nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	nodes := make([]*ipnstate.PeerStatus, 0, len(st.Peer)+1)
	if st.Self != nil {
		nodes = append(nodes, st.Self)
	}
	for _, p := range st.Peer {
		nodes = append(nodes, p)
	}
	for _, n := range nodes {
		dns := strings.ToLower(strings.TrimSuffix(n.DNSName, "."))
		if dns == "" || (dns != name && !strings.HasPrefix(dns, name+".")) {
			continue
		}
		for _, ip := range n.TailscaleIPs {
			if ip.Is4() {
				return net.JoinHostPort(ip.String(), port), nil
			}
		}
		if len(n.TailscaleIPs) > 0 {
			return net.JoinHostPort(n.TailscaleIPs[0].String(), port), nil
		}
	}
	return "", errors.New("no node of the tailnet has that name")
}
