//! Configuration: a TOML file (shape in DESIGN.md) read through the `config`
//! crate, overridable with `MOBGW_SECTION__KEY=value` environment variables,
//! deserialised into the structs below and then validated as a whole so every
//! problem is reported at once, one line each.

use std::collections::HashSet;
use std::fmt;
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};

use ipnet::Ipv6Net;
use serde::Deserialize;

/// Everything `mobgw` is configured with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub gateway: GatewaySection,
    pub dpdk: DpdkSection,
    #[serde(rename = "port", default)]
    pub ports: Vec<PortSection>,
    #[serde(rename = "route", default)]
    pub routes: Vec<RouteSection>,
    #[serde(default)]
    pub lma: Option<LmaSection>,
    #[serde(default)]
    pub mag: Option<MagSection>,
    #[serde(default)]
    pub metrics: Option<MetricsSection>,
    #[serde(default)]
    pub control: Option<ControlSection>,
    #[serde(default)]
    pub benchmark: Option<BenchmarkSection>,
}

/// Benchmark-only knobs (perf/): never needed in service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkSection {
    /// Re-publish this many static-binding updates per second to every worker
    /// while forwarding (the "update storm" of the fastpath benchmarks).
    #[serde(default)]
    pub churn_per_sec: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySection {
    pub node_id: String,
    pub roles: Vec<Role>,
}

/// The mobility roles one `mobgw` process can play (DESIGN.md "roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Lma,
    Mag,
    Ha,
    Sma,
    Mr,
    Lm,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Role::Lma => "lma",
            Role::Mag => "mag",
            Role::Ha => "ha",
            Role::Sma => "sma",
            Role::Mr => "mr",
            Role::Lm => "lm",
        };
        f.write_str(s)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpdkSection {
    /// EAL arguments, as on a DPDK command line (without the program name).
    #[serde(default)]
    pub eal_args: Vec<String>,
    /// The lcore the slowpath (EAL main lcore) runs on.
    #[serde(default)]
    pub main_lcore: u32,
    /// One poll-mode worker per entry, pinned to that lcore.
    pub worker_lcores: Vec<u32>,
    #[serde(default)]
    pub idle: IdleMode,
    /// Mbufs in the packet pool.
    #[serde(default = "default_mbufs")]
    pub mbufs: u32,
    #[serde(default = "default_burst")]
    pub burst: u16,
    #[serde(default)]
    pub forward: ForwardMode,
}

/// What the workers do with packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForwardMode {
    /// The mobility pipeline: classify, tunnel encap/decap, route, punt control.
    #[default]
    Mobility,
    /// Port-to-port I/O (0<->1, 2<->3), like `dpdk-testpmd --forward-mode=io`:
    /// the baseline for benchmarks and a smoke test of the ports.
    Io,
}

fn default_mbufs() -> u32 {
    16_383
}

fn default_burst() -> u16 {
    32
}

