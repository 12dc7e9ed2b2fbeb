// Package egress decides where a machine that reads the chain may connect: a URI an account
// wrote on chain is hostile input, so validators' sidecars (and any data consumer that wants
// the same protection) fetch it only from public addresses. The address policy is a pure
// function, so x/sensors uses it on chain too; the HTTP client applies it at connect time.
package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

// ErrForbidden marks a URI or address the policy refuses.
var ErrForbidden = errors.New("forbidden destination")

// special lists the ranges no public service lives in: private, loopback, link-local (where
// the cloud metadata services are), shared (CGNAT), documentation, benchmarking, multicast,
// reserved, and the IPv6 transition prefixes that embed an IPv4 address.
var special = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network (RFC 791)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space, CGNAT (RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback (RFC 1122)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local, cloud metadata (RFC 3927)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (RFC 6890)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation (RFC 5737)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast (RFC 7526)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (RFC 2544)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation (RFC 5737)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation (RFC 5737)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast (RFC 5771)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved, broadcast (RFC 1112, RFC 919)"},
	{netip.MustParsePrefix("::/128"), "unspecified (RFC 4291)"},
	{netip.MustParsePrefix("::1/128"), "loopback (RFC 4291)"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64 (RFC 6052)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local NAT64 (RFC 8215)"},
	{netip.MustParsePrefix("100::/64"), "discard (RFC 6666)"},
	{netip.MustParsePrefix("2001::/32"), "Teredo (RFC 4380)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation (RFC 3849)"},
	{netip.MustParsePrefix("2002::/16"), "6to4 (RFC 3056)"},
	{netip.MustParsePrefix("fc00::/7"), "unique local, private (RFC 4193)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local (RFC 4291)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast (RFC 4291)"},
}

// ForbiddenAddr says why addr is not a public unicast address ("" when it is). An
// IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
func ForbiddenAddr(addr netip.Addr) string {
	if !addr.IsValid() {
		return "invalid address"
	}
	addr = addr.Unmap().WithZone("")
	for _, s := range special {
		if s.prefix.Contains(addr) {
			return s.name
		}
	}
	if addr.Is6() && !netip.MustParsePrefix("2000::/3").Contains(addr) {
		return "not global unicast IPv6 (outside 2000::/3)"
	}
	return ""
}

// CheckURI checks what can be checked of a URI without resolving it: http or https, a host,
// no user info, and no literal IP address in a refused range (unless allowPrivate). On chain
// it is deterministic: it never touches the network.
func CheckURI(raw string, allowPrivate bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %q does not parse: %v", ErrForbidden, raw, err) //nolint:errorlint // the parse error is detail, ErrForbidden the kind
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme %q (only http and https)", ErrForbidden, u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: user info in %q", ErrForbidden, raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("%w: no host in %q", ErrForbidden, raw)
	}
	if allowPrivate {
		return u, nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if why := ForbiddenAddr(addr); why != "" {
			return nil, fmt.Errorf("%w: %s is %s", ErrForbidden, host, why)
		}
		return u, nil
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return nil, fmt.Errorf("%w: %s is loopback (RFC 6761)", ErrForbidden, host)
	}
	if numeric.MatchString(h) {
		// 2130706433, 127.1 or 0x7f.1: not a name, and C resolvers read them as 127.0.0.1.
		return nil, fmt.Errorf("%w: %s is a numeric host in a non-canonical form", ErrForbidden, host)
	}
	return u, nil
}

// numeric matches hosts made only of numbers (decimal, octal or hex) and dots.
var numeric = regexp.MustCompile(`^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*$`)
