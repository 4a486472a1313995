//! Glue between the configuration, the DPDK ports and the fastpath pipeline:
//! the pipeline configuration derived from `[[port]]`/`[[route]]`/role
//! sections, the static-bindings file, and the DPDK implementation of the
//! worker's [`RxTx`] queues.

use std::collections::HashMap;
use std::net::Ipv6Addr;
use std::path::Path;
use std::sync::Arc;

use bindings::{FwdAction, Neighbor, PeerId, PeerInfo, Prefix, TableUpdate, TunnelKind};
use crossbeam_queue::ArrayQueue;
use fastpath::counters::PuntReason;
use fastpath::dpdk::{Mbuf, RxQueue, TxQueue};
use fastpath::pipeline::{MagConfig, PipelineConfig, PortConfig as PipePort, Role as PipeRole};
use fastpath::route::{NextHop, Route, RouteTable};
use fastpath::worker::RxTx;
use ipnet::Ipv6Net;

use crate::config::{Config, Role, TunnelKind as CfgTunnel};

/// A packet handed to the slowpath, with why.
#[derive(Debug)]
pub struct Punted {
    pub reason: PuntReason,
    pub pkt: Mbuf,
}

/// The queues between one worker and the slowpath.
#[derive(Debug, Clone)]
pub struct SlowpathRings {
    /// Worker → slowpath (ND, Mobility Header, ICMPv6 errors to originate).
    pub punt: Arc<ArrayQueue<Punted>>,
    /// Slowpath → worker: frames to send, egress port set on the mbuf.
    pub inject: Arc<ArrayQueue<Mbuf>>,
}

impl SlowpathRings {
    pub fn new(capacity: usize) -> Self {
        Self {
            punt: Arc::new(ArrayQueue::new(capacity)),
            inject: Arc::new(ArrayQueue::new(capacity)),
        }
    }
}

/// The DPDK side of one worker: its RX queue on each port it polls, its TX
/// queue on every port, and its slowpath rings.
#[derive(Debug)]
pub struct DpdkIo {
    rx: Vec<RxQueue>,
    next_rx: usize,
    tx: Vec<TxQueue>,
    rings: SlowpathRings,
}

impl DpdkIo {
    pub fn new(rx: Vec<RxQueue>, tx: Vec<TxQueue>, rings: SlowpathRings) -> Self {
        Self {
            rx,
            next_rx: 0,
            tx,
            rings,
        }
    }

    /// Packets the TX queues freed because the driver would not take them.
    pub fn tx_drops(&self) -> u64 {
        self.tx.iter().map(|t| t.tx_drops()).sum()
    }
}

impl RxTx for DpdkIo {
    type Pkt = Mbuf;

    /// Polls the RX queues in turn, one per call, so each port gets a fair share. The driver
    /// writes straight into `out` (up to its spare capacity, which the worker sizes to the
    /// burst).
    #[inline]
    fn rx(&mut self, out: &mut Vec<Mbuf>, max: usize) -> usize {
        let n = self.rx.len();
        if n == 0 {
            return 0;
        }
        let q = self.next_rx;
        self.next_rx = if q + 1 == n { 0 } else { q + 1 };
        self.rx[q].rx_burst_vec(out, max)
    }

    #[inline]
    fn tx(&mut self, port: u16, pkts: &mut Vec<Mbuf>) -> usize {
        let Some(q) = self.tx.get_mut(usize::from(port)) else {
            pkts.clear();
            return 0;
        };
        q.tx_burst_vec(pkts)
    }

    #[inline]
    fn punt(&mut self, pkt: Mbuf, reason: PuntReason) -> Result<(), Mbuf> {
        self.rings
            .punt
            .push(Punted { reason, pkt })
            .map_err(|p| p.pkt)
    }

    #[inline]
    fn inject(&mut self, out: &mut Vec<Mbuf>, max: usize) -> usize {
        let mut n = 0;
        while n < max {
            match self.rings.inject.pop() {
                Some(m) => {
                    out.push(m);
                    n += 1;
                }
                None => break,
            }
        }
        n
    }
}

