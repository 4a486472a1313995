//! Shared by the black-box tests that spawn `mobgw`: pcap files in and out,
//! and a child process that never outlives a failed test.

#![allow(dead_code)] // each test binary uses its own subset

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::net::Ipv6Addr;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use pcap_file::pcap::{PcapPacket, PcapReader, PcapWriter};

/// `mobgw` as built for this test run.
pub fn mobgw() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mobgw"))
}

pub fn a(s: &str) -> Ipv6Addr {
    s.parse().expect("address")
}

pub fn write_pcap(path: &Path, frames: &[Vec<u8>]) {
    let mut w = PcapWriter::new(File::create(path).expect("create pcap")).expect("pcap header");
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(&PcapPacket::new(
            Duration::from_micros(i as u64),
            f.len() as u32,
            f,
        ))
        .expect("write packet");
    }
}

pub fn read_pcap(path: &Path) -> Vec<Vec<u8>> {
    let mut r = PcapReader::new(File::open(path).expect("open pcap")).expect("pcap header");
    let mut out = Vec::new();
    while let Some(p) = r.next_packet() {
        out.push(p.expect("packet").data.into_owned());
    }
    out
}

/// A spawned `mobgw` that is killed (and reaped) when dropped, so a failing
/// assertion does not leave a poll-mode process spinning on a core.
#[derive(Debug)]
pub struct KillOnDrop(pub Child);

impl Deref for KillOnDrop {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `mobgw run --stats-period 1 --config CONFIG` with stdout and stderr piped.
pub fn spawn_run(config: &Path) -> KillOnDrop {
    KillOnDrop(
        mobgw()
            .args(["run", "--stats-period", "1", "--config"])
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mobgw"),
    )
}

/// The lines of `r`, read on a thread, as a channel.
pub fn line_channel<R: Read + Send + 'static>(r: R) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}
