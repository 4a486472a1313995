//! LMA policy store (RFC 5213 §4, §5.3.1 steps 5–8; RFC 5845 §4.2).
//!
//! Which MAGs may send PBUs, which mobile nodes are served and with which
//! prefixes, lifetime limits and tunnel kind. Loaded from configuration by the
//! gateway; the engine only reads it.

use std::collections::HashMap;
use std::net::Ipv6Addr;
use std::time::Duration;

use ipnet::Ipv6Net;
use serde::Deserialize;

/// Tunnel policy of the LMA (RFC 5845 §4.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TunnelPolicy {
    /// IPv6-in-IPv6 only; a GRE Key option in a PBU is answered with status 2
    /// (GRE_KEY_OPTION_NOT_REQUIRED).
    #[default]
    Ip6ip6,
    /// GRE when the MAG asks for it with a GRE Key option, else IPv6-in-IPv6.
    GreIfRequested,
    /// GRE always; a PBU without the GRE Key option gets 163
    /// (GRE_KEY_OPTION_REQUIRED).
    GreRequired,
}

/// How mobile node identities are authorised (RFC 5213 §5.3.1 steps 7–8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MnAuthorization {
    /// Any MN-ID is served, prefixes come from the pool (labs, benchmarks).
    Any,
    /// Only the MN-IDs in the store are served.
    Store(HashMap<Vec<u8>, MnPolicy>),
}

/// Per-MN policy profile (RFC 5213 §2.2 "Policy Profile").
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MnPolicy {
    /// Network-based mobility enabled for this MN (false → 152, §5.3.1 step 8).
    pub enabled: bool,
    /// Prefixes assigned to this MN. Empty: allocate from the pool.
    pub prefixes: Vec<Ipv6Net>,
    /// If non-empty, only MAGs inside these prefixes may register this MN
    /// (§5.3.1 step 5), on top of the global list.
    pub allowed_mags: Vec<Ipv6Net>,
    /// Per-MN upper bound on the granted lifetime.
    pub max_lifetime_secs: Option<u32>,
}

/// The LMA policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LmaPolicy {
    /// MAGs allowed to send PBUs; a sender outside every prefix gets 154.
    pub allowed_mags: Vec<Ipv6Net>,
    /// Which MNs are served.
    pub mobile_nodes: MnAuthorization,
    /// Prefixes allocated per mobility session from the pool (RFC 5213 §5.3.2 step 1).
    pub prefixes_per_session: u8,
    /// Upper bound on any granted lifetime.
    pub max_lifetime: Duration,
    /// Tunnel kind.
    pub tunnel: TunnelPolicy,
}

impl Default for LmaPolicy {
    fn default() -> Self {
        LmaPolicy {
            allowed_mags: vec![Ipv6Net::default()],
            mobile_nodes: MnAuthorization::Any,
            prefixes_per_session: 1,
            max_lifetime: Duration::from_secs(3600),
            tunnel: TunnelPolicy::Ip6ip6,
        }
    }
}

/// Outcome of looking an MN up in the policy (steps 5–8 of §5.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MnDecision<'a> {
    /// Served; `None` in "any" mode.
    Served(Option<&'a MnPolicy>),
    /// Step 6: this MAG may not register this MN (154).
    MagNotAuthorized,
    /// Step 7: unknown MN (153).
    Unknown,
    /// Step 8: known, but not entitled to network-based mobility (152).
    NotEnabled,
}

/// Serde form of the policy, as written in the gateway's TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LmaPolicyConfig {
    /// See [`LmaPolicy::allowed_mags`].
    pub allowed_mags: Vec<Ipv6Net>,
    /// `true`: serve any MN-ID ("any" mode); `false`: only `mobile_nodes`.
    pub any_mobile_node: bool,
    /// MN-ID (NAI, as text) → profile.
    pub mobile_nodes: HashMap<String, MnPolicy>,
    /// See [`LmaPolicy::prefixes_per_session`].
    pub prefixes_per_session: u8,
    /// See [`LmaPolicy::max_lifetime`], in seconds.
    pub max_lifetime_secs: u32,
    /// See [`LmaPolicy::tunnel`].
    pub tunnel: TunnelPolicy,
}

impl Default for LmaPolicyConfig {
    fn default() -> Self {
        LmaPolicyConfig {
            allowed_mags: vec![Ipv6Net::default()],
            any_mobile_node: true,
            mobile_nodes: HashMap::new(),
            prefixes_per_session: 1,
            max_lifetime_secs: 3600,
            tunnel: TunnelPolicy::Ip6ip6,
        }
    }
}

impl From<LmaPolicyConfig> for LmaPolicy {
    fn from(c: LmaPolicyConfig) -> Self {
        let mobile_nodes = if c.any_mobile_node {
            MnAuthorization::Any
        } else {
            MnAuthorization::Store(
                c.mobile_nodes
                    .into_iter()
                    .map(|(k, v)| (k.into_bytes(), v))
                    .collect(),
            )
        };
        LmaPolicy {
            allowed_mags: c.allowed_mags,
            mobile_nodes,
            prefixes_per_session: c.prefixes_per_session.max(1),
            max_lifetime: Duration::from_secs(u64::from(c.max_lifetime_secs)),
            tunnel: c.tunnel,
        }
    }
}