/// The pipeline settings for this node, given each port's MAC address.
pub fn pipeline_config(cfg: &Config, macs: &[[u8; 6]]) -> anyhow::Result<PipelineConfig> {
    let role = if cfg.has_role(Role::Lma) {
        PipeRole::Lma
    } else {
        PipeRole::Mag
    };
    let mut local_addrs = Vec::new();
    let mut routes = RouteTable::new();
    let mut ports = Vec::with_capacity(cfg.ports.len());
    let mut on_link: Vec<(Ipv6Net, u16)> = Vec::new();
    for (i, p) in cfg.ports.iter().enumerate() {
        let idx = u16::try_from(i)?;
        let mac = macs.get(i).copied().unwrap_or_default();
        ports.push(PipePort {
            mac,
            mtu: p.mtu.unwrap_or(1500),
        });
        local_addrs.push(link_local_from_mac(mac));
        for a in &p.addresses {
            let net: Ipv6Net = a.parse()?;
            local_addrs.push(net.addr());
            if !net.addr().is_unicast_link_local() && net.prefix_len() < 128 {
                routes.insert(Route::new(
                    net.network(),
                    net.prefix_len(),
                    NextHop {
                        port: idx,
                        via: None,
                    },
                )?);
                on_link.push((net.trunc(), idx));
            }
        }
    }
    for r in &cfg.routes {
        let net: Ipv6Net = r.prefix.parse()?;
        let via: Ipv6Addr = r.via.parse()?;
        let port = match &r.port {
            Some(name) => cfg
                .port_index(name)
                .ok_or_else(|| anyhow::anyhow!("route {}: unknown port {name}", r.prefix))?,
            None => on_link
                .iter()
                .find(|(n, _)| n.contains(&via))
                .map(|(_, i)| usize::from(*i))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "route {} via {via}: no port has an on-link prefix containing {via}; give route.port",
                        r.prefix
                    )
                })?,
        };
        routes.insert(Route::new(
            net.network(),
            net.prefix_len(),
            NextHop {
                port: u16::try_from(port)?,
                via: Some(via),
            },
        )?);
    }
    let tunnel_src: Ipv6Addr = match (&cfg.lma, &cfg.mag) {
        (Some(l), _) if role == PipeRole::Lma => l.address.parse()?,
        (_, Some(m)) => m.address.parse()?,
        _ => anyhow::bail!("no [lma] or [mag] section gives the tunnel source address"),
    };
    if !local_addrs.contains(&tunnel_src) {
        local_addrs.push(tunnel_src);
    }
    let mag = match &cfg.mag {
        Some(m) if role == PipeRole::Mag => MagConfig {
            local_routing: m.local_routing,
            lma: Some((m.lma.parse()?, TunnelKind::Ip6Ip6)),
        },
        _ => MagConfig {
            local_routing: false,
            lma: None,
        },
    };
    Ok(PipelineConfig {
        role,
        local_addrs,
        tunnel_src,
        tunnel_hop_limit: fastpath::pipeline::DEFAULT_TUNNEL_HOP_LIMIT,
        ports,
        routes,
        mag,
    })
}

/// The modified-EUI-64 link-local address of a MAC (RFC 4291 §2.5.1).
pub fn link_local_from_mac(mac: [u8; 6]) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o[0] = 0xfe;
    o[1] = 0x80;
    o[8] = mac[0] ^ 0x02;
    o[9] = mac[1];
    o[10] = mac[2];
    o[11] = 0xff;
    o[12] = 0xfe;
    o[13] = mac[3];
    o[14] = mac[4];
    o[15] = mac[5];
    Ipv6Addr::from(o)
}

/// Bindings and neighbors loaded from a static-bindings file (labs and
/// benchmarks), as table updates in install order.
#[derive(Debug, Default)]
pub struct StaticBindings {
    pub updates: Vec<TableUpdate>,
    pub bindings: usize,
    pub peers: usize,
    pub neighbors: usize,
}

/// Parse errors name the file and line.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {msg}")]
pub struct StaticBindingsError {
    pub path: String,
    pub line: usize,
    pub msg: String,
}

/// Reads a static-bindings file:
///
/// ```text
/// # comment
/// binding  2001:db8:1000:1::/64  2001:db8:100::2  [ip6ip6 | gre [KEY]]
/// bindings 2001:db8:1000:100::/64  250000  2001:db8:100::3  [ip6ip6 | gre [KEY]]
/// neighbor 2001:db8:100::2  02:00:00:00:00:02  access
/// ```
///
/// `binding` installs a home network prefix tunnelled to the peer (a MAG's
/// proxy care-of address on an LMA; the LMA on a MAG); `bindings BASE COUNT`
/// installs COUNT consecutive prefixes of BASE's length starting at BASE (the
/// i-th with GRE key KEY+i), so benchmark tables of millions of bindings need
/// no file of millions of lines; `neighbor` a next hop's MAC on a named port.
pub fn load_static_bindings(
    path: &Path,
    cfg: &Config,
) -> Result<StaticBindings, StaticBindingsError> {
    let text = std::fs::read_to_string(path).map_err(|e| StaticBindingsError {
        path: path.display().to_string(),
        line: 0,
        msg: e.to_string(),
    })?;
    parse_static_bindings(&text, &path.display().to_string(), cfg)
}

