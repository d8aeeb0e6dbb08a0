// What the sidecar knows of its own node (name, addresses, certificate domains) and the ready line built from it.

package main

import (
	"strings"

	"tailscale.com/ipn/ipnstate"
)

// selfInfo is what the proxy needs to know about this node.
type selfInfo struct {
	fqdn        string // "paseo.tailnet.ts.net", no trailing dot
	tailnet     string // MagicDNS suffix, "tailnet.ts.net"
	ips         []string
	certDomains []string
	magicDNS    bool
}

func selfFromStatus(st *ipnstate.Status) selfInfo {
	var si selfInfo
	if st.Self != nil {
		si.fqdn = strings.TrimSuffix(st.Self.DNSName, ".")
	}
	for _, ip := range st.TailscaleIPs {
		si.ips = append(si.ips, ip.String())
	}
	si.certDomains = st.CertDomains
	if t := st.CurrentTailnet; t != nil {
		si.tailnet = t.MagicDNSSuffix
		si.magicDNS = t.MagicDNSEnabled
	}
	return si
}

// certDomain is the name to get a certificate for: the node's own name,
// when control says it can issue one for it.
func (si selfInfo) certDomain() string {
	for _, d := range si.certDomains {
		if si.fqdn != "" && strings.EqualFold(d, si.fqdn) {
			return d
		}
	}
	return ""
}

// readyFor builds the ready line for si.
func readyFor(si selfInfo, https bool, detail string) readyEvent {
	host, _, _ := strings.Cut(si.fqdn, ".")
	ev := readyEvent{FQDN: si.fqdn, Hostname: host, Tailnet: si.tailnet, IPs: si.ips,
		HTTPS: https, MagicDNS: si.magicDNS, Detail: detail, URLs: []string{}}
	if ev.IPs == nil {
		ev.IPs = []string{}
	}
	if https {
		ev.URLs = append(ev.URLs, "https://"+si.fqdn+"/")
		return ev
	}
	var byName, byIP []string
	if si.fqdn != "" {
		byName = []string{"http://" + si.fqdn + "/"}
	}
	for _, ip := range si.ips {
		if !strings.Contains(ip, ":") {
			byIP = []string{"http://" + ip + "/"}
			break
		}
	}
	if si.magicDNS {
		ev.URLs = append(append(ev.URLs, byName...), byIP...)
	} else {
		// Without MagicDNS no device can resolve the name: the IP first.
		ev.URLs = append(append(ev.URLs, byIP...), byName...)
	}
	return ev
}
