//! In-memory LMA ↔ two MAGs simulation: simulated clock, seeded loss and
//! reordering, every message through the real `to_bytes`/`from_bytes` codec.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::Ipv6Addr;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use slowpath::action::{Action, SessionId};
use slowpath::counters::{Direction, DropReason, MessageKind};
use slowpath::lma::{BindingState, Lma, LmaConfig};
use slowpath::mag::{Attachment, BulState, Mag, MagConfig};
use slowpath::policy::LmaPolicy;
use slowpath::timers::Now;
use slowpath::wire::{status, AccessTechnologyType, HandoffIndicator, MhRepr};

const UNIX0: u64 = 1_700_000_000_000;
const LMAA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);
const MAGS: [Ipv6Addr; 2] = [
    Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1),
    Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 2),
];

struct InFlight {
    src: Ipv6Addr,
    dst: Ipv6Addr,
    bytes: Vec<u8>,
}

/// The network: per-message latency drawn from a seeded RNG (so messages
/// overtake each other), optional random loss, and a one-shot drop filter.
struct Net {
    rng: StdRng,
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    in_flight: HashMap<u64, InFlight>,
    counter: u64,
    loss: f64,
    latency_ms: (u64, u64),
    drop_next: Vec<(Ipv6Addr, Ipv6Addr)>,
    dropped: u64,
}

impl Net {
    fn send(&mut self, now: u64, src: Ipv6Addr, dst: Ipv6Addr, msg: &MhRepr) {
        let bytes = msg.to_bytes(&src, &dst);
        if let Some(i) = self
            .drop_next
            .iter()
            .position(|&(s, d)| s == src && d == dst)
        {
            self.drop_next.remove(i);
            self.dropped += 1;
            return;
        }
        if self.loss > 0.0 && self.rng.gen_bool(self.loss) {
            self.dropped += 1;
            return;
        }
        let delay = self.rng.gen_range(self.latency_ms.0..=self.latency_ms.1);
        self.counter += 1;
        self.queue.push(Reverse((now + delay, self.counter)));
        self.in_flight
            .insert(self.counter, InFlight { src, dst, bytes });
    }
}

struct Sim {
    now: u64,
    lma: Lma,
    mags: [Mag; 2],
    net: Net,
    /// Where each MN is: (mag index, session at that MAG).
    location: HashMap<Vec<u8>, (usize, SessionId)>,
    pbas_by_status: HashMap<u8, u64>,
}

fn mag_config(addr: Ipv6Addr) -> MagConfig {
    let mut c = MagConfig::new(addr, LMAA);
    c.lifetime = Duration::from_secs(40);
    c
}

impl Sim {
    fn new(seed: u64, loss: f64, latency_ms: (u64, u64)) -> Sim {
        let pool = "2001:db8::/32".parse().unwrap();
        Sim {
            now: 0,
            lma: Lma::new(LmaConfig::new(LMAA, pool), LmaPolicy::default()),
            mags: [Mag::new(mag_config(MAGS[0])), Mag::new(mag_config(MAGS[1]))],
            net: Net {
                rng: StdRng::seed_from_u64(seed),
                queue: BinaryHeap::new(),
                in_flight: HashMap::new(),
                counter: 0,
                loss,
                latency_ms,
                drop_next: Vec::new(),
                dropped: 0,
            },
            location: HashMap::new(),
            pbas_by_status: HashMap::new(),
        }
    }

    fn clock(&self) -> Now {
        Now::new(self.now, UNIX0 + self.now)
    }

    fn flush(&mut self) {
        let now = self.now;
        let lma_actions: Vec<Action> = self.lma.drain_actions().collect();
        for a in lma_actions {
            if let Action::Send { src, dst, message } = a {
                if let MhRepr::BindingAck(ba) = &message {
                    *self.pbas_by_status.entry(ba.status).or_default() += 1;
                }
                self.net.send(now, src, dst, &message);
            }
        }
        for m in 0..2 {
            let acts: Vec<Action> = self.mags[m].drain_actions().collect();
            for a in acts {
                if let Action::Send { src, dst, message } = a {
                    self.net.send(now, src, dst, &message);
                }
            }
        }
    }

    fn deliver(&mut self, id: u64) {
        let Some(f) = self.net.in_flight.remove(&id) else {
            return;
        };
        let msg = MhRepr::from_bytes(&f.bytes, &f.src, &f.dst).expect("decodes");
        let now = self.clock();
        if f.dst == LMAA {
            self.lma.handle_message(f.src, f.dst, &msg, now);
        } else if let Some(m) = MAGS.iter().position(|&a| a == f.dst) {
            self.mags[m].handle_message(f.src, f.dst, &msg, now);
        }
    }