pub fn parse_static_bindings(
    text: &str,
    name: &str,
    cfg: &Config,
) -> Result<StaticBindings, StaticBindingsError> {
    let default_tunnel = match cfg.lma.as_ref().map(|l| l.tunnel) {
        Some(CfgTunnel::Gre) => TunnelKind::Gre { key: None },
        _ => TunnelKind::Ip6Ip6,
    };
    let mut out = StaticBindings::default();
    let mut peers: HashMap<Ipv6Addr, PeerId> = HashMap::new();
    let mut prefixes = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |msg: String| StaticBindingsError {
            path: name.to_string(),
            line,
            msg,
        };
        let body = raw.split('#').next().unwrap_or("").trim();
        if body.is_empty() {
            continue;
        }
        let f: Vec<&str> = body.split_whitespace().collect();
        match f[0] {
            kw @ ("binding" | "bindings") => {
                // `bindings` has a COUNT after the prefix; the rest is shared.
                let (count, rest) = if kw == "bindings" {
                    let usage = "expected: bindings BASE/LEN COUNT PEER [ip6ip6|gre [KEY]]";
                    let c = f.get(2).ok_or_else(|| err(usage.into()))?;
                    let c = c
                        .parse::<u64>()
                        .map_err(|e| err(format!("bad count \"{c}\": {e}")))?;
                    (c, 3)
                } else {
                    (1, 2)
                };
                if f.len() < rest + 1 || f.len() > rest + 3 {
                    return Err(err(if kw == "bindings" {
                        "expected: bindings BASE/LEN COUNT PEER [ip6ip6|gre [KEY]]".into()
                    } else {
                        "expected: binding PREFIX/LEN PEER [ip6ip6|gre [KEY]]".into()
                    }));
                }
                let net: Ipv6Net = f[1]
                    .parse()
                    .map_err(|e| err(format!("bad prefix \"{}\": {e}", f[1])))?;
                let peer: Ipv6Addr = f[rest]
                    .parse()
                    .map_err(|e| err(format!("bad peer address \"{}\": {e}", f[rest])))?;
                let tunnel = match f.get(rest + 1).copied() {
                    None => default_tunnel,
                    Some("ip6ip6") if f.len() == rest + 2 => TunnelKind::Ip6Ip6,
                    Some("gre") => TunnelKind::Gre {
                        key: match f.get(rest + 2) {
                            None => None,
                            Some(k) => Some(
                                k.parse::<u32>()
                                    .map_err(|e| err(format!("bad GRE key \"{k}\": {e}")))?,
                            ),
                        },
                    },
                    Some(t) => {
                        return Err(err(format!("unknown tunnel \"{t}\" (ip6ip6 or gre KEY)")))
                    }
                };
                let len = net.prefix_len();
                let base = u128::from(net.trunc().addr());
                // The prefixes BASE + i·2^(128-LEN) must stay inside the address space.
                let room = if len == 0 {
                    1
                } else {
                    (1u128 << len) - (base >> (128 - u32::from(len)))
                };
                if count == 0 || u128::from(count) > room {
                    return Err(err(format!(
                        "count {count}: must be between 1 and {room} for {net}"
                    )));
                }
                let next_id = PeerId(peers.len() as u32 + 1);
                let id = *peers.entry(peer).or_insert_with(|| {
                    out.updates.push(TableUpdate::SetPeer(PeerInfo {
                        id: next_id,
                        addr: peer.octets(),
                    }));
                    next_id
                });
                prefixes.reserve(usize::try_from(count).unwrap_or(0));
                for i in 0..count {
                    let step = if len == 0 {
                        0
                    } else {
                        u128::from(i) << (128 - u32::from(len))
                    };
                    let addr = (base + step).to_be_bytes();
                    let prefix =
                        Prefix::new(addr, len).map_err(|e| err(format!("prefix {net}: {e}")))?;
                    let tunnel = match tunnel {
                        TunnelKind::Gre { key: Some(k) } => TunnelKind::Gre {
                            key: Some(k.wrapping_add(i as u32)),
                        },
                        t => t,
                    };
                    prefixes.push(TableUpdate::SetPrefix {
                        prefix,
                        action: FwdAction::Encap { peer: id, tunnel },
                    });
                }
                out.bindings += usize::try_from(count).unwrap_or(usize::MAX);
            }
            "neighbor" => {
                if f.len() != 4 {
                    return Err(err("expected: neighbor ADDRESS MAC PORT".into()));
                }
                let addr: Ipv6Addr = f[1]
                    .parse()
                    .map_err(|e| err(format!("bad address \"{}\": {e}", f[1])))?;
                let mac = parse_mac(f[2]).ok_or_else(|| err(format!("bad MAC \"{}\"", f[2])))?;
                let port = cfg
                    .port_index(f[3])
                    .ok_or_else(|| err(format!("unknown port name \"{}\"", f[3])))?;
                out.updates.push(TableUpdate::SetNeighbor {
                    addr: addr.octets(),
                    neighbor: Neighbor {
                        mac,
                        port: port as u16,
                    },
                });
                out.neighbors += 1;
            }
            other => {
                return Err(err(format!(
                    "unknown entry \"{other}\" (binding, bindings or neighbor)"
                )))
            }
        }
    }
    out.peers = peers.len();
    out.updates.extend(prefixes);
    Ok(out)
}

pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = s.split(':');
    for b in mac.iter_mut() {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config::from_toml_str(
            r#"
[gateway]
node_id = "t"
roles = ["lma"]
[dpdk]
worker_lcores = [1]
[[port]]
name = "access"
device = "net_null0"
addresses = ["2001:db8:100::1/64"]
[[port]]
name = "core"
device = "net_null1"
addresses = ["2001:db8:200::1/64"]
[[route]]
prefix = "::/0"
via = "2001:db8:200::fe"
[lma]
address = "2001:db8:100::1"
hnp_pool = "2001:db8:1000::/48"
"#,
        )
        .expect("valid")
    }

    #[test]
    fn static_bindings_parse_into_updates() {
        let text = "# lab\nbinding 2001:db8:1000:1::/64 2001:db8:100::2\n\
                    binding 2001:db8:1000:2::/64 2001:db8:100::3 gre 77\n\
                    binding 2001:db8:1000:3::/64 2001:db8:100::2 ip6ip6 # same peer\n\
                    neighbor 2001:db8:100::2 02:00:00:00:00:02 access\n";
        let sb = parse_static_bindings(text, "t", &cfg()).expect("parses");
        assert_eq!((sb.bindings, sb.peers, sb.neighbors), (3, 2, 1));
        // Peers and neighbors come before the prefixes that use them.
        assert!(matches!(sb.updates[0], TableUpdate::SetPeer(p) if p.id == PeerId(1)));
        assert!(matches!(sb.updates[1], TableUpdate::SetPeer(p) if p.id == PeerId(2)));
        assert!(
            matches!(sb.updates[2], TableUpdate::SetNeighbor { neighbor, .. } if neighbor.port == 0)
        );
        assert!(matches!(
            sb.updates[4],
            TableUpdate::SetPrefix {
                action: FwdAction::Encap {
                    peer: PeerId(2),
                    tunnel: TunnelKind::Gre { key: Some(77) }
                },
                ..
            }
        ));
        assert!(matches!(
            sb.updates[5],
            TableUpdate::SetPrefix {
                action: FwdAction::Encap {
                    peer: PeerId(1),
                    tunnel: TunnelKind::Ip6Ip6
                },
                ..
            }
        ));
    }

    #[test]
    fn binding_ranges_expand_to_consecutive_prefixes() {
        let text = "bindings 2001:db8:1000:fffe::/64 3 2001:db8:100::2 gre 10\n\
                    bindings 2001:db8:2000::/48 2 2001:db8:100::3\n\
                    binding 2001:db8:3000::/64 2001:db8:100::2\n";
        let sb = parse_static_bindings(text, "t", &cfg()).expect("parses");
        assert_eq!((sb.bindings, sb.peers, sb.neighbors), (6, 2, 0));
        let got: Vec<(String, Option<u32>)> = sb
            .updates
            .iter()
            .filter_map(|u| match u {
                TableUpdate::SetPrefix {
                    prefix,
                    action: FwdAction::Encap { tunnel, .. },
                } => Some((
                    format!("{}/{}", Ipv6Addr::from(prefix.addr()), prefix.len()),
                    match tunnel {
                        TunnelKind::Gre { key } => *key,
                        _ => None,
                    },
                )),
                _ => None,
            })
            .collect();
        let want = [
            ("2001:db8:1000:fffe::/64", Some(10)),
            ("2001:db8:1000:ffff::/64", Some(11)),
            ("2001:db8:1001::/64", Some(12)),
            ("2001:db8:2000::/48", None),
            ("2001:db8:2001::/48", None),
            ("2001:db8:3000::/64", None),
        ];
        let want: Vec<(String, Option<u32>)> =
            want.iter().map(|(p, k)| (p.to_string(), *k)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn binding_range_errors() {
        let c = cfg();
        let e = parse_static_bindings("bindings ::/64 x ::1", "f", &c).unwrap_err();
        assert!(e.msg.contains("bad count"), "{e}");
        let e = parse_static_bindings("bindings ::/64 0 ::1", "f", &c).unwrap_err();
        assert!(e.msg.contains("count 0"), "{e}");
        // Only two /64s are left above ffff:ffff:ffff:fffe::.
        let e =
            parse_static_bindings("bindings ffff:ffff:ffff:fffe::/64 3 ::1", "f", &c).unwrap_err();
        assert!(e.msg.contains("between 1 and 2"), "{e}");
        assert!(parse_static_bindings("bindings ffff:ffff:ffff:fffe::/64 2 ::1", "f", &c).is_ok());
        let e = parse_static_bindings("bindings ::/64 2", "f", &c).unwrap_err();
        assert!(e.msg.starts_with("expected: bindings"), "{e}");
    }

    #[test]
    fn static_binding_errors_name_the_line() {
        let c = cfg();
        let e = parse_static_bindings("\nbinding 2001:db8::/129 ::1\n", "f", &c).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("f:2: bad prefix"), "{e}");
        let e =
            parse_static_bindings("neighbor ::1 02:00:00:00:00:zz access", "f", &c).unwrap_err();
        assert!(e.msg.contains("bad MAC"));
        let e = parse_static_bindings("neighbor ::1 02:00:00:00:00:01 wan", "f", &c).unwrap_err();
        assert!(e.msg.contains("unknown port name \"wan\""));
        let e = parse_static_bindings("binding ::/64 ::1 vxlan", "f", &c).unwrap_err();
        assert!(e.msg.contains("unknown tunnel"));
        let e = parse_static_bindings("route ::/0 ::1", "f", &c).unwrap_err();
        assert!(e.msg.contains("unknown entry"));
    }

    #[test]
    fn pipeline_config_from_the_lma_example() {
        let c = cfg();
        let p = pipeline_config(&c, &[[2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]]).expect("ok");
        assert_eq!(p.role, PipeRole::Lma);
        assert_eq!(p.tunnel_src, "2001:db8:100::1".parse::<Ipv6Addr>().unwrap());
        assert!(p.local_addrs.contains(&"2001:db8:200::1".parse().unwrap()));
        assert!(p.local_addrs.contains(&"fe80::ff:fe00:1".parse().unwrap()));
        let hop = p
            .routes
            .lookup("2001:4860::8888".parse().unwrap())
            .expect("default");
        assert_eq!(
            (hop.port, hop.via),
            (1, Some("2001:db8:200::fe".parse().unwrap()))
        );
        let hop = p
            .routes
            .lookup("2001:db8:100::7".parse().unwrap())
            .expect("connected");
        assert_eq!((hop.port, hop.via), (0, None));
    }

    #[test]
    fn macs_and_link_locals() {
        assert_eq!(
            parse_mac("02:00:5e:00:52:13"),
            Some([2, 0, 0x5e, 0, 0x52, 0x13])
        );
        assert_eq!(parse_mac("02:00:5e:00:52"), None);
        assert_eq!(parse_mac("02:00:5e:00:52:13:1"), None);
        assert_eq!(
            link_local_from_mac([0x00, 0x00, 0x5e, 0x00, 0x52, 0x13]),
            "fe80::200:5eff:fe00:5213".parse::<Ipv6Addr>().unwrap()
        );
    }
}
