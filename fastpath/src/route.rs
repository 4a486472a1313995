//! The static route table: IPv6 prefix → egress port and next hop.
//!
//! Static routes are few (tens), so the table is a vector sorted by prefix length, longest first;
//! the first match is the longest-prefix match. Lookups do not allocate.

use core::net::Ipv6Addr;

/// Errors building a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The prefix length exceeds 128.
    #[error("prefix length {0} exceeds 128")]
    PrefixLength(u8),
}

/// Where a route sends packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextHop {
    /// Egress port.
    pub port: u16,
    /// Gateway address; `None` for an on-link (connected) prefix, where the packet's own
    /// destination is the neighbour to resolve.
    pub via: Option<Ipv6Addr>,
}

impl NextHop {
    /// The neighbour address to resolve for a packet to `dst`.
    pub fn neighbor_for(&self, dst: Ipv6Addr) -> Ipv6Addr {
        self.via.unwrap_or(dst)
    }
}

/// One static route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    prefix: u128,
    mask: u128,
    len: u8,
    /// Where matching packets go.
    pub next_hop: NextHop,
}

impl Route {
    /// A route for `prefix/len`; host bits of `prefix` are ignored.
    pub fn new(prefix: Ipv6Addr, len: u8, next_hop: NextHop) -> Result<Self, RouteError> {
        if len > 128 {
            return Err(RouteError::PrefixLength(len));
        }
        let mask = prefix_mask(len);
        Ok(Self {
            prefix: u128::from(prefix) & mask,
            mask,
            len,
            next_hop,
        })
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// The (masked) prefix.
    pub fn prefix(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.prefix)
    }

    /// Whether `addr` is inside the prefix.
    pub fn contains(&self, addr: Ipv6Addr) -> bool {
        u128::from(addr) & self.mask == self.prefix
    }
}

/// Network mask of a prefix length (0..=128).
pub const fn prefix_mask(len: u8) -> u128 {
    if len == 0 {
        0
    } else if len >= 128 {
        u128::MAX
    } else {
        u128::MAX << (128 - len as u32)
    }
}

/// A longest-prefix-match table of static and connected routes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a route (replacing one with the same prefix).
    pub fn insert(&mut self, route: Route) {
        self.routes
            .retain(|r| !(r.len == route.len && r.prefix == route.prefix));
        let at = self
            .routes
            .iter()
            .position(|r| r.len < route.len)
            .unwrap_or(self.routes.len());
        self.routes.insert(at, route);
    }

    /// Remove the route for exactly `prefix/len`; returns whether one was removed.
    pub fn remove(&mut self, prefix: Ipv6Addr, len: u8) -> bool {
        let mask = prefix_mask(len);
        let p = u128::from(prefix) & mask;
        let before = self.routes.len();
        self.routes.retain(|r| !(r.len == len && r.prefix == p));
        before != self.routes.len()
    }

    /// Longest-prefix match.
    pub fn lookup(&self, dst: Ipv6Addr) -> Option<NextHop> {
        let d = u128::from(dst);
        self.routes
            .iter()
            .find(|r| d & r.mask == r.prefix)
            .map(|r| r.next_hop)
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The routes, longest prefix first.
    pub fn iter(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nh(port: u16) -> NextHop {
        NextHop { port, via: None }
    }

    #[test]
    fn longest_prefix_wins_regardless_of_insert_order() {
        let mut t = RouteTable::new();
        t.insert(Route::new(Ipv6Addr::UNSPECIFIED, 0, nh(0)).unwrap());
        t.insert(Route::new("2001:db8:1::".parse().unwrap(), 64, nh(2)).unwrap());
        t.insert(Route::new("2001:db8::".parse().unwrap(), 32, nh(1)).unwrap());
        assert_eq!(t.lookup("2001:db8:1::9".parse().unwrap()), Some(nh(2)));
        assert_eq!(t.lookup("2001:db8:2::9".parse().unwrap()), Some(nh(1)));
        assert_eq!(t.lookup("2001:db9::1".parse().unwrap()), Some(nh(0)));
    }

    #[test]
    fn no_default_means_no_route() {
        let mut t = RouteTable::new();
        t.insert(Route::new("2001:db8::".parse().unwrap(), 32, nh(1)).unwrap());
        assert_eq!(t.lookup("2001:db9::1".parse().unwrap()), None);
    }

    #[test]
    fn replace_and_remove() {
        let mut t = RouteTable::new();
        t.insert(Route::new("2001:db8::ff".parse().unwrap(), 32, nh(1)).unwrap());
        t.insert(Route::new("2001:db8::".parse().unwrap(), 32, nh(3)).unwrap());
        assert_eq!(t.len(), 1);
        assert_eq!(t.lookup("2001:db8::1".parse().unwrap()), Some(nh(3)));
        assert!(t.remove("2001:db8::".parse().unwrap(), 32));
        assert!(!t.remove("2001:db8::".parse().unwrap(), 32));
        assert!(t.is_empty());
    }

    #[test]
    fn host_route_and_bad_length() {
        let a: Ipv6Addr = "2001:db8::7".parse().unwrap();
        let r = Route::new(a, 128, nh(4)).unwrap();
        assert!(r.contains(a));
        assert!(!r.contains("2001:db8::8".parse().unwrap()));
        assert_eq!(
            Route::new(a, 129, nh(0)).unwrap_err(),
            RouteError::PrefixLength(129)
        );
        let via: Ipv6Addr = "fe80::1".parse().unwrap();
        let g = NextHop {
            port: 0,
            via: Some(via),
        };
        assert_eq!(g.neighbor_for(a), via);
        assert_eq!(nh(0).neighbor_for(a), a);
    }
}