    /// Run the event loop until `until` (ms).
    fn run_until(&mut self, until: u64) {
        loop {
            self.flush();
            let mut next = until;
            if let Some(Reverse((t, _))) = self.net.queue.peek() {
                next = next.min(*t);
            }
            for t in [
                self.lma.poll_timeout(),
                self.mags[0].poll_timeout(),
                self.mags[1].poll_timeout(),
            ]
            .into_iter()
            .flatten()
            {
                next = next.min(t.as_millis());
            }
            let next = next.max(self.now);
            if next >= until
                && self
                    .net
                    .queue
                    .peek()
                    .is_none_or(|Reverse((t, _))| *t > until)
            {
                self.now = until;
                let now = self.clock();
                self.lma.handle_timeout(now);
                self.mags[0].handle_timeout(now);
                self.mags[1].handle_timeout(now);
                self.flush();
                return;
            }
            self.now = next;
            while let Some(Reverse((t, id))) = self.net.queue.peek().copied() {
                if t > self.now {
                    break;
                }
                self.net.queue.pop();
                self.deliver(id);
            }
            let now = self.clock();
            self.lma.handle_timeout(now);
            self.mags[0].handle_timeout(now);
            self.mags[1].handle_timeout(now);
        }
    }

    fn attach(&mut self, mn: &[u8], mag: usize, hi: HandoffIndicator) {
        let a = Attachment {
            mn_id: mn.to_vec(),
            link_layer_id: Some(mac_of(mn)),
            access_technology: AccessTechnologyType::IEEE_802_11,
            handoff: hi,
            requested_hnps: vec![],
        };
        let now = self.clock();
        let id = self.mags[mag].attach(a, now);
        self.location.insert(mn.to_vec(), (mag, id));
    }

    /// The MN leaves its MAG (the MAG de-registers).
    fn detach(&mut self, mn: &[u8]) {
        if let Some((mag, id)) = self.location.remove(mn) {
            let now = self.clock();
            self.mags[mag].detach(id, now);
        }
    }

    /// Check that every located MN is registered at its MAG and the LMA points there.
    fn assert_consistent(&self) {
        for (mn, &(mag, id)) in &self.location {
            let e = self.mags[mag].session(id).expect("BUL entry");
            assert_eq!(
                e.state,
                BulState::Registered,
                "{:?}",
                String::from_utf8_lossy(mn)
            );
            let bindings = self.lma.bindings_of(mn);
            assert_eq!(bindings.len(), 1, "{:?}", String::from_utf8_lossy(mn));
            assert_eq!(bindings[0].proxy_coa, MAGS[mag]);
            assert_eq!(bindings[0].state, BindingState::Active);
            assert_eq!(bindings[0].hnps, e.hnps);
        }
    }
}

fn mac_of(mn: &[u8]) -> Vec<u8> {
    let h = mn.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let b = h.to_be_bytes();
    vec![0x02, b[1], b[2], b[3], b[4], b[5]]
}

fn mn(i: usize) -> Vec<u8> {
    format!("mn{i}@example.org").into_bytes()
}

#[test]
fn sim_attach_refresh_and_lifetime() {
    let mut s = Sim::new(1, 0.0, (1, 20));
    s.attach(b"a@x", 0, HandoffIndicator::ATTACH_NEW_INTERFACE);
    s.run_until(1_000);
    s.assert_consistent();
    let hnps = s.lma.bindings_of(b"a@x")[0].hnps.clone();
    // Several lifetimes (40 s each) pass: refreshes keep the binding.
    s.run_until(200_000);
    s.assert_consistent();
    assert_eq!(s.lma.bindings_of(b"a@x")[0].hnps, hnps);
    let pbus = s
        .lma
        .counters()
        .get(MessageKind::ProxyBindingUpdate, Direction::Rx, 0);
    assert!(pbus >= 6, "refreshes were sent: {pbus}");
}

