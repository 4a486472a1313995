//! PBU → PBA work of the LMA engine, shaped for profilers: load `N`
//! bindings, then `M` refreshes and `M` initial registrations, each phase in
//! its own never-inlined function so callgrind can count just that phase:
//!
//! ```text
//! cargo build --release -p slowpath --example lma_profile
//! valgrind --tool=callgrind --toggle-collect='lma_profile::measure_*' \
//!     target/release/examples/lma_profile 200000 50000
//! ```
//!
//! Instructions per message = the collected Ir / M per phase (run the two
//! phases separately with `refresh` / `initial` as a third argument). Also
//! prints native rates per wall-clock second (noisy on a shared machine) and
//! per CPU second of this thread (steadier).

use std::hint::black_box;
use std::net::Ipv6Addr;
use std::time::Instant;

use slowpath::action::Action;
use slowpath::counters::MessageKind;
use slowpath::lma::{Lma, LmaConfig};
use slowpath::policy::LmaPolicy;
use slowpath::timers::{timestamp_from_unix_millis, Now, Time};
use slowpath::wire::{
    mh_checksum, AccessTechnologyType, BindingAck, BindingUpdate, BindingUpdateFlags,
    HandoffIndicator, MhRepr, MobilityOption, MobilityOptions, OptionType, Timestamp,
};

const UNIX0: u64 = 1_700_000_000_000;
const LMAA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);
const MAG: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
const CHECKSUM_AT: usize = 4;
const MARKER: Timestamp = Timestamp(0x0123_4567_89ab_cdef);

fn mn_id(prefix: &str, i: usize) -> Vec<u8> {
    format!("{prefix}{i:08}@example.org").into_bytes()
}

fn pbu(mn: Vec<u8>, hnp: Ipv6Addr, hi: u8, ts: Timestamp) -> Vec<u8> {
    MhRepr::BindingUpdate(BindingUpdate {
        sequence: 1,
        flags: BindingUpdateFlags {
            ack: true,
            proxy: true,
            ..Default::default()
        },
        lifetime: 900,
        options: vec![
            MobilityOption::MnIdentifier {
                subtype: 1,
                identifier: mn,
            },
            MobilityOption::HomeNetworkPrefix {
                prefix_len: 64,
                prefix: hnp,
            },
            MobilityOption::HandoffIndicator(HandoffIndicator(hi)),
            MobilityOption::AccessTechnologyType(AccessTechnologyType::IEEE_802_11),
            MobilityOption::Timestamp(ts),
        ],
    })
    .to_bytes(&MAG, &LMAA)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn stamp(buf: &mut [u8], ts_at: usize, ts: Timestamp) {
    buf[ts_at..ts_at + 8].copy_from_slice(&ts.0.to_be_bytes());
    buf[CHECKSUM_AT..CHECKSUM_AT + 2].copy_from_slice(&[0, 0]);
    let c = mh_checksum(&MAG, &LMAA, buf);
    buf[CHECKSUM_AT..CHECKSUM_AT + 2].copy_from_slice(&c.to_be_bytes());
}

/// Decode, process, encode (as the gateway does: `handle_mh`, the PBA in wire
/// form); returns the PBA status and the first HNP.
fn round_trip(lma: &mut Lma, bytes: &[u8], now: Now) -> (u8, Ipv6Addr) {
    if lma.handle_mh(MAG, LMAA, bytes, now).is_err() {
        return (u8::MAX, Ipv6Addr::UNSPECIFIED);
    }
    let mut out = (u8::MAX, Ipv6Addr::UNSPECIFIED);
    while let Some(a) = lma.poll_action() {
        if let Action::SendBytes { bytes, .. } = a {
            out.0 = MessageKind::status_of_wire(&bytes);
            out.1 = first_hnp(&bytes).unwrap_or(Ipv6Addr::UNSPECIFIED);
            black_box(bytes);
        }
    }
    out
}

/// The first Home Network Prefix option of a PBA in wire form.
fn first_hnp(pba: &[u8]) -> Option<Ipv6Addr> {
    let area = pba.get(BindingAck::OPTIONS_OFFSET..)?;
    let hnp = MobilityOptions::new(area, BindingAck::OPTIONS_OFFSET).find_map(|o| {
        o.ok()
            .filter(|o| o.option_type == OptionType::HOME_NETWORK_PREFIX)
    })?;
    // Reserved, Prefix Length, Prefix (RFC 5213 §8.3).
    let prefix: [u8; 16] = hnp.data.get(2..18)?.try_into().ok()?;
    Some(Ipv6Addr::from(prefix))
}

struct Clock(u64);

impl Clock {
    fn tick(&mut self) -> Now {
        self.0 += 1;
        Now {
            mono: Time(2_000),
            wall: Timestamp(timestamp_from_unix_millis(UNIX0).0 + self.0),
        }
    }
}

/// Initial registrations of MNs `first..first + count` named `name`.
fn register(
    lma: &mut Lma,
    clock: &mut Clock,
    name: &str,
    first: usize,
    count: usize,
) -> Vec<Ipv6Addr> {
    let template = pbu(mn_id(name, 0), Ipv6Addr::UNSPECIFIED, 1, MARKER);
    let mut marker = name.as_bytes().to_vec();
    marker.extend_from_slice(b"00000000@");
    let id_at = find(&template, &marker).unwrap_or(0) + name.len();
    let ts_at = find(&template, &MARKER.0.to_be_bytes()).unwrap_or(0);
    let mut buf = template;
    let mut hnps = Vec::with_capacity(count);
    for n in first..first + count {
        let mut v = n;
        for d in buf[id_at..id_at + 8].iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        let now = clock.tick();
        stamp(&mut buf, ts_at, now.wall);
        let (status, hnp) = round_trip(lma, &buf, now);
        assert_eq!(status, 0, "initial registration {n} refused");
        hnps.push(hnp);
    }
    hnps
}

#[inline(never)]
fn measure_initial(lma: &mut Lma, clock: &mut Clock, m: usize) {
    black_box(register(lma, clock, "nw", 0, m));
}

#[inline(never)]
fn measure_refresh(lma: &mut Lma, clock: &mut Clock, bufs: &mut [Vec<u8>], ts_at: usize, m: usize) {
    for k in 0..m {
        let now = clock.tick();
        let i = k % bufs.len();
        stamp(&mut bufs[i], ts_at, now.wall);
        let (status, _) = round_trip(lma, &bufs[i], now);
        assert_eq!(status, 0, "refresh {k} refused");
    }
}

/// This thread's CPU time (user + system) in seconds, from /proc in clock ticks
/// (100 Hz): on a shared machine a rate per CPU-second is steadier than one per
/// wall-clock second. `None` off Linux.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name start at field 3; utime and stime are 14 and 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3)?.parse::<u64>().ok();
    Some((ticks(14)? + ticks(15)?) as f64 / 100.0)
}

