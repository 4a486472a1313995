//! Black-box DPDK tests: spawn `mobgw` (the EAL starts once per process) on
//! virtual devices and check what comes out.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;

use common::{line_channel, mobgw, read_pcap, spawn_run, write_pcap, KillOnDrop};

/// Mixed IPv6/UDP frames of varied sizes, each carrying its index.
fn mixed_frames(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let len = 62 + (i * 37) % 1400;
            let mut f = vec![0u8; len];
            f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
            f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 2]);
            f[12..14].copy_from_slice(&[0x86, 0xdd]);
            f[14] = 0x60;
            let plen = (len - 54) as u16;
            f[18..20].copy_from_slice(&plen.to_be_bytes());
            f[20] = 17;
            f[21] = 64;
            f[22..38]
                .copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
            f[38..54].copy_from_slice(&[
                0x20,
                0x01,
                0x0d,
                0xb8,
                0x10,
                0,
                (i >> 8) as u8,
                i as u8,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                2,
            ]);
            f[54..56].copy_from_slice(&(1000 + i as u16).to_be_bytes());
            f[56..58].copy_from_slice(&5001u16.to_be_bytes());
            f[58..60].copy_from_slice(&plen.to_be_bytes());
            for (k, b) in f[62..].iter_mut().enumerate() {
                *b = (i + k) as u8;
            }
            f
        })
        .collect()
}

fn write_config(dir: &Path, name: &str, ports: &[(&str, String)], extra: &str) -> PathBuf {
    let mut s = format!(
        "[gateway]\nnode_id = \"{name}\"\nroles = [\"lma\"]\n\n[dpdk]\n\
         eal_args = [\"--no-huge\", \"-m\", \"1024\", \"--no-pci\", \"--no-shconf\", \"--file-prefix\", \"{name}-{pid}\"]\n\
         worker_lcores = [1]\nidle = \"adaptive\"\nforward = \"io\"\n\n",
        pid = std::process::id()
    );
    for (port, dev) in ports {
        s += &format!(
            "[[port]]\nname = \"{port}\"\ndevice = \"{dev}\"\naddresses = [\"2001:db8:{}::1/64\"]\n\n",
            if *port == "access" { "100" } else { "200" }
        );
    }
    s += "[lma]\naddress = \"2001:db8:100::1\"\nhnp_pool = \"2001:db8:1000::/48\"\nallowed_mags = [\"2001:db8:100::/64\"]\n";
    s += extra;
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, s).expect("write config");
    path
}

/// Spawns `mobgw run`, forwarding its stdout lines to a channel.
fn spawn(config: &Path) -> (KillOnDrop, mpsc::Receiver<String>) {
    let mut child = spawn_run(config);
    let rx = line_channel(child.stdout.take().expect("stdout"));
    (child, rx)
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("mobgw did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

/// One test drives the DPDK cases in sequence: each spawns its own process.
#[test]
fn dpdk_black_box() {
    let dir = tempfile::tempdir().expect("tempdir");
    forwards_pcap_port_to_port_in_order(dir.path());
    bad_device_fails_fast(dir.path());
    closed_stdout_does_not_stop_it(dir.path());
}

/// `mobgw run | head -1`: the reader goes away; the gateway keeps running and
/// a SIGTERM still stops it cleanly (exit 0, no worker left polling).
fn closed_stdout_does_not_stop_it(dir: &Path) {
    let cfg = write_config(
        dir,
        "pipe",
        &[
            ("access", "net_null0".to_string()),
            ("core", "net_null1".to_string()),
        ],
        "",
    );
    let mut child = spawn_run(&cfg);
    drop(child.stdout.take());
    // Several stats periods against the closed pipe.
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "mobgw stopped when its stdout closed: {}",
        stderr_of(&mut child)
    );
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert!(
        status.success(),
        "SIGTERM after stdout closed must exit 0, got {status}; stderr:\n{}",
        stderr_of(&mut child)
    );
}

fn forwards_pcap_port_to_port_in_order(dir: &Path) {
    let frames = mixed_frames(500);
    let input = dir.join("in.pcap");
    let output = dir.join("out.pcap");
    write_pcap(&input, &frames);
    let cfg = write_config(
        dir,
        "fwd",
        &[
            ("access", format!("net_pcap0,rx_pcap={}", input.display())),
            ("core", format!("net_pcap1,tx_pcap={}", output.display())),
        ],
        "",
    );
    let (mut child, lines) = spawn(&cfg);
    // Wait until the stats line shows every packet sent on the core port.
    let start = Instant::now();
    let mut seen = Vec::new();
    let mut done = false;
    while start.elapsed() < Duration::from_secs(30) {
        match lines.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                if line.contains("core") && line.contains("tx 500 pkts") {
                    done = true;
                }
                seen.push(line);
                if done {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(st) = child.try_wait().expect("try_wait") {
                    panic!("mobgw exited early ({st}): {}", stderr_of(&mut child));
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    assert!(
        done,
        "never saw 500 packets out of port core; stdout:\n{}",
        seen.join("\n")
    );
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    let err = stderr_of(&mut child);
    assert!(
        status.success(),
        "SIGTERM must exit 0, got {status}; stderr:\n{err}"
    );
    // Final counters are printed on the way out.
    let rest: Vec<String> = lines.try_iter().collect();
    let all = seen
        .iter()
        .chain(rest.iter())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        all.contains("final counters"),
        "no final counters in:\n{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.contains("port access") && l.contains("rx 500 pkts")),
        "final counters lack access rx 500:\n{all}"
    );
    let out = read_pcap(&output);
    assert_eq!(out.len(), frames.len(), "every packet forwarded");
    for (i, (a, b)) in frames.iter().zip(out.iter()).enumerate() {
        assert_eq!(a, b, "packet {i} differs or is out of order");
    }
}

fn bad_device_fails_fast(dir: &Path) {
    let cfg = write_config(
        dir,
        "baddev",
        &[
            (
                "access",
                "net_pcap0,rx_pcap=/nonexistent/in.pcap".to_string(),
            ),
            ("core", "net_null0".to_string()),
        ],
        "",
    );
    let start = Instant::now();
    let (mut child, _lines) = spawn(&cfg);
    let status = wait_exit(&mut child, Duration::from_secs(20));
    let err = stderr_of(&mut child);
    assert!(!status.success(), "a bad device must fail");
    assert!(start.elapsed() < Duration::from_secs(20));
    assert!(
        err.contains("net_pcap0"),
        "the error names the device; stderr:\n{err}"
    );
}

#[test]
fn check_config_reports_problems() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(
        dir.path(),
        "bad",
        &[
            ("access", "net_null0".to_string()),
            ("access", "net_null1".to_string()),
        ],
        "[mag]\naddress = \"2001:db8:100::2\"\nlma = \"2001:db8:100::1\"\naccess_port = \"mn\"\n",
    );
    let out = mobgw().arg("check-config").arg(&cfg).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("port name is used twice"), "{err}");
    assert!(
        err.contains("a [mag] section is given but role \"mag\" is not"),
        "{err}"
    );

    let out = mobgw()
        .args(["check-config", "/nonexistent/x.toml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));

    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/config/lma.toml");
    let out = mobgw()
        .arg("check-config")
        .arg(&good)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