fn handoff_with(hi: HandoffIndicator, old_deregisters_first: bool) -> Sim {
    let mut s = Sim::new(2, 0.0, (5, 5));
    s.attach(b"a@x", 0, HandoffIndicator::ATTACH_NEW_INTERFACE);
    s.run_until(1_000);
    let hnps = s.lma.bindings_of(b"a@x")[0].hnps.clone();
    if old_deregisters_first {
        s.detach(b"a@x");
        s.run_until(1_100);
    } else {
        let (m, id) = s.location[&b"a@x".to_vec()];
        s.location.remove(b"a@x".as_slice());
        s.attach(b"a@x", 1, hi);
        s.run_until(1_100);
        // The old MAG notices the MN is gone only now: a late de-registration.
        let now = s.clock();
        s.mags[m].detach(id, now);
        s.run_until(5_000);
        s.assert_consistent();
        assert_eq!(s.lma.bindings_of(b"a@x")[0].hnps, hnps, "prefix kept");
        return s;
    }
    s.attach(b"a@x", 1, hi);
    s.run_until(5_000);
    s.assert_consistent();
    assert_eq!(s.lma.bindings_of(b"a@x")[0].hnps, hnps, "prefix kept");
    s
}

#[test]
fn sim_handoff_hi_3_then_late_deregistration_is_ignored() {
    let s = handoff_with(HandoffIndicator::HANDOFF_BETWEEN_MAGS, false);
    assert_eq!(
        s.lma
            .counters()
            .drops(DropReason::DeregistrationFromOtherMag),
        1
    );
}

#[test]
fn sim_handoff_hi_2_updates_entry() {
    handoff_with(HandoffIndicator::HANDOFF_BETWEEN_INTERFACES, false);
}

#[test]
fn sim_handoff_hi_4_after_deregistration_updates_entry() {
    handoff_with(HandoffIndicator::UNKNOWN, true);
}

#[test]
fn sim_handoff_hi_3_after_deregistration_updates_entry() {
    handoff_with(HandoffIndicator::HANDOFF_BETWEEN_MAGS, true);
}

#[test]
fn sim_handoff_hi_4_waits_for_late_deregistration() {
    // New MAG with another link-layer id and HI 4: the LMA parks the PBU
    // until the old MAG's de-registration (inside 1500 ms), then updates.
    let mut s = Sim::new(3, 0.0, (5, 5));
    s.attach(b"a@x", 0, HandoffIndicator::ATTACH_NEW_INTERFACE);
    s.run_until(1_000);
    let hnps = s.lma.bindings_of(b"a@x")[0].hnps.clone();
    let (m, id) = s.location.remove(b"a@x".as_slice()).unwrap();
    let now = s.clock();
    let new_id = s.mags[1].attach(
        Attachment {
            mn_id: b"a@x".to_vec(),
            link_layer_id: Some(vec![2, 9, 9, 9, 9, 9]),
            access_technology: AccessTechnologyType::IEEE_802_11,
            handoff: HandoffIndicator::UNKNOWN,
            requested_hnps: vec![],
        },
        now,
    );
    s.location.insert(b"a@x".to_vec(), (1, new_id));
    s.run_until(1_500);
    assert_eq!(
        s.mags[1].session(new_id).unwrap().state,
        BulState::Registering
    );
    let now = s.clock();
    s.mags[m].detach(id, now);
    s.run_until(3_000);
    s.assert_consistent();
    assert_eq!(s.lma.bindings_of(b"a@x")[0].hnps, hnps);
}

#[test]
fn sim_handoff_hi_1_creates_second_session() {
    let mut s = Sim::new(4, 0.0, (5, 5));
    s.attach(b"a@x", 0, HandoffIndicator::ATTACH_NEW_INTERFACE);
    s.run_until(1_000);
    // A second interface attaches at MAG2 (another link-layer id).
    let now = s.clock();
    let id2 = s.mags[1].attach(
        Attachment {
            mn_id: b"a@x".to_vec(),
            link_layer_id: Some(vec![2, 7, 7, 7, 7, 7]),
            access_technology: AccessTechnologyType::IEEE_802_3,
            handoff: HandoffIndicator::ATTACH_NEW_INTERFACE,
            requested_hnps: vec![],
        },
        now,
    );
    s.run_until(2_000);
    assert_eq!(s.lma.bindings_of(b"a@x").len(), 2);
    assert_eq!(s.mags[1].session(id2).unwrap().state, BulState::Registered);
    s.assert_consistent_first_interface();
}

impl Sim {
    fn assert_consistent_first_interface(&self) {
        let (m, id) = self.location[&b"a@x".to_vec()];
        let e = self.mags[m].session(id).unwrap();
        assert_eq!(e.state, BulState::Registered);
        assert!(self
            .lma
            .bindings_of(b"a@x")
            .iter()
            .any(|b| b.proxy_coa == MAGS[m] && b.hnps == e.hnps));
    }
}

