//! Sans-IO mobile access gateway (RFC 5213 §6).
//!
//! The shell reports MN attach/detach and router solicitations; the engine
//! keeps the Binding Update List, sends PBUs (with retransmission and
//! exponential back-off, §6.9.4), refreshes before expiry (§6.9.1.3),
//! de-registers on detach (§6.9.1.4), handles PBAs (§6.9.1.2), and asks for
//! forwarding state and Router Advertisements (home-link emulation, §6.9.2,
//! §6.8) through [`Action`]s. It reads no clock and does no I/O.

use std::collections::VecDeque;
use std::net::Ipv6Addr;
use std::time::Duration;

use hashbrown::HashMap;
use ipnet::Ipv6Net;

use crate::action::{
    Action, BindingSpec, Event, RemoveReason, RouterAdvertisement, SessionId, TunnelKind,
};
use crate::counters::{Direction, DropReason, SignalingCounters};
use crate::lma::{lifetime_from_units, lifetime_to_units};
use crate::pbu::PmipOptions;
use crate::timers::{defaults, DeadlineQueue, Now, Time};
use crate::wire::{
    status, AccessTechnologyType, BindingAck, BindingUpdate, BindingUpdateFlags, HandoffIndicator,
    MhRepr, MobilityOption,
};

/// RFC 6543 fixed MAG link-local address: fe80::200:5eff:fe00:5213
/// (FixedMAGLinkLocalAddressOnAllAccessLinks, RFC 5213 §6.8, §9.3).
pub const FIXED_MAG_LINK_LOCAL: Ipv6Addr =
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0x0200, 0x5eff, 0xfe00, 0x5213);

/// Longest router lifetime an RA can carry (RFC 4861 §6.2.1: 9000 s).
const MAX_ROUTER_LIFETIME: Duration = Duration::from_secs(9000);

/// MAG configuration (RFC 5213 §9.2, §9.3).
#[derive(Clone, Debug)]
pub struct MagConfig {
    /// Egress address towards the LMA: the Proxy-CoA.
    pub address: Ipv6Addr,
    /// The LMA address (LMAA).
    pub lma: Ipv6Addr,
    /// Lifetime requested in every PBU.
    pub lifetime: Duration,
    /// TimestampBasedApproachInUse (default 1).
    pub timestamp_based: bool,
    /// FixedMAGLinkLocalAddressOnAllAccessLinks; `::` asks the LMA (§6.9.1.1).
    pub link_local: Ipv6Addr,
    /// INITIAL_BINDACK_TIMEOUT (§6.9.4).
    pub initial_bindack_timeout: Duration,
    /// MAX_BINDACK_TIMEOUT (§6.9.4).
    pub max_bindack_timeout: Duration,
    /// Refresh when this share (percent) of the granted lifetime has passed.
    pub refresh_percent: u8,
    /// Ask for GRE encapsulation with a downlink key (RFC 5845 §5.1).
    pub gre: bool,
    /// MTU advertised in RAs (the tunnel MTU, §6.9.5).
    pub mtu: Option<u32>,
}

impl MagConfig {
    /// RFC defaults for a MAG at `address` served by the LMA at `lma`.
    pub fn new(address: Ipv6Addr, lma: Ipv6Addr) -> MagConfig {
        MagConfig {
            address,
            lma,
            lifetime: Duration::from_secs(3600),
            timestamp_based: true,
            link_local: FIXED_MAG_LINK_LOCAL,
            initial_bindack_timeout: defaults::INITIAL_BINDACK_TIMEOUT,
            max_bindack_timeout: defaults::MAX_BINDACK_TIMEOUT,
            refresh_percent: 80,
            gre: false,
            mtu: Some(1460),
        }
    }
}

/// What the access side learnt about an attaching MN (§6.9.1.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// MN identifier (e.g. an NAI), from the policy store / access authentication.
    pub mn_id: Vec<u8>,
    /// The MN's link-layer identifier if known (e.g. its MAC).
    pub link_layer_id: Option<Vec<u8>>,
    /// Access technology of the link.
    pub access_technology: AccessTechnologyType,
    /// Handoff hint: 1 new interface, 2 or 3 only when definitively known, 4 unknown.
    pub handoff: HandoffIndicator,
    /// Prefixes to ask for; empty → one ALL_ZERO HNP (LMA assigns).
    pub requested_hnps: Vec<Ipv6Net>,
}

