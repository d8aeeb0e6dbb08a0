package main

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"tailscale.com/envknob"
	"tailscale.com/net/netns"
)

// testEnv keeps every Tailscale node in these tests on loopback: no log
// uploads, no port mapping (UPnP/NAT-PMP/PCP probes), no direct UDP paths
// (disco pings would go to this machine's non-loopback addresses), DERP
// over plain HTTP to the local DERP, no ACME, and a panic if anything
// dials Tailscale's real control server.
var testEnv = map[string]string{
	"TS_NO_LOGS_NO_SUPPORT":         "1",
	"TS_DISABLE_PORTMAPPER":         "1",
	"TS_ASSUME_NETWORK_UP_FOR_TEST": "1",
	"TS_DEBUG_USE_DERP_HTTP":        "1",
	"TS_DEBUG_NEVER_DIRECT_UDP":     "1",
	"TS_DEBUG_OMIT_LOCAL_ADDRS":     "1",
	"TS_PANIC_IF_HIT_MAIN_CONTROL":  "1",
	"TS_DEBUG_ACME_DIRECTORY_URL":   "http://127.0.0.1:9/acme-is-off-in-tests",
	"TS_CONTROL_URL":                "http://127.0.0.1:9/no-default-control-in-tests",
}

const envReexeced = "PASEO_SIDECAR_TEST_ENV"

func TestMain(m *testing.M) {
	// Make sure the knobs are in the environment from the first
	// instruction on (some are read at package init): re-exec once.
	if os.Getenv(envReexeced) == "" {
		env := os.Environ()
		for k, v := range testEnv {
			env = append(env, k+"="+v)
		}
		env = append(env, envReexeced+"=1")
		reexec(env) // returns only where exec is not possible
		for k, v := range testEnv {
			envknob.Setenv(k, v)
		}
	}
	// The subprocess test runs this binary as the sidecar itself.
	if args := os.Getenv("PASEO_SIDECAR_RUN_MAIN"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Args = append([]string{"paseo-sidecar"}, argv...)
		main()
		os.Exit(0)
	}
	netns.SetEnabled(false) // no SO_MARK/bind-to-interface games in tests
	os.Exit(m.Run())
}
