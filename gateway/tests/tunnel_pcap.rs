//! The LMA's tunnel pipeline on DPDK, black-box: `mobgw` with `net_pcap`
//! ports and a static-bindings file; what comes out, decoded by tshark, holds
//! exactly the expected outer and inner headers (downlink IPv6-in-IPv6 and
//! GRE with the binding's key, uplink decapsulation), and what must be dropped
//! (an uplink packet whose inner source is bound to another MAG, RFC 5213
//! §5.6.2) is absent.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::{a, line_channel, spawn_run, write_pcap};
use fastpath::frame::FrameSpec;

const LMA_ACCESS_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x01, 0x01];
const MAG1_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x0a, 0x02];
const MAG2_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x0a, 0x03];
const CN_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x0c, 0xfe];

fn tshark_fields(pcap: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(pcap)
        .args(["-T", "fields", "-E", "separator=|"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .output()
        .expect("tshark runs (deploy/install-deps.sh installs it)");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect()
}

#[test]
fn lma_downlink_uplink_gre_on_pcap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cn = a("2001:db8:200::fe");
    let lma = a("2001:db8:100::1");
    let mag1 = a("2001:db8:100::2");
    let mag2 = a("2001:db8:100::3");
    let mn1 = a("2001:db8:1000:1::10");
    let mn2 = a("2001:db8:1000:2::10");

    std::fs::write(
        d.join("bindings.txt"),
        "binding 2001:db8:1000:1::/64 2001:db8:100::2 ip6ip6\n\
         binding 2001:db8:1000:2::/64 2001:db8:100::3 gre 4242\n\
         neighbor 2001:db8:100::2 02:00:00:00:0a:02 access\n\
         neighbor 2001:db8:100::3 02:00:00:00:0a:03 access\n\
         neighbor 2001:db8:200::fe 02:00:00:00:0c:fe core\n",
    )
    .expect("bindings");

    // Core side: downlink from the CN to both MNs, 5 each.
    let mut core_in = Vec::new();
    for i in 0..5u16 {
        core_in.push(FrameSpec::new(cn, mn1).udp(4000 + i, 5001, b"downlink-ip6ip6"));
        core_in.push(FrameSpec::new(cn, mn2).udp(4000 + i, 5001, b"downlink-gre"));
    }
    // Two whose hop limit runs out here: answered with ICMPv6 Time Exceeded.
    for i in 0..2u16 {
        let mut f = FrameSpec::new(cn, mn1).hop_limit(1);
        f.src_mac = CN_MAC;
        core_in.push(f.udp(4100 + i, 5001, b"expiring"));
    }
    // Access side: uplink from MAG1 (IPv6-in-IPv6) and MAG2 (GRE, key), 5
    // each, plus 3 spoofed: MAG1 tunnelling a source bound to MAG2.
    let mut access_in = Vec::new();
    for i in 0..5u16 {
        let inner = FrameSpec::new(mn1, cn).udp(6000 + i, 7, b"uplink-ip6ip6");
        let mut outer = FrameSpec::new(mag1, lma);
        outer.src_mac = MAG1_MAC;
        outer.dst_mac = LMA_ACCESS_MAC;
        access_in.push(outer.tunnel(&inner, None));
        let inner = FrameSpec::new(mn2, cn).udp(6000 + i, 7, b"uplink-gre");
        let mut outer = FrameSpec::new(mag2, lma);
        outer.src_mac = MAG2_MAC;
        outer.dst_mac = LMA_ACCESS_MAC;
        access_in.push(outer.tunnel(&inner, Some(Some(77))));
    }
    for i in 0..3u16 {
        let inner = FrameSpec::new(mn2, cn).udp(9000 + i, 7, b"spoofed");
        let outer = FrameSpec::new(mag1, lma);
        access_in.push(outer.tunnel(&inner, None));
    }
    write_pcap(&d.join("core_in.pcap"), &core_in);
    write_pcap(&d.join("access_in.pcap"), &access_in);

    let cfg = format!(
        r#"[gateway]
node_id = "pcaplma"
roles = ["lma"]
[dpdk]
eal_args = ["--no-huge", "-m", "1024", "--no-pci", "--no-shconf", "--file-prefix", "pcaplma-{pid}"]
worker_lcores = [1]
idle = "adaptive"
[[port]]
name = "access"
device = "net_pcap0,rx_pcap={d}/access_in.pcap,tx_pcap={d}/access_out.pcap"
addresses = ["2001:db8:100::1/64"]
[[port]]
name = "core"
device = "net_pcap1,rx_pcap={d}/core_in.pcap,tx_pcap={d}/core_out.pcap"
addresses = ["2001:db8:200::1/64"]
[[route]]
prefix = "::/0"
via = "2001:db8:200::fe"
[lma]
address = "2001:db8:100::1"
hnp_pool = "2001:db8:1000::/48"
allowed_mags = ["2001:db8:100::/64"]
static_bindings = "{d}/bindings.txt"
"#,
        pid = std::process::id(),
        d = d.display()
    );
    let cfg_path = d.join("lma.toml");
    std::fs::write(&cfg_path, cfg).expect("config");

    let mut child = spawn_run(&cfg_path);
    let rx = line_channel(child.stdout.take().expect("stdout"));
    // 10 downlink out of access, 10 uplink out of core (plus the slowpath's
    // own neighbor solicitations, which are ICMPv6 and filtered below).
    let start = Instant::now();
    let mut lines = Vec::new();
    let mut access_tx = 0u64;
    let mut core_tx = 0u64;
    while start.elapsed() < Duration::from_secs(30) && (access_tx < 10 || core_tx < 10) {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            let tx_of = |l: &str| {
                l.split("), tx ")
                    .nth(1)
                    .and_then(|t| t.split_whitespace().next())
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            if l.starts_with("port access:") {
                access_tx = tx_of(&l);
            } else if l.starts_with("port core:") {
                core_tx = tx_of(&l);
            }
            lines.push(l);
        }
        if let Some(st) = child.try_wait().expect("try_wait") {
            panic!("mobgw exited early: {st}\n{}", lines.join("\n"));
        }
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let status = child.wait().expect("wait");
    let rest: Vec<String> = rx.try_iter().collect();
    let all = lines
        .iter()
        .chain(rest.iter())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(status.success(), "mobgw exit {status}\n{all}");
    assert!(
        all.contains("source_not_bound_to_peer 3"),
        "the 3 spoofed uplink packets are dropped under their reason:\n{all}"
    );

    // Downlink, out of the access port: outer LMA → MAG, inner CN → MN.
    let rows = tshark_fields(
        &d.join("access_out.pcap"),
        &[
            "eth.dst",
            "ipv6.src",
            "ipv6.dst",
            "ipv6.nxt",
            "gre.key",
            "udp.dstport",
            "_ws.malformed",
            "_ws.expert",
        ],
    );
    let data: Vec<&Vec<String>> = rows.iter().filter(|r| r[5] == "5001").collect();
    assert_eq!(data.len(), 10, "10 downlink packets: {rows:?}");
    let ip6ip6: Vec<_> = data.iter().filter(|r| r[3].starts_with("41")).collect();
    let gre: Vec<_> = data.iter().filter(|r| r[3].starts_with("47")).collect();
    assert_eq!((ip6ip6.len(), gre.len()), (5, 5), "{data:?}");
    for r in &ip6ip6 {
        assert_eq!(
            r[0], "02:00:00:00:0a:02",
            "L2 to MAG1 from the neighbor table"
        );
        assert_eq!(r[1], format!("{lma},{cn}"));
        assert_eq!(r[2], format!("{mag1},{mn1}"));
        assert_eq!(r[3], "41,17");
        assert_eq!(r[4], "");
    }
    for r in &gre {
        assert_eq!(r[0], "02:00:00:00:0a:03");
        assert_eq!(r[1], format!("{lma},{cn}"));
        assert_eq!(r[2], format!("{mag2},{mn2}"));
        assert_eq!(r[3], "47,17");
        assert_eq!(r[4], "0x00001092", "GRE key 4242 (RFC 5845)");
    }
    assert!(
        data.iter().all(|r| r[6].is_empty() && r[7].is_empty()),
        "no malformed/expert: {data:?}"
    );

    // Uplink, out of the core port: the inner packets, to the CN's MAC.
    let rows = tshark_fields(
        &d.join("core_out.pcap"),
        &[
            "eth.dst",
            "ipv6.src",
            "ipv6.dst",
            "ipv6.hlim",
            "udp.srcport",
            "data.data",
        ],
    );
    let up: Vec<&Vec<String>> = rows.iter().filter(|r| r[2] == cn.to_string()).collect();
    assert_eq!(up.len(), 10, "10 uplink packets decapsulated: {rows:?}");
    for r in &up {
        assert_eq!(r[0], "02:00:00:00:0c:fe");
        assert!(r[1] == mn1.to_string() || r[1] == mn2.to_string(), "{r:?}");
        assert_eq!(r[3], "63", "hop limit decremented once");
        let port: u16 = r[4].parse().expect("udp port");
        assert!(
            (6000..6005).contains(&port),
            "no spoofed packet forwarded: {r:?}"
        );
    }
    // The expiring packets: not forwarded, answered from the core address.
    let rows = tshark_fields(
        &d.join("core_out.pcap"),
        &[
            "eth.dst",
            "ipv6.src",
            "ipv6.dst",
            "icmpv6.type",
            "icmpv6.code",
            "udp.srcport",
        ],
    );
    let te: Vec<&Vec<String>> = rows.iter().filter(|r| r[3].starts_with('3')).collect();
    assert_eq!(te.len(), 2, "two Time Exceeded: {rows:?}");
    for r in &te {
        assert_eq!(r[0], "02:00:00:00:0c:fe");
        assert!(r[1].starts_with("2001:db8:200::1"), "{r:?}");
        assert!(r[2].starts_with(&cn.to_string()), "{r:?}");
        assert_eq!(r[4], "0", "hop limit exceeded in transit");
        assert!(
            r[5].starts_with("410"),
            "the original UDP header is quoted: {r:?}"
        );
    }
}
