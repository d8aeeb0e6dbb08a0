package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"tailscale.com/client/tailscale/apitype"
)

// Headers the proxy adds to every request it forwards to the daemon.
// Values are percent-encoded UTF-8 (decodeURIComponent reads them).
// Any incoming header starting with "X-Paseo-" is removed first, so a
// tailnet client cannot forge them.
const (
	hdrPrefix     = "X-Paseo-"
	hdrToken      = "X-Paseo-Sidecar-Token"     // the secret from PASEO_SIDECAR_TOKEN
	hdrAddr       = "X-Paseo-Tailnet-Addr"      // peer's tailnet IP
	hdrUser       = "X-Paseo-Tailnet-User"      // login name, e.g. alice@example.com
	hdrUserName   = "X-Paseo-Tailnet-User-Name" // display name, e.g. Alice Smith
	hdrNode       = "X-Paseo-Tailnet-Node"      // device name, e.g. Pixel 8
	hdrNodeFQDN   = "X-Paseo-Tailnet-Node-Name" // MagicDNS name, e.g. pixel-8.tailnet.ts.net
	hdrTags       = "X-Paseo-Tailnet-Tags"      // comma-separated ACL tags of a tagged node
	whoIsTimeout  = 5 * time.Second
	targetTimeout = 10 * time.Second
)

// whoIser is the part of local.Client the proxy uses.
type whoIser interface {
	WhoIs(ctx context.Context, remoteAddr string) (*apitype.WhoIsResponse, error)
}

// newProxy returns a reverse proxy to the daemon at target (host:port).
// It keeps the Host header the browser sent, handles WebSocket upgrades
// (httputil.ReverseProxy does), and passes the tailnet identity of the
// connecting node.
func newProxy(target string, who whoIser, token string, logf func(string, ...any)) http.Handler {
	targetURL := &url.URL{Scheme: "http", Host: target}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targetURL)
			r.Out.Host = r.In.Host // the daemon checks Host/Origin itself
			r.SetXForwarded()      // X-Forwarded-For/Host/Proto (https when TLS)
			stripPaseoHeaders(r.Out.Header)
			if token != "" {
				r.Out.Header.Set(hdrToken, token)
			}
			addIdentity(r.In.Context(), r.Out.Header, who, r.In.RemoteAddr, logf)
		},
		Transport: &http.Transport{
			Proxy:                 nil, // never an HTTP(S)_PROXY for the local daemon
			DialContext:           (&net.Dialer{Timeout: targetTimeout}).DialContext,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: 0, // long polls are fine
		},
		FlushInterval: -1, // stream as it comes
		ErrorLog:      nil,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			logf("proxy %s %s: %v", r.Method, r.URL.Path, err)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "Paseo is not answering on this computer right now (is `paseo up` still running?).\n")
		},
	}
}

func stripPaseoHeaders(h http.Header) {
	for k := range h {
		if len(k) >= len(hdrPrefix) && strings.EqualFold(k[:len(hdrPrefix)], hdrPrefix) {
			delete(h, k)
		}
	}
}

// addIdentity sets the tailnet identity headers from WhoIs. Without an
// answer only the address is set: the request still came over the tailnet.
func addIdentity(ctx context.Context, h http.Header, who whoIser, remoteAddr string, logf func(string, ...any)) {
	if ap, err := netipAddrPort(remoteAddr); err == nil {
		h.Set(hdrAddr, ap)
	}
	if who == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, whoIsTimeout)
	defer cancel()
	res, err := who.WhoIs(ctx, remoteAddr)
	if err != nil || res == nil || res.Node == nil {
		logf("whois %s: %v", remoteAddr, err)
		return
	}
	n := res.Node
	var hiName string
	if n.Hostinfo.Valid() {
		hiName = n.Hostinfo.Hostname()
	}
	if name := nodeDisplayName(hiName, n.Name); name != "" {
		h.Set(hdrNode, enc(name))
	}
	if fqdn := strings.TrimSuffix(n.Name, "."); fqdn != "" {
		h.Set(hdrNodeFQDN, enc(fqdn))
	}
	if n.IsTagged() {
		h.Set(hdrTags, enc(strings.Join(n.Tags, ",")))
		return // a tagged node has no user, its profile is "tagged-devices"
	}
	if up := res.UserProfile; up != nil {
		if up.LoginName != "" {
			h.Set(hdrUser, enc(up.LoginName))
		}
		if up.DisplayName != "" {
			h.Set(hdrUserName, enc(up.DisplayName))
		}
	}
}

// nodeDisplayName prefers the name the device reports (e.g. "Pixel 8"),
// else the first label of its MagicDNS name.
func nodeDisplayName(hostinfoName, dnsName string) string {
	if s := strings.TrimSpace(hostinfoName); s != "" {
		return s
	}
	label, _, _ := strings.Cut(strings.TrimSuffix(dnsName, "."), ".")
	return label
}

// enc percent-encodes a header value (UTF-8, spaces as %20), the way
// JavaScript's encodeURIComponent does for everything but a few marks.
func enc(s string) string { return url.PathEscape(s) }

// netipAddrPort returns the IP part of a "host:port" remote address.
func netipAddrPort(remoteAddr string) (string, error) {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return "", err
	}
	return host, nil
}

// redirectToHTTPS answers plain HTTP requests on :80 once HTTPS is up.
// Temporary (307): a browser must not remember it if HTTPS goes away.
func redirectToHTTPS(fqdn func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := "https://" + fqdn() + r.URL.RequestURI()
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
	})
}
