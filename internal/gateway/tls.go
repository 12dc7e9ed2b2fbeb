package gateway

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// certReloader serves a certificate from files, loading it again when they change (checked
// at most every 10 s), so a renewed certificate needs no restart.
type certReloader struct {
	certFile, keyFile string

	mu      sync.Mutex
	cert    *tls.Certificate
	modTime time.Time
	checked time.Time
}

func newCertReloader(certFile, keyFile string) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certReloader) load() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s and key %s: %w", c.certFile, c.keyFile, err)
	}
	info, err := os.Stat(c.certFile)
	if err != nil {
		return err
	}
	c.cert, c.modTime = &cert, info.ModTime()
	return nil
}

// get implements tls.Config.GetCertificate; a renewal that fails to load keeps the old one.
func (c *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.checked) > 10*time.Second {
		c.checked = time.Now()
		if info, err := os.Stat(c.certFile); err == nil && info.ModTime() != c.modTime {
			_ = c.load()
		}
	}
	return c.cert, nil
}

// serverTLS is the gateway's TLS configuration: TLS 1.2 at least, the certificate reloaded.
func (c *certReloader) serverTLS() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.get}
}

// clientTLS trusts exactly the certificate the gateway serves (pinned, whatever name it is
// for), for the simulated devices the gateway feeds itself.
func (c *certReloader) clientTLS() *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // replaced by the pin below, which also runs on resumed sessions
		VerifyConnection: func(cs tls.ConnectionState) error {
			served, _ := c.get(nil)
			if len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, served.Certificate[0]) {
				return errors.New("the gateway served another certificate than its own")
			}
			return nil
		},
	}
}