fn contains(list: &[Ipv6Net], addr: &Ipv6Addr) -> bool {
    // Per PBU: a mask compare instead of ipnet's generic range test.
    let a = u128::from(*addr);
    list.iter()
        .any(|n| (a ^ u128::from(n.addr())) & u128::from(n.netmask()) == 0)
}

impl LmaPolicy {
    /// Apply §5.3.1 steps 5–8 in order for `mag` registering `mn_id`.
    ///
    /// The global MAG list is checked first, so a MAG outside it gets 154 even
    /// for an unknown MN (checklist LMA-PBU-ORD-3); a per-MN MAG list can only
    /// be checked once the MN is known, which is still before step 8.
    pub fn check_mobile_node(&self, mag: &Ipv6Addr, mn_id: &[u8]) -> MnDecision<'_> {
        if !contains(&self.allowed_mags, mag) {
            return MnDecision::MagNotAuthorized;
        }
        match &self.mobile_nodes {
            MnAuthorization::Any => MnDecision::Served(None),
            MnAuthorization::Store(store) => match store.get(mn_id) {
                None => MnDecision::Unknown,
                Some(p) if !p.allowed_mags.is_empty() && !contains(&p.allowed_mags, mag) => {
                    MnDecision::MagNotAuthorized
                }
                Some(p) if !p.enabled => MnDecision::NotEnabled,
                Some(p) => MnDecision::Served(Some(p)),
            },
        }
    }

    /// The lifetime to grant for a request of `requested`.
    pub fn grant_lifetime(&self, requested: Duration, mn: Option<&MnPolicy>) -> Duration {
        let mut max = self.max_lifetime;
        if let Some(secs) = mn.and_then(|p| p.max_lifetime_secs) {
            max = max.min(Duration::from_secs(u64::from(secs)));
        }
        requested.min(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_policy() -> LmaPolicy {
        let mut store = HashMap::new();
        store.insert(
            b"mn1@example.org".to_vec(),
            MnPolicy {
                enabled: true,
                ..MnPolicy::default()
            },
        );
        store.insert(
            b"off@example.org".to_vec(),
            MnPolicy {
                enabled: false,
                ..MnPolicy::default()
            },
        );
        store.insert(
            b"pinned@example.org".to_vec(),
            MnPolicy {
                enabled: true,
                allowed_mags: vec!["2001:db8:100::2/128".parse().unwrap()],
                max_lifetime_secs: Some(60),
                ..MnPolicy::default()
            },
        );
        LmaPolicy {
            allowed_mags: vec!["2001:db8:100::/64".parse().unwrap()],
            mobile_nodes: MnAuthorization::Store(store),
            ..LmaPolicy::default()
        }
    }

    #[test]
    fn steps_5_to_8_in_order() {
        let p = store_policy();
        let mag: Ipv6Addr = "2001:db8:100::2".parse().unwrap();
        let other: Ipv6Addr = "2001:db8:100::3".parse().unwrap();
        let rogue: Ipv6Addr = "2001:db8:999::1".parse().unwrap();
        assert_eq!(
            p.check_mobile_node(&rogue, b"nobody"),
            MnDecision::MagNotAuthorized
        );
        assert_eq!(p.check_mobile_node(&mag, b"nobody"), MnDecision::Unknown);
        assert_eq!(
            p.check_mobile_node(&mag, b"off@example.org"),
            MnDecision::NotEnabled
        );
        assert_eq!(
            p.check_mobile_node(&other, b"pinned@example.org"),
            MnDecision::MagNotAuthorized
        );
        assert!(matches!(
            p.check_mobile_node(&mag, b"pinned@example.org"),
            MnDecision::Served(Some(_))
        ));
    }

    #[test]
    fn lifetime_is_capped_globally_and_per_mn() {
        let p = store_policy();
        let mn = MnPolicy {
            max_lifetime_secs: Some(60),
            ..MnPolicy::default()
        };
        assert_eq!(
            p.grant_lifetime(Duration::from_secs(7200), None),
            Duration::from_secs(3600)
        );
        assert_eq!(
            p.grant_lifetime(Duration::from_secs(7200), Some(&mn)),
            Duration::from_secs(60)
        );
        assert_eq!(
            p.grant_lifetime(Duration::from_secs(40), Some(&mn)),
            Duration::from_secs(40)
        );
    }

    #[test]
    fn config_deserializes_from_toml() {
        let text = r#"
            allowed_mags = ["2001:db8:100::/64"]
            any_mobile_node = false
            max_lifetime_secs = 600
            tunnel = "gre_required"
            [mobile_nodes."mn1@example.org"]
            enabled = true
            prefixes = ["2001:db8:1000:1::/64"]
        "#;
        let c: LmaPolicyConfig = toml::from_str(text).unwrap();
        let p = LmaPolicy::from(c);
        assert_eq!(p.tunnel, TunnelPolicy::GreRequired);
        assert_eq!(p.max_lifetime, Duration::from_secs(600));
        let mag: Ipv6Addr = "2001:db8:100::9".parse().unwrap();
        match p.check_mobile_node(&mag, b"mn1@example.org") {
            MnDecision::Served(Some(mn)) => assert_eq!(mn.prefixes.len(), 1),
            other => panic!("unexpected {other:?}"),
        }
    }
}