/// Wall-clock and CPU-time rates of `m` messages handled by `f`.
fn report(what: &str, m: usize, f: impl FnOnce()) {
    let (t, c) = (Instant::now(), cpu_secs());
    f();
    let s = t.elapsed().as_secs_f64();
    let cpu = c.zip(cpu_secs()).map(|(a, b)| b - a);
    print!("{what}: {m} in {s:.3} s = {:.0}/s", m as f64 / s);
    match cpu {
        Some(cpu) if cpu > 0.0 => println!(", CPU {cpu:.2} s = {:.0}/s", m as f64 / cpu),
        _ => println!(),
    }
}

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = arg(1, 200_000);
    let m = arg(2, 50_000);
    let phase = std::env::args().nth(3).unwrap_or_else(|| "both".into());
    let mut config = LmaConfig::new(LMAA, "2001:db8::/32".parse().expect("pool"));
    config.expected_bindings = n + m;
    let mut lma = Lma::new(config, LmaPolicy::default());
    let mut clock = Clock(0);
    let hnps = register(&mut lma, &mut clock, "mn", 0, n);
    let mut bufs: Vec<Vec<u8>> = hnps
        .iter()
        .enumerate()
        .map(|(i, &h)| pbu(mn_id("mn", i), h, 5, MARKER))
        .collect();
    let ts_at = bufs
        .first()
        .and_then(|b| find(b, &MARKER.0.to_be_bytes()))
        .unwrap_or(0);
    if phase != "initial" {
        report("refresh", m, || {
            measure_refresh(&mut lma, &mut clock, &mut bufs, ts_at, m)
        });
    }
    if phase != "refresh" {
        report("initial", m, || measure_initial(&mut lma, &mut clock, m));
    }
    println!("bindings: {}", lma.len());
}
