package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// servers are the attacker's: a canary standing in for the validator's own services, and
// public-looking servers that redirect, hang, serve too much or serve a bad certificate.
type servers struct {
	canaryURL string        // a loopback service no sidecar may ever reach
	canary    atomic.Int32  // requests it received
	hung      atomic.Int32  // requests the hanging endpoint holds
	served    sync.Map      // path -> body the attacker serves for a batch
	padding   atomic.Int64  // bytes of padding written after an oversized batch
	release   chan struct{} // closes the hanging requests
}

func startServers(ctx context.Context, cfg config) (*servers, error) {
	s := &servers{release: make(chan struct{})}
	quiet := log.New(io.Discard, "", 0)
	canary, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.canaryURL = "http://" + canary.Addr().String()
	serve(ctx, canary, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { s.canary.Add(1) }), quiet)

	mux := http.NewServeMux()
	mux.HandleFunc("/redirect/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.canaryURL+"/stolen", http.StatusFound)
	})
	mux.HandleFunc("/hang/", func(w http.ResponseWriter, r *http.Request) {
		s.hung.Add(1)
		select { // accept, then never answer
		case <-r.Context().Done():
		case <-s.release:
		}
	})
	mux.HandleFunc("/batch/", func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.served.Load(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body.([]byte))
		if strings.Contains(r.URL.Path, "huge") {
			chunk := make([]byte, 64<<10)
			for range 1 << 12 { // up to 256 MiB, until the reader hangs up
				n, err := w.Write(chunk)
				s.padding.Add(int64(n))
				if err != nil {
					return
				}
			}
		}
	})
	plain, err := net.Listen("tcp", cfg.attacker)
	if err != nil {
		return nil, err
	}
	serve(ctx, plain, mux, quiet)

	cert, err := selfSigned()
	if err != nil {
		return nil, err
	}
	secure, err := net.Listen("tcp", cfg.attackerTLS)
	if err != nil {
		return nil, err
	}
	serve(ctx, tls.NewListener(secure, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}), mux, quiet)
	go func() { <-ctx.Done(); close(s.release) }()
	return s, nil
}

func serve(ctx context.Context, ln net.Listener, h http.Handler, errs *log.Logger) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: errs}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs.Print(err)
		}
	}()
	go func() { <-ctx.Done(); _ = srv.Close() }()
}

// selfSigned is a certificate no validator trusts.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attacker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
