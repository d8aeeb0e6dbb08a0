// The node's HTTPS certificate, through tailscaled's cert store.

package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"
)

// fetchCert gets (or renews) the certificate for domain through tailscaled's
// cert store, which caches it on disk in the state folder.
func (s *server) fetchCert(ctx context.Context, domain string) error {
	ctx, cancel := context.WithTimeout(ctx, s.certTimeout)
	defer cancel()
	certPEM, keyPEM, err := s.lc.CertPair(ctx, domain)
	if err != nil {
		return err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("parsing certificate for %s: %w", domain, err)
	}
	s.mu.Lock()
	s.cert, s.certAt = &cert, time.Now()
	s.mu.Unlock()
	return nil
}

// getCertificate serves the node's certificate whatever name the client
// asked for (there is one name); it re-reads it hourly to pick up renewals.
func (s *server) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	s.mu.Lock()
	domain, cert, at := s.mode.certDomain, s.cert, s.certAt
	s.mu.Unlock()
	if domain == "" {
		return nil, errors.New("no HTTPS certificate")
	}
	if cert != nil && time.Since(at) < time.Hour {
		return cert, nil
	}
	if err := s.fetchCert(context.Background(), domain); err != nil {
		if cert != nil {
			s.logf("renewing certificate for %s: %v (keeping the old one)", domain, err)
			return cert, nil
		}
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cert, nil
}