/// How a worker behaves when its queues are empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdleMode {
    /// Busy-poll forever (benchmarks, dedicated cores).
    #[default]
    Poll,
    /// Back off with short sleeps after consecutive empty polls (labs, shared cores).
    Adaptive,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortSection {
    pub name: String,
    /// A vdev string (`net_pcap0,rx_pcap=in.pcap`) or a PCI address (`0000:03:00.0`).
    pub device: String,
    /// RX queues; worker `i` polls queue `i`. Defaults to one per worker.
    #[serde(default)]
    pub queues: Option<u16>,
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub mtu: Option<u16>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSection {
    pub prefix: String,
    pub via: String,
    /// Egress port; found from the port addresses' on-link prefixes when absent.
    #[serde(default)]
    pub port: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelKind {
    #[default]
    Ip6ip6,
    Gre,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LmaSection {
    pub address: String,
    pub hnp_pool: String,
    #[serde(default)]
    pub tunnel: TunnelKind,
    #[serde(default)]
    pub allowed_mags: Vec<String>,
    #[serde(default)]
    pub static_bindings: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MagSection {
    pub address: String,
    pub lma: String,
    pub access_port: String,
    /// RFC 5213 §6.10.3 EnableMAGLocalRouting.
    #[serde(default)]
    pub local_routing: bool,
    /// Seconds an attached MN may stay silent before the MAG probes it by
    /// NUD; three unanswered probes (1 s apart) detach and de-register it
    /// (RFC 5213 §6.9.1.1). 0 turns detachment detection off.
    #[serde(default = "default_mn_reachable_time_s")]
    pub mn_reachable_time_s: u64,
}

fn default_mn_reachable_time_s() -> u64 {
    5
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSection {
    pub listen: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlSection {
    pub socket: PathBuf,
}

/// Why a configuration could not be used. `Invalid` carries every problem found.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: not found")]
    Missing { path: PathBuf },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{}", .problems.join("\n"))]
    Invalid { problems: Vec<String> },
}

impl Config {
    /// Reads `path` (TOML), applies `MOBGW_` environment overrides
    /// (`MOBGW_LMA__TUNNEL=gre`), and validates the result.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_with_env(path, std::env::vars())
    }

    /// As [`Config::load`], with the environment given explicitly (tests).
    pub fn load_with_env(
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        if !path.is_file() {
            return Err(ConfigError::Missing {
                path: path.to_owned(),
            });
        }
        let overrides: config::Map<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("MOBGW_") && k.contains("__"))
            .collect();
        let parse_err = |e: config::ConfigError| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let raw = config::Config::builder()
            .add_source(config::File::new(
                &path.to_string_lossy(),
                config::FileFormat::Toml,
            ))
            .add_source(
                config::Environment::with_prefix("MOBGW")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true)
                    .source(Some(overrides)),
            )
            .build()
            .map_err(parse_err)?;
        let cfg: Config = raw.try_deserialize().map_err(parse_err)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Parses TOML text directly (no environment), then validates.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let raw = config::Config::builder()
            .add_source(config::File::from_str(text, config::FileFormat::Toml))
            .build()
            .map_err(|e| ConfigError::Parse {
                path: PathBuf::from("<string>"),
                message: e.to_string(),
            })?;
        let cfg: Config = raw.try_deserialize().map_err(|e| ConfigError::Parse {
            path: PathBuf::from("<string>"),
            message: e.to_string(),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the whole configuration and reports every problem, one per line.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Vec::new();
        if self.gateway.node_id.trim().is_empty() {
            p.push("gateway.node_id: must not be empty".to_string());
        }
        if self.gateway.roles.is_empty() {
            p.push("gateway.roles: at least one role is needed (lma, mag, ha)".to_string());
        }
        for role in &self.gateway.roles {
            if matches!(role, Role::Sma | Role::Mr | Role::Lm) {
                p.push(format!(
                    "gateway.roles: role \"{role}\" is not available in this release"
                ));
            }
        }
        if self.gateway.roles.contains(&Role::Ha) && !self.gateway.roles.contains(&Role::Lma) {
            p.push("gateway.roles: \"ha\" is co-located with the LMA and needs \"lma\" too".into());
        }

        // Lcores: the main lcore and every worker distinct.
        let d = &self.dpdk;
        if d.worker_lcores.is_empty() {
            p.push("dpdk.worker_lcores: at least one worker lcore is needed".to_string());
        }
        let mut seen = HashSet::new();
        for l in &d.worker_lcores {
            if *l == d.main_lcore {
                p.push(format!(
                    "dpdk.worker_lcores: lcore {l} overlaps the main lcore (dpdk.main_lcore = {})",
                    d.main_lcore
                ));
            } else if !seen.insert(*l) {
                p.push(format!("dpdk.worker_lcores: lcore {l} is listed twice"));
            }
        }
        if d.burst == 0 || d.burst > 64 {
            p.push(format!("dpdk.burst: {} is outside 1..=64", d.burst));
        }
        if d.mbufs < 1024 {
            p.push(format!(
                "dpdk.mbufs: {} is too few (at least 1024)",
                d.mbufs
            ));
        }
        for flag in ["-l", "--lcores", "-c", "--main-lcore"] {
            if d.eal_args.iter().any(|a| a == flag) {
                p.push(format!(
                    "dpdk.eal_args: \"{flag}\" is derived from dpdk.main_lcore and dpdk.worker_lcores; remove it"
                ));
            }
        }

        // Ports.
        if self.ports.is_empty() {
            p.push("port: at least one [[port]] is needed".to_string());
        }
        let mut names = HashSet::new();
        let mut devices = HashSet::new();
        let workers = d.worker_lcores.len().max(1);
        for (i, port) in self.ports.iter().enumerate() {
            let at = format!("port[{i}] \"{}\"", port.name);
            if port.name.is_empty() {
                p.push(format!("port[{i}].name: must not be empty"));
            } else if !names.insert(port.name.as_str()) {
                p.push(format!("{at}: port name is used twice"));
            }
            if port.device.trim().is_empty() {
                p.push(format!("{at}.device: must not be empty"));
            } else if !devices.insert(device_name(&port.device)) {
                p.push(format!(
                    "{at}.device: device \"{}\" is used by two ports",
                    device_name(&port.device)
                ));
            } else if !is_vdev(&port.device) && !is_pci_address(&port.device) {
                p.push(format!(
                    "{at}.device: \"{}\" is neither a vdev (net_pcap0,…) nor a PCI address (0000:03:00.0)",
                    port.device
                ));
            }
            if let Some(q) = port.queues {
                if q == 0 || usize::from(q) > workers {
                    p.push(format!(
                        "{at}.queues: {q} must be between 1 and the number of worker lcores ({workers})"
                    ));
                }
            }
            if let Some(mtu) = port.mtu {
                if mtu < 1280 {
                    p.push(format!("{at}.mtu: {mtu} is below the IPv6 minimum of 1280"));
                }
            }
            for a in &port.addresses {
                if let Err(e) = a.parse::<Ipv6Net>() {
                    p.push(format!(
                        "{at}.addresses: \"{a}\" is not an IPv6 address/prefix-length ({e})"
                    ));
                }
            }
        }

        for (i, r) in self.routes.iter().enumerate() {
            if let Err(e) = r.prefix.parse::<Ipv6Net>() {
                p.push(format!(
                    "route[{i}].prefix: \"{}\" is not an IPv6 prefix ({e})",
                    r.prefix
                ));
            }
            if let Err(e) = r.via.parse::<Ipv6Addr>() {
                p.push(format!(
                    "route[{i}].via: \"{}\" is not an IPv6 address ({e})",
                    r.via
                ));
            }
            if let Some(port) = &r.port {
                if !names.contains(port.as_str()) {
                    p.push(format!("route[{i}].port: unknown port name \"{port}\""));
                }
            }
        }

        let has = |r: Role| self.gateway.roles.contains(&r);
        match (&self.lma, has(Role::Lma)) {
            (None, true) => p.push("lma: role \"lma\" needs an [lma] section".into()),
            (Some(_), false) => {
                p.push("lma: an [lma] section is given but role \"lma\" is not".into())
            }
            (Some(lma), true) => validate_lma(lma, &mut p),
            (None, false) => {}
        }
        match (&self.mag, has(Role::Mag)) {
            (None, true) => p.push("mag: role \"mag\" needs a [mag] section".into()),
            (Some(_), false) => {
                p.push("mag: a [mag] section is given but role \"mag\" is not".into())
            }
            (Some(mag), true) => {
                addr(&mut p, "mag.address", &mag.address);
                addr(&mut p, "mag.lma", &mag.lma);
                if !names.contains(mag.access_port.as_str()) {
                    p.push(format!(
                        "mag.access_port: unknown port name \"{}\"",
                        mag.access_port
                    ));
                }
            }
            (None, false) => {}
        }
        if let Some(m) = &self.metrics {
            if let Err(e) = m.listen.parse::<std::net::SocketAddr>() {
                p.push(format!(
                    "metrics.listen: \"{}\" is not an address:port ({e})",
                    m.listen
                ));
            }
        }
        if let Some(c) = &self.control {
            if c.socket.as_os_str().is_empty() {
                p.push("control.socket: must not be empty".into());
            }
        }

        if p.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid { problems: p })
        }
    }

    /// How many RX queues `port` has (worker `i` polls queue `i`).
    pub fn rx_queues(&self, port: &PortSection) -> u16 {
        port.queues
            .unwrap_or_else(|| u16::try_from(self.dpdk.worker_lcores.len()).unwrap_or(1))
            .max(1)
    }

    /// The complete EAL argument list: program name, the configured arguments,
    /// the lcore list, and `-a` for each PCI port. Virtual devices are not
    /// named here: each port is probed from its `device` string at start-up,
    /// so a bad one is reported against its port.
    pub fn eal_argv(&self) -> Vec<String> {
        let mut argv = vec!["mobgw".to_string()];
        argv.extend(self.dpdk.eal_args.iter().cloned());
        let lcores: Vec<String> = std::iter::once(self.dpdk.main_lcore)
            .chain(self.dpdk.worker_lcores.iter().copied())
            .map(|l| l.to_string())
            .collect();
        argv.push("-l".into());
        argv.push(lcores.join(","));
        argv.push("--main-lcore".into());
        argv.push(self.dpdk.main_lcore.to_string());
        for port in &self.ports {
            if is_pci_address(&port.device) {
                argv.push("-a".into());
                argv.push(port.device.clone());
            }
        }
        argv
    }

    pub fn has_role(&self, r: Role) -> bool {
        self.gateway.roles.contains(&r)
    }

    pub fn port_index(&self, name: &str) -> Option<usize> {
        self.ports.iter().position(|p| p.name == name)
    }
}

fn validate_lma(lma: &LmaSection, p: &mut Vec<String>) {
    addr(p, "lma.address", &lma.address);
    match lma.hnp_pool.parse::<Ipv6Net>() {
        Err(e) => p.push(format!(
            "lma.hnp_pool: \"{}\" is not an IPv6 prefix ({e})",
            lma.hnp_pool
        )),
        Ok(net) if net.prefix_len() > 64 => p.push(format!(
            "lma.hnp_pool: {net} is longer than /64; home network prefixes are /64s taken from it"
        )),
        Ok(net) if net.network() != net.addr() => p.push(format!(
            "lma.hnp_pool: {net} has host bits set (did you mean {}?)",
            net.trunc()
        )),
        Ok(_) => {}
    }
    for (i, m) in lma.allowed_mags.iter().enumerate() {
        if let Err(e) = m.parse::<Ipv6Net>() {
            p.push(format!(
                "lma.allowed_mags[{i}]: \"{m}\" is not an IPv6 prefix ({e})"
            ));
        }
    }
    if !lma.static_bindings.is_empty() && !Path::new(&lma.static_bindings).is_file() {
        p.push(format!(
            "lma.static_bindings: file \"{}\" not found",
            lma.static_bindings
        ));
    }
}

fn addr(p: &mut Vec<String>, what: &str, s: &str) {
    if let Err(e) = s.parse::<Ipv6Addr>() {
        p.push(format!("{what}: \"{s}\" is not an IPv6 address ({e})"));
    }
}

/// The device name: a vdev's name before its first comma, or the PCI address.
pub fn device_name(device: &str) -> &str {
    device.split(',').next().unwrap_or(device).trim()
}

/// `net_<driver><n>[,args]`, as the EAL's `--vdev` takes.
pub fn is_vdev(device: &str) -> bool {
    let name = device_name(device);
    name.starts_with("net_") && name.len() > 4
}

/// `DDDD:BB:DD.F` or `BB:DD.F`.
pub fn is_pci_address(device: &str) -> bool {
    let s = device_name(device);
    let parts: Vec<&str> = s.split(':').collect();
    let hex = |x: &str, n: usize| x.len() == n && x.chars().all(|c| c.is_ascii_hexdigit());
    let (bus, devfn) = match parts.as_slice() {
        [dom, bus, devfn] if hex(dom, 4) => (bus, devfn),
        [bus, devfn] => (bus, devfn),
        _ => return false,
    };
    let Some((dev, func)) = devfn.split_once('.') else {
        return false;
    };
    hex(bus, 2) && hex(dev, 2) && func.len() == 1 && func.chars().all(|c| ('0'..='7').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LMA: &str = r#"
[gateway]
node_id = "lma1"
roles = ["lma"]

[dpdk]
eal_args = ["--no-huge", "-m", "1024", "--no-pci", "--file-prefix", "lma1"]
worker_lcores = [1]
idle = "adaptive"

[[port]]
name = "access"
device = "net_af_packet0,iface=lma-acc"
addresses = ["2001:db8:100::1/64"]

[[port]]
name = "core"
device = "net_af_packet1,iface=lma-core"
addresses = ["2001:db8:200::1/64"]

[[route]]
prefix = "::/0"
via = "2001:db8:200::fe"

[lma]
address = "2001:db8:100::1"
hnp_pool = "2001:db8:1000::/48"
tunnel = "ip6ip6"
allowed_mags = ["2001:db8:100::/64"]

[metrics]
listen = "127.0.0.1:9417"

[control]
socket = "/run/mobgw/lma1.sock"
"#;

    fn problems(text: &str) -> Vec<String> {
        match Config::from_toml_str(text) {
            Err(ConfigError::Invalid { problems }) => problems,
            Err(e) => vec![e.to_string()],
            Ok(_) => vec![],
        }
    }

    #[test]
    fn design_example_loads() {
        let cfg = Config::from_toml_str(LMA).expect("the DESIGN.md example is valid");
        assert_eq!(cfg.gateway.node_id, "lma1");
        assert_eq!(cfg.ports.len(), 2);
        assert_eq!(cfg.dpdk.idle, IdleMode::Adaptive);
        assert_eq!(cfg.lma.as_ref().map(|l| l.tunnel), Some(TunnelKind::Ip6ip6));
        let argv = cfg.eal_argv();
        assert!(argv.windows(2).any(|w| w[0] == "-l" && w[1] == "0,1"));
        assert!(!argv.iter().any(|a| a == "--vdev"));
        assert_eq!(argv[0], "mobgw");
    }

    #[test]
    fn deploy_examples_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/config");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).expect("deploy/config exists") {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("readable");
                // static_bindings paths are relative to the repository root.
                let text = text.replace(
                    "static_bindings = \"deploy/",
                    "static_bindings = \"../deploy/",
                );
                if let Err(e) = Config::from_toml_str(&text) {
                    panic!("{}: {e}", path.display());
                }
                n += 1;
            }
        }
        assert!(n >= 2, "expected several example configs, found {n}");
    }

    #[test]
    fn unknown_port_name_is_reported() {
        let text = LMA.replace("roles = [\"lma\"]", "roles = [\"lma\", \"mag\"]")
            + "\n[mag]\naddress = \"2001:db8:100::2\"\nlma = \"2001:db8:100::1\"\naccess_port = \"mn\"\n";
        let p = problems(&text);
        assert_eq!(p, vec!["mag.access_port: unknown port name \"mn\""]);
    }

    #[test]
    fn overlapping_lcores_are_reported() {
        let p = problems(&LMA.replace("worker_lcores = [1]", "worker_lcores = [0, 2, 2]"));
        assert_eq!(
            p,
            vec![
                "dpdk.worker_lcores: lcore 0 overlaps the main lcore (dpdk.main_lcore = 0)",
                "dpdk.worker_lcores: lcore 2 is listed twice",
            ]
        );
    }

    #[test]
    fn bad_prefixes_are_reported() {
        let text = LMA
            .replace("2001:db8:1000::/48", "2001:db8:1000::/80")
            .replace("\"2001:db8:100::/64\"]", "\"2001:db8:100::/129\"]")
            .replace("2001:db8:200::1/64", "2001:zz8::1/64");
        let p = problems(&text);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].starts_with("port[1] \"core\".addresses: \"2001:zz8::1/64\" is not an IPv6"));
        assert!(p[1].starts_with("lma.hnp_pool: 2001:db8:1000::/80 is longer than /64"));
        assert!(p[2].starts_with("lma.allowed_mags[0]: \"2001:db8:100::/129\""));
    }

    #[test]
    fn missing_file_is_reported() {
        let e = Config::load_with_env(Path::new("/nonexistent/mobgw.toml"), vec![]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "config file /nonexistent/mobgw.toml: not found"
        );
    }

    #[test]
    fn syntax_error_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "[gateway\nnode_id = 1").expect("write");
        let e = Config::load_with_env(&path, vec![]).unwrap_err();
        assert!(e
            .to_string()
            .starts_with(&format!("config file {}:", path.display())));
    }

    #[test]
    fn unknown_key_is_rejected() {
        let p = problems(&LMA.replace("idle = \"adaptive\"", "idle = \"adaptive\"\nburts = 3"));
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("unknown field `burts`"), "{p:?}");
    }

    #[test]
    fn environment_overrides_apply() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lma.toml");
        std::fs::write(&path, LMA).expect("write");
        let env = vec![
            ("MOBGW_LMA__TUNNEL".to_string(), "gre".to_string()),
            ("MOBGW_DPDK__IDLE".to_string(), "poll".to_string()),
            ("UNRELATED".to_string(), "x".to_string()),
        ];
        let cfg = Config::load_with_env(&path, env).expect("valid");
        assert_eq!(cfg.lma.map(|l| l.tunnel), Some(TunnelKind::Gre));
        assert_eq!(cfg.dpdk.idle, IdleMode::Poll);
    }

    #[test]
    fn role_sections_must_match() {
        let p = problems(&LMA.replace("roles = [\"lma\"]", "roles = [\"mag\"]"));
        assert!(p.contains(&"mag: role \"mag\" needs a [mag] section".to_string()));
        assert!(p.contains(&"lma: an [lma] section is given but role \"lma\" is not".to_string()));
    }

    #[test]
    fn bad_device_strings_are_reported() {
        let p = problems(&LMA.replace("net_af_packet1,iface=lma-core", "eth0"));
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("neither a vdev"), "{p:?}");
        assert!(is_pci_address("0000:03:00.0"));
        assert!(is_pci_address("03:00.1"));
        assert!(!is_pci_address("03:00.9"));
        assert!(is_vdev("net_null0"));
        assert!(!is_vdev("net_"));
    }

    #[test]
    fn eal_lcore_flags_are_refused() {
        let p = problems(&LMA.replace("\"--no-pci\"", "\"--no-pci\", \"-l\", \"0-1\""));
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("\"-l\" is derived"), "{p:?}");
    }
}
