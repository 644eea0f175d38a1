//! Whose search it is: the peer's address, or behind a reverse proxy the peer trusts the
//! address that proxy saw.
//!
//! As nginx's realip module with `real_ip_recursive on`: only when the connection comes
//! from a trusted proxy is `X-Forwarded-For` read, from the right, skipping trusted proxies;
//! the first address that is not one is the client. A header a client wrote itself (the
//! leftmost entries) is never believed, and without trusted proxies the header is ignored.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The client's address for rate limiting.
pub(super) fn address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    // Several headers are one list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            // Garbage where an address should be: stop at the last address believed.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append("x-forwarded-for", v.parse().expect("a header value"));
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let forwarded = headers(&["203.0.113.7"]);
        assert_eq!(
            address(ip("198.51.100.1"), &forwarded, &[]),
            ip("198.51.100.1")
        );
        assert_eq!(
            address(ip("198.51.100.1"), &forwarded, &[ip("127.0.0.1")]),
            ip("198.51.100.1")
        );
        assert_eq!(
            address(ip("127.0.0.1"), &forwarded, &[ip("127.0.0.1")]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_client_s_own_entries_on_the_left_are_not_believed() {
        // The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended what it saw.
        let forwarded = headers(&["1.2.3.4, 203.0.113.7"]);
        assert_eq!(
            address(ip("127.0.0.1"), &forwarded, &[ip("127.0.0.1")]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn trusted_hops_are_skipped_and_garbage_stops_the_walk() {
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        let chain = headers(&["203.0.113.7", "10.0.0.2"]);
        assert_eq!(
            address(ip("127.0.0.1"), &chain, &trusted),
            ip("203.0.113.7")
        );
        let garbage = headers(&["203.0.113.7, not-an-address, 10.0.0.2"]);
        assert_eq!(address(ip("127.0.0.1"), &garbage, &trusted), ip("10.0.0.2"));
        assert_eq!(address(ip("::1"), &headers(&[]), &[ip("::1")]), ip("::1"));
    }
}
