package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"syscall"
	"time"
)

// Policy is where a Client may connect.
type Policy struct {
	// Allow lists exact HOST:PORT pairs (as written in the URI, default port included) that
	// are fetched without the address checks: devnets list their own gateways here.
	Allow []string
	// Local are the machine's own addresses, refused wherever they are (see LocalAddrs).
	Local []netip.Addr
	// Resolver resolves host names (default net.DefaultResolver).
	Resolver Resolver
}

// Resolver resolves a host name; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Check applies CheckURI to raw: a URI whose HOST:PORT is on the allow-list may name a
// private address, any other may not.
func (p Policy) Check(raw string) error {
	u, err := CheckURI(raw, true)
	if err != nil {
		return err
	}
	_, err = CheckURI(raw, slices.Contains(p.Allow, HostPort(u)))
	return err
}

// HostPort is a URL's HOST:PORT with the scheme's default port filled in, as the allow-list
// and the dialer see it.
func HostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// LocalAddrs lists the addresses of this machine's interfaces.
func LocalAddrs() ([]netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out, nil
}

// forbidden says why the policy refuses addr, or "".
func (p Policy) forbidden(addr netip.Addr) string {
	if why := ForbiddenAddr(addr); why != "" {
		return why
	}
	if slices.Contains(p.Local, addr.Unmap().WithZone("")) {
		return "an address of this machine"
	}
	return ""
}

// NewClient returns an HTTP client that applies the policy to every connection: the host is
// resolved once, every address it resolves to is vetted, and the connection goes to a vetted
// address, checked again by the dialer's control hook (so nothing resolved later can slip
// in). It uses no proxy, follows no redirect and keeps no cookies; timeout bounds each whole
// exchange, body included.
func NewClient(p Policy, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout: timeout,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot parse %q", ErrForbidden, address)
			}
			if why := p.forbidden(ap.Addr()); why != "" {
				return fmt.Errorf("%w: %s is %s", ErrForbidden, ap.Addr(), why)
			}
			return nil
		},
	}
	plain := &net.Dialer{Timeout: timeout}
	transport := &http.Transport{
		Proxy: nil, // a proxy would hide the real destination from the checks
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			if slices.Contains(p.Allow, address) {
				return plain.DialContext(ctx, network, address)
			}
			host, port, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			ips, err := p.resolve(ctx, host)
			if err != nil {
				return nil, err
			}
			var errs []error
			for _, ip := range ips {
				conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
				if err == nil {
					return conn, nil
				}
				errs = append(errs, err)
			}
			return nil, errors.Join(errs...)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an answer, never followed
		},
	}
}

// CheckHost vets HOST:PORT for a connection another program makes (a container engine
// pulling an image): allowed when listed, else when every address its host resolves to is.
// The other program resolves the name again, so unlike NewClient this cannot pin the
// address: a name whose answer changes in between still gets through (a residual risk).
func (p Policy) CheckHost(ctx context.Context, hostPort string) error {
	if slices.Contains(p.Allow, hostPort) {
		return nil
	}
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return fmt.Errorf("%w: %q is not HOST:PORT", ErrForbidden, hostPort)
	}
	_, err = p.resolve(ctx, host)
	return err
}

// resolve resolves host once and returns its addresses if the policy allows every one.
func (p Policy) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	var resolver Resolver = net.DefaultResolver
	if p.Resolver != nil {
		resolver = p.Resolver
	}
	ips, err := lookup(ctx, resolver, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if why := p.forbidden(ip); why != "" {
			return nil, fmt.Errorf("%w: %s resolves to %s, %s", ErrForbidden, host, ip, why)
		}
	}
	return ips, nil
}

// lookup resolves host once; a literal address is its own answer.
func lookup(ctx context.Context, r Resolver, host string) ([]netip.Addr, error) {
	if addr, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{addr}, nil
	}
	return r.LookupNetIP(ctx, "ip", host)
}