/// State of a Binding Update List entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulState {
    /// Initial PBU sent, no PBA yet.
    Registering,
    /// Binding accepted and live (a refresh may be outstanding).
    Registered,
    /// De-registration sent (§6.9.1.4).
    Deregistering,
    /// Rejected, gave up, or expired: no service until [`Mag::reregister`].
    Failed,
    /// PBA 152 or mismatching echo: no PBU until administrative action (§6.9.1.2 steps 6–7).
    Blocked,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExchangeKind {
    Initial,
    Refresh,
    Deregistration,
}

/// One outstanding PBU/PBA exchange.
#[derive(Clone, Debug)]
struct Exchange {
    kind: ExchangeKind,
    hi: HandoffIndicator,
    /// Every Sequence # sent in this exchange (retransmissions use new ones).
    sequences: Vec<u16>,
    timeout: Duration,
    deadline: Time,
}

/// One Binding Update List entry (RFC 5213 §6.1).
#[derive(Clone, Debug)]
pub struct BindingUpdateListEntry {
    /// Session handle.
    pub id: SessionId,
    /// What was learnt at attachment.
    pub attachment: Attachment,
    /// State.
    pub state: BulState,
    /// Assigned home network prefixes.
    pub hnps: Vec<Ipv6Net>,
    /// Granted lifetime.
    pub lifetime: Duration,
    /// When the binding expires, if registered.
    pub expires: Option<Time>,
    /// When the next refresh is sent, if registered.
    pub refresh_at: Option<Time>,
    /// Tunnel to the LMA.
    pub tunnel: TunnelKind,
    /// Link-local address for the MN's link (config or LMA-provided).
    pub link_local: Ipv6Addr,
    /// Whether forwarding state is installed.
    pub installed: bool,
    /// Whether the HNPs are being advertised.
    pub advertised: bool,
    downlink_key: Option<u32>,
    exchange: Option<Exchange>,
    timer_at: Option<Time>,
}

/// The mobile access gateway engine.
#[derive(Debug)]
pub struct Mag {
    config: MagConfig,
    entries: HashMap<SessionId, BindingUpdateListEntry>,
    by_sequence: HashMap<u16, SessionId>,
    timers: DeadlineQueue<SessionId>,
    actions: VecDeque<Action>,
    counters: SignalingCounters,
    next_id: u64,
    next_sequence: u16,
    next_gre_key: u32,
    /// RFC 5845 §5.2 (GRE-6): a success without a GRE Key option means the
    /// LMA does not support GRE; stop asking.
    lma_supports_gre: bool,
}