#[test]
fn sim_lost_pba_is_recovered_by_retransmission() {
    let mut s = Sim::new(5, 0.0, (5, 5));
    s.net.drop_next.push((LMAA, MAGS[0]));
    s.attach(b"a@x", 0, HandoffIndicator::ATTACH_NEW_INTERFACE);
    s.run_until(500);
    let (_, id) = s.location[&b"a@x".to_vec()];
    assert_eq!(s.mags[0].session(id).unwrap().state, BulState::Registering);
    assert_eq!(s.lma.len(), 1, "the LMA accepted the first PBU");
    s.run_until(2_000);
    s.assert_consistent();
    assert_eq!(s.net.dropped, 1);
    assert_eq!(
        s.lma
            .counters()
            .get(MessageKind::ProxyBindingUpdate, Direction::Rx, 0),
        2
    );
}

#[test]
fn sim_out_of_order_stale_refresh_gets_157_and_binding_stays() {
    // MAG1's refresh is slow (sent before the move); MAG2's PBU overtakes it.
    let mut s = Sim::new(6, 0.0, (5, 5));
    s.attach(b"a@x", 0, HandoffIndicator::ATTACH_NEW_INTERFACE);
    s.run_until(1_000);
    // Refresh due at 80 % of 40 s after the PBA (t ≈ 10 ms).
    s.net.latency_ms = (200, 200);
    s.run_until(32_015);
    s.net.latency_ms = (5, 5);
    s.detach(b"a@x");
    // The MN needs a moment to show up at the new MAG.
    s.run_until(32_040);
    s.attach(b"a@x", 1, HandoffIndicator::HANDOFF_BETWEEN_MAGS);
    s.run_until(40_000);
    s.assert_consistent();
    assert!(
        s.pbas_by_status
            .get(&status::TIMESTAMP_LOWER_THAN_PREV_ACCEPTED)
            .copied()
            .unwrap_or(0)
            >= 1
    );
}

/// Random moves with loss and reordering; the end state must be consistent.
fn random_walk(seed: u64, mns: usize, moves: usize, loss: f64) -> Sim {
    let mut s = Sim::new(seed, loss, (1, 80));
    for i in 0..mns {
        s.attach(&mn(i), i % 2, HandoffIndicator::ATTACH_NEW_INTERFACE);
    }
    s.run_until(2_000);
    let mut t = 2_000;
    for _ in 0..moves {
        let i = s.net.rng.gen_range(0..mns);
        let name = mn(i);
        let (from, _) = s.location[&name];
        s.detach(&name);
        // Re-attachment takes time: two PBUs never carry the same Timestamp.
        t += s.net.rng.gen_range(1..50);
        s.run_until(t);
        let hi = if s.net.rng.gen_bool(0.5) {
            HandoffIndicator::HANDOFF_BETWEEN_MAGS
        } else {
            HandoffIndicator::UNKNOWN
        };
        s.attach(&name, 1 - from, hi);
        t += s.net.rng.gen_range(10..400);
        s.run_until(t);
    }
    // Settle: enough for back-off retransmissions and the 10 s delete wait.
    s.run_until(t + 70_000);
    s
}

#[test]
fn sim_random_moves_with_loss_and_reordering_converge() {
    let s = random_walk(7, 50, 400, 0.05);
    assert!(s.net.dropped > 0);
    s.assert_consistent();
    assert_eq!(s.lma.len(), 50, "no stale sessions left after settling");
}

#[test]
fn sim_random_moves_without_loss_converge() {
    let s = random_walk(8, 20, 300, 0.0);
    s.assert_consistent();
    assert_eq!(s.lma.len(), 20);
}

fn many(n: usize) {
    let mut s = Sim::new(9, 0.0, (1, 30));
    for i in 0..n {
        s.attach(&mn(i), i % 2, HandoffIndicator::ATTACH_NEW_INTERFACE);
    }
    s.run_until(1_000);
    assert_eq!(s.lma.len(), n);
    // One refresh round for everyone, then every tenth MN hands off.
    s.run_until(33_000);
    let movers: Vec<(Vec<u8>, usize)> = (0..n)
        .step_by(10)
        .map(|i| (mn(i), s.location[&mn(i)].0))
        .collect();
    for (name, _) in &movers {
        s.detach(name);
    }
    s.run_until(33_020);
    for (name, from) in &movers {
        s.attach(name, 1 - from, HandoffIndicator::HANDOFF_BETWEEN_MAGS);
    }
    s.run_until(50_000);
    s.assert_consistent();
    assert_eq!(s.lma.len(), n);
}

#[test]
fn sim_10k_mobile_nodes() {
    many(10_000);
}

#[test]
#[ignore = "100k MNs: about 20 s of CPU in debug; run with --ignored (10k runs always)"]
fn sim_100k_mobile_nodes() {
    many(100_000);
}
