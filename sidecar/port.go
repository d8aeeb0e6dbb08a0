package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// portFile keeps the node's WireGuard UDP port in the state folder.
const portFile = "paseo-udp-port"

// stablePort returns the UDP port the node should listen on: the one saved
// in dir by an earlier run, or a free one that it saves for the next runs.
//
// Why: after a restart (the daemon restarts a crashed sidecar, or `paseo up`
// runs again) peers still hold the node's last endpoints and a direct path
// to one of them. On the same port the new process answers there at once;
// on a new port a peer keeps sending its first handshake to the dead one
// (magicsock trusts a working path for 6.5 s without a pong,
// trustUDPAddrDuration) and WireGuard retries only after 5 s. tailscaled
// keeps its port (41641) across restarts for the same reason. If the port
// is taken, Tailscale falls back to a random one by itself.
func stablePort(dir string) (uint16, error) {
	path := filepath.Join(dir, portFile)
	if b, err := os.ReadFile(path); err == nil {
		if p, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 16); err == nil && p >= 1024 {
			return uint16(p), nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	pc, err := net.ListenPacket("udp4", ":0")
	if err != nil {
		return 0, fmt.Errorf("finding a free UDP port: %w", err)
	}
	port := uint16(pc.LocalAddr().(*net.UDPAddr).Port)
	pc.Close()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(int(port))+"\n"), 0o600); err != nil {
		return 0, err
	}
	return port, os.Rename(tmp, path)
}