impl Mag {
    /// A new MAG with an empty Binding Update List.
    pub fn new(config: MagConfig) -> Mag {
        Mag {
            config,
            entries: HashMap::new(),
            by_sequence: HashMap::new(),
            timers: DeadlineQueue::new(),
            actions: VecDeque::new(),
            counters: SignalingCounters::default(),
            next_id: 0,
            next_sequence: 0,
            next_gre_key: 1,
            lma_supports_gre: true,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &MagConfig {
        &self.config
    }

    /// Signaling counters.
    pub fn counters(&self) -> &SignalingCounters {
        &self.counters
    }

    /// One Binding Update List entry.
    pub fn session(&self, id: SessionId) -> Option<&BindingUpdateListEntry> {
        self.entries.get(&id)
    }

    /// Iterate over the Binding Update List.
    pub fn sessions(&self) -> impl Iterator<Item = &BindingUpdateListEntry> {
        self.entries.values()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The next queued action.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// All queued actions.
    pub fn drain_actions(&mut self) -> std::collections::vec_deque::Drain<'_, Action> {
        self.actions.drain(..)
    }

    /// When [`Mag::handle_timeout`] should next be called (may be early).
    pub fn poll_timeout(&self) -> Option<Time> {
        self.timers.peek()
    }

    /// An MN attached (§6.9.1.1): create the BUL entry and send the initial PBU.
    pub fn attach(&mut self, attachment: Attachment, now: Now) -> SessionId {
        self.next_id += 1;
        let id = SessionId(self.next_id);
        let downlink_key = if self.config.gre {
            let k = self.next_gre_key;
            self.next_gre_key = self.next_gre_key.wrapping_add(1).max(1);
            Some(k)
        } else {
            None
        };
        let hi = attachment.handoff;
        self.entries.insert(
            id,
            BindingUpdateListEntry {
                id,
                attachment,
                state: BulState::Registering,
                hnps: Vec::new(),
                lifetime: Duration::ZERO,
                expires: None,
                refresh_at: None,
                tunnel: TunnelKind::Ip6Ip6,
                link_local: self.config.link_local,
                installed: false,
                advertised: false,
                downlink_key,
                exchange: None,
                timer_at: None,
            },
        );
        self.start_exchange(id, ExchangeKind::Initial, hi, now);
        id
    }

    /// The MN left (§6.9.1.4): de-register (HI 4, lifetime 0). The entry and
    /// forwarding state go after the PBA or INITIAL_BINDACK_TIMEOUT.
    pub fn detach(&mut self, id: SessionId, now: Now) {
        let Some(e) = self.entries.get(&id) else {
            return;
        };
        if e.state == BulState::Deregistering {
            return;
        }
        if e.hnps.is_empty() {
            // Nothing was ever bound: just forget it.
            self.remove_entry(id, RemoveReason::Detached);
            return;
        }
        self.withdraw(id, RemoveReason::Detached, false);
        if let Some(e) = self.entries.get_mut(&id) {
            e.state = BulState::Deregistering;
        }
        self.start_exchange(
            id,
            ExchangeKind::Deregistration,
            HandoffIndicator::UNKNOWN,
            now,
        );
    }

    /// The MN sent a Router Solicitation (§6.9.2): answer only with a
    /// registered binding (MAG-22).
    pub fn router_solicitation(&mut self, id: SessionId) {
        if let Some(e) = self.entries.get(&id) {
            if e.state == BulState::Registered && e.installed {
                let ra = self.ra_for(e, false);
                self.actions.push_back(Action::RouterAdvertisement(ra));
            }
        }
    }

    /// Administrative action / clock re-synchronised: register again a
    /// failed or blocked entry (§6.9.1.2 steps 6, 7, 9).
    pub fn reregister(&mut self, id: SessionId, now: Now) {
        let hi = match self.entries.get_mut(&id) {
            Some(e) if matches!(e.state, BulState::Failed | BulState::Blocked) => {
                e.state = BulState::Registering;
                e.attachment.handoff
            }
            _ => return,
        };
        self.start_exchange(id, ExchangeKind::Initial, hi, now);
    }

    /// The LMA restarted (e.g. a changed Heartbeat Restart Counter, RFC 5847
    /// §5.3): refresh every live binding now so the LMA rebuilds its cache.
    pub fn lma_restarted(&mut self, now: Now) {
        let ids: Vec<SessionId> = self
            .entries
            .values()
            .filter(|e| e.state == BulState::Registered)
            .map(|e| e.id)
            .collect();
        for id in ids {
            self.start_exchange(
                id,
                ExchangeKind::Refresh,
                HandoffIndicator::NOT_CHANGED,
                now,
            );
        }
    }

    /// Handle a Mobility Header message from `src` (already parsed and checked
    /// by the codec, §6.9.1.2 step 2). IPsec is the shell's job.
    pub fn handle_message(&mut self, src: Ipv6Addr, dst: Ipv6Addr, msg: &MhRepr, now: Now) {
        let _ = dst;
        self.counters.count(Direction::Rx, msg);
        match msg {
            MhRepr::BindingAck(ba) if ba.flags.proxy && src == self.config.lma => {
                self.handle_pba(ba, now)
            }
            _ => self.counters.count_drop(DropReason::NotForThisRole),
        }
    }

    /// Run due timers: retransmissions, refreshes, expiry.
    pub fn handle_timeout(&mut self, now: Now) {
        while let Some((at, id)) = self.timers.pop_due(now.mono) {
            let live = self
                .entries
                .get(&id)
                .is_some_and(|e| e.timer_at == Some(at));
            if !live {
                continue;
            }
            if let Some(e) = self.entries.get_mut(&id) {
                e.timer_at = None;
            }
            self.run_timers(id, now);
            self.rearm(id);
        }
    }

    fn run_timers(&mut self, id: SessionId, now: Now) {
        let Some(e) = self.entries.get(&id) else {
            return;
        };
        let t = now.mono;
        // Binding expiry without a successful refresh.
        if e.expires.is_some_and(|x| x <= t) {
            self.withdraw(id, RemoveReason::Expired, true);
            if let Some(e) = self.entries.get_mut(&id) {
                e.expires = None;
                e.refresh_at = None;
                e.hnps.clear();
                e.state = if e.exchange.is_some() {
                    BulState::Registering
                } else {
                    BulState::Failed
                };
            }
        }
        let Some(e) = self.entries.get(&id) else {
            return;
        };
        if let Some(x) = e.exchange.as_ref().filter(|x| x.deadline <= t) {
            let kind = x.kind;
            let hi = x.hi;
            let timeout = x.timeout;
            if kind == ExchangeKind::Deregistration {
                // §6.9.1.4: no PBA within INITIAL_BINDACK_TIMEOUT → remove anyway.
                self.remove_entry(id, RemoveReason::Detached);
                return;
            }
            if timeout >= self.config.max_bindack_timeout {
                // §6.9.4: back-off reached MAX_BINDACK_TIMEOUT: give up.
                self.end_exchange(id);
                self.actions
                    .push_back(Action::Event(Event::RegistrationGaveUp { session: id }));
                if let Some(e) = self.entries.get_mut(&id) {
                    if e.state == BulState::Registering {
                        e.state = BulState::Failed;
                    }
                    // A failed refresh is not retried: the binding runs
                    // until its expiry, then the entry fails.
                    e.refresh_at = None;
                }
                self.rearm(id);
            } else {
                // Retransmit with a fresh TS and a new Sequence # (MAG-23).
                let next = (timeout * 2).min(self.config.max_bindack_timeout);
                self.transmit(id, kind, hi, next, now);
            }
        }
        let Some(e) = self.entries.get(&id) else {
            return;
        };
        if e.state == BulState::Registered
            && e.exchange.is_none()
            && e.refresh_at.is_some_and(|r| r <= t)
        {
            self.start_exchange(
                id,
                ExchangeKind::Refresh,
                HandoffIndicator::NOT_CHANGED,
                now,
            );
        }
    }

    /// Recompute the entry's earliest deadline and queue it.
    fn rearm(&mut self, id: SessionId) {
        let Some(e) = self.entries.get_mut(&id) else {
            return;
        };
        let mut next: Option<Time> = None;
        let mut consider = |t: Option<Time>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        consider(e.exchange.as_ref().map(|x| x.deadline));
        consider(e.expires);
        if e.exchange.is_none() {
            consider(e.refresh_at);
        }
        if next != e.timer_at {
            e.timer_at = next;
            if let Some(t) = next {
                self.timers.push(t, id);
            }
        }
    }

    fn start_exchange(
        &mut self,
        id: SessionId,
        kind: ExchangeKind,
        hi: HandoffIndicator,
        now: Now,
    ) {
        self.end_exchange(id);
        let initial = self.config.initial_bindack_timeout;
        self.transmit(id, kind, hi, initial, now);
    }

    fn end_exchange(&mut self, id: SessionId) {
        if let Some(x) = self.entries.get_mut(&id).and_then(|e| e.exchange.take()) {
            for s in x.sequences {
                self.by_sequence.remove(&s);
            }
        }
        self.rearm(id);
    }

    /// Send (or re-send) the PBU of the current exchange (§6.9.1.5).
    fn transmit(
        &mut self,
        id: SessionId,
        kind: ExchangeKind,
        hi: HandoffIndicator,
        timeout: Duration,
        now: Now,
    ) {
        self.next_sequence = self.next_sequence.wrapping_add(1);
        let sequence = self.next_sequence;
        let gre_allowed = self.lma_supports_gre;
        let Some(e) = self.entries.get_mut(&id) else {
            return;
        };
        let lifetime = match kind {
            ExchangeKind::Deregistration => 0,
            _ => lifetime_to_units(self.config.lifetime),
        };
        let mut options = Vec::with_capacity(8);
        options.push(MobilityOption::MnIdentifier {
            subtype: 1,
            identifier: e.attachment.mn_id.clone(),
        });
        // MAG-3 / MAG-20 / MAG-21: assigned prefixes once known, else the
        // requested ones, else exactly one ALL_ZERO.
        let prefixes: &[Ipv6Net] = if !e.hnps.is_empty() {
            &e.hnps
        } else {
            &e.attachment.requested_hnps
        };
        if prefixes.is_empty() {
            options.push(MobilityOption::HomeNetworkPrefix {
                prefix_len: 0,
                prefix: Ipv6Addr::UNSPECIFIED,
            });
        }
        for p in prefixes {
            options.push(MobilityOption::HomeNetworkPrefix {
                prefix_len: p.prefix_len(),
                prefix: p.network(),
            });
        }
        options.push(MobilityOption::HandoffIndicator(hi));
        options.push(MobilityOption::AccessTechnologyType(
            e.attachment.access_technology,
        ));
        if let Some(ll) = e
            .attachment
            .link_layer_id
            .as_ref()
            .filter(|l| l.iter().any(|&b| b != 0))
        {
            options.push(MobilityOption::MnLinkLayerIdentifier(ll.clone()));
        }
        if self.config.link_local.is_unspecified() {
            // MAG-8: ask the LMA for (or re-confirm) the link-local address.
            options.push(MobilityOption::LinkLocalAddress(
                if e.link_local.is_unspecified() {
                    Ipv6Addr::UNSPECIFIED
                } else {
                    e.link_local
                },
            ));
        }
        if self.config.timestamp_based {
            options.push(MobilityOption::Timestamp(now.wall));
        }
        if kind != ExchangeKind::Deregistration && gre_allowed && e.downlink_key.is_some() {
            options.push(MobilityOption::GreKey(e.downlink_key));
        }
        let deadline = now.mono.saturating_add(match kind {
            ExchangeKind::Deregistration => self.config.initial_bindack_timeout,
            _ => timeout,
        });
        let x = e.exchange.get_or_insert_with(|| Exchange {
            kind,
            hi,
            sequences: Vec::new(),
            timeout,
            deadline,
        });
        x.sequences.push(sequence);
        x.timeout = timeout;
        x.deadline = deadline;
        self.by_sequence.insert(sequence, id);
        let msg = MhRepr::BindingUpdate(BindingUpdate {
            sequence,
            flags: BindingUpdateFlags {
                ack: true,
                proxy: true,
                ..BindingUpdateFlags::default()
            },
            lifetime,
            options,
        });
        let (src, dst) = (self.config.address, self.config.lma);
        self.counters.count(Direction::Tx, &msg);
        self.actions.push_back(Action::Send {
            dst,
            src,
            message: msg,
        });
        self.rearm(id);
    }

    fn handle_pba(&mut self, ba: &BindingAck, now: Now) {
        // §6.9.1.2 step 5: match by Sequence #.
        let Some(&id) = self.by_sequence.get(&ba.sequence) else {
            self.counters.count_drop(DropReason::UnmatchedAck);
            self.actions.push_back(Action::Event(Event::PbaIgnored {
                sequence: ba.sequence,
            }));
            return;
        };
        let Some(e) = self.entries.get(&id) else {
            self.by_sequence.remove(&ba.sequence);
            return;
        };
        let Some(x) = e.exchange.as_ref() else {
            return;
        };
        let (kind, hi) = (x.kind, x.hi);
        let opts = PmipOptions::gather(&ba.options);
        // Step 6: the LMA must echo MN-ID, HI, ATT and MN-LL-ID unchanged.
        let sent_ll = e
            .attachment
            .link_layer_id
            .as_deref()
            .filter(|l| l.iter().any(|&b| b != 0));
        let echo_ok = opts.mn_id.map(|(_, id)| id) == Some(e.attachment.mn_id.as_slice())
            && opts.handoff_indicator == Some(hi)
            && opts.access_technology == Some(e.attachment.access_technology)
            && opts.link_layer_id == sent_ll;
        if !echo_ok {
            self.counters.count_drop(DropReason::MismatchedAck);
            self.end_exchange(id);
            self.withdraw(id, RemoveReason::Failed, true);
            if let Some(e) = self.entries.get_mut(&id) {
                e.state = BulState::Blocked;
            }
            self.actions
                .push_back(Action::Event(Event::AdministrativelyBlocked {
                    session: id,
                }));
            return;
        }
        self.end_exchange(id);

        if kind == ExchangeKind::Deregistration {
            // §6.9.1.4: PBA (any status) ends the session.
            self.remove_entry(id, RemoveReason::Detached);
            return;
        }
        if ba.status < status::REASON_UNSPECIFIED {
            self.accepted(id, ba, &opts, now);
            return;
        }
        self.actions
            .push_back(Action::Event(Event::RegistrationRejected {
                session: id,
                status: ba.status,
            }));
        match ba.status {
            status::PROXY_REG_NOT_ENABLED => {
                // Step 7: deny service, no more PBUs for this MN.
                self.withdraw(id, RemoveReason::Failed, true);
                self.set_state(id, BulState::Blocked);
            }
            status::TIMESTAMP_LOWER_THAN_PREV_ACCEPTED => {
                // Step 8: register again at once, no clock change needed.
                self.start_exchange(id, kind, hi, now);
            }
            status::NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX => {
                // Step 10: never re-request those prefixes; ask for ALL_ZERO.
                let had_specific = self
                    .entries
                    .get(&id)
                    .is_some_and(|e| !e.hnps.is_empty() || !e.attachment.requested_hnps.is_empty());
                self.withdraw(id, RemoveReason::Failed, true);
                if had_specific {
                    if let Some(e) = self.entries.get_mut(&id) {
                        e.hnps.clear();
                        e.attachment.requested_hnps.clear();
                        e.expires = None;
                        e.refresh_at = None;
                        e.state = BulState::Registering;
                    }
                    self.start_exchange(id, ExchangeKind::Initial, hi, now);
                } else {
                    self.set_state(id, BulState::Failed);
                }
            }
            status::SEQUENCE_NUMBER_OUT_OF_WINDOW if !self.config.timestamp_based => {
                // RFC 6275 §11.7.1: continue above the LMA's last accepted number.
                self.next_sequence = ba.sequence;
                self.start_exchange(id, kind, hi, now);
            }
            _ => {
                // Step 11 (156 included: re-register only after a clock
                // resync, which the shell signals with `reregister`).
                self.withdraw(id, RemoveReason::Failed, true);
                if let Some(e) = self.entries.get_mut(&id) {
                    e.state = BulState::Failed;
                    e.expires = None;
                    e.refresh_at = None;
                }
                self.rearm(id);
            }
        }
    }

    /// Steps 12–15: tunnel, routes, BUL update, RA.
    fn accepted(&mut self, id: SessionId, ba: &BindingAck, opts: &PmipOptions<'_>, now: Now) {
        let asked_gre = self
            .entries
            .get(&id)
            .is_some_and(|e| e.downlink_key.is_some())
            && self.lma_supports_gre;
        if asked_gre && opts.gre_key.is_none() {
            self.lma_supports_gre = false;
        }
        let percent = u32::from(self.config.refresh_percent.clamp(1, 100));
        let local = self.config.address;
        let remote = self.config.lma;
        let Some(e) = self.entries.get_mut(&id) else {
            return;
        };
        let hnps: Vec<Ipv6Net> = opts
            .hnps
            .iter()
            .filter(|h| !h.is_all_zero())
            .filter_map(|h| Ipv6Net::new(h.prefix, h.prefix_len).ok().map(|n| n.trunc()))
            .collect();
        let lifetime = lifetime_from_units(ba.lifetime);
        let tunnel = match opts.gre_key {
            Some(uplink_key) if asked_gre => TunnelKind::Gre {
                downlink_key: e.downlink_key,
                uplink_key,
            },
            _ => TunnelKind::Ip6Ip6,
        };
        if let Some(lla) = opts.link_local.filter(|a| !a.is_unspecified()) {
            if lla != e.link_local {
                e.link_local = lla;
                self.actions
                    .push_back(Action::Event(Event::LinkLocalAddress {
                        session: id,
                        address: lla,
                    }));
            }
        }
        let changed = e.hnps != hnps || e.tunnel != tunnel;
        let was_installed = e.installed;
        e.hnps = hnps;
        e.tunnel = tunnel;
        e.lifetime = lifetime;
        e.state = BulState::Registered;
        e.expires = Some(now.mono.saturating_add(lifetime));
        e.refresh_at = Some(now.mono.saturating_add(lifetime * percent / 100));
        e.installed = true;
        e.advertised = true;
        let spec = BindingSpec {
            session: id,
            hnps: e.hnps.iter().copied().collect(),
            local,
            remote,
            tunnel,
            lifetime,
        };
        let ra = self.entries.get(&id).map(|e| self.ra_for(e, false));
        if !was_installed {
            self.actions.push_back(Action::InstallBinding(spec));
        } else if changed {
            self.actions.push_back(Action::UpdateBinding(spec));
        }
        self.actions.push_back(Action::Event(Event::Registered {
            session: id,
            lifetime,
        }));
        if let Some(ra) = ra {
            self.actions.push_back(Action::RouterAdvertisement(ra));
        }
        self.rearm(id);
    }

    fn set_state(&mut self, id: SessionId, state: BulState) {
        if let Some(e) = self.entries.get_mut(&id) {
            e.state = state;
            e.expires = None;
            e.refresh_at = None;
        }
        self.rearm(id);
    }

    /// Stop forwarding and advertising (step 11); `ra` also withdraws the
    /// prefixes from the MN with a zero-lifetime RA.
    fn withdraw(&mut self, id: SessionId, reason: RemoveReason, ra: bool) {
        let Some(e) = self.entries.get_mut(&id) else {
            return;
        };
        let was_advertised = e.advertised;
        e.advertised = false;
        if e.installed {
            e.installed = false;
            let hnps = e.hnps.clone();
            self.actions.push_back(Action::RemoveBinding {
                session: id,
                hnps,
                reason,
            });
        }
        if ra && was_advertised {
            if let Some(e) = self.entries.get(&id) {
                let ra = self.ra_for(e, true);
                self.actions.push_back(Action::RouterAdvertisement(ra));
            }
        }
    }

    fn remove_entry(&mut self, id: SessionId, reason: RemoveReason) {
        self.end_exchange(id);
        self.withdraw(id, reason, false);
        self.entries.remove(&id);
    }

    fn ra_for(&self, e: &BindingUpdateListEntry, withdraw: bool) -> RouterAdvertisement {
        let lifetime = if withdraw { Duration::ZERO } else { e.lifetime };
        RouterAdvertisement {
            session: e.id,
            mn_link_layer_id: e.attachment.link_layer_id.clone(),
            source: if e.link_local.is_unspecified() {
                FIXED_MAG_LINK_LOCAL
            } else {
                e.link_local
            },
            router_lifetime: lifetime.min(MAX_ROUTER_LIFETIME),
            prefixes: e.hnps.clone(),
            valid_lifetime: lifetime,
            preferred_lifetime: lifetime,
            mtu: self.config.mtu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_link_local_is_rfc6543_value() {
        assert_eq!(
            FIXED_MAG_LINK_LOCAL,
            "fe80::200:5eff:fe00:5213".parse::<Ipv6Addr>().unwrap()
        );
    }

    #[test]
    fn stale_timer_entries_are_skipped() {
        let mut mag = Mag::new(MagConfig::new(
            "2001:db8:ffff::1".parse().unwrap(),
            "2001:db8:aaaa::1".parse().unwrap(),
        ));
        let id = mag.attach(
            Attachment {
                mn_id: b"mn@x".to_vec(),
                link_layer_id: None,
                access_technology: AccessTechnologyType::IEEE_802_11,
                handoff: HandoffIndicator::ATTACH_NEW_INTERFACE,
                requested_hnps: vec![],
            },
            Now::new(0, 0),
        );
        mag.drain_actions().for_each(drop);
        // Detach before any PBA: nothing bound, the entry just goes.
        mag.detach(id, Now::new(10, 10));
        assert!(mag.is_empty());
        // The queued retransmission deadline is now stale and does nothing.
        mag.handle_timeout(Now::new(5_000, 5_000));
        assert!(mag.drain_actions().next().is_none());
    }
}
