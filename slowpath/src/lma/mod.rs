//! Sans-IO local mobility anchor (RFC 5213 §5).
//!
//! [`Lma::handle_message`] runs the §5.3.1 steps in their mandated order,
//! decides new session / re-registration / handoff / de-registration with the
//! §5.4.1 lookup rules, and queues [`Action`]s: forwarding-state changes first,
//! then the PBA (§5.3.6). Timers (lifetime expiry, MinDelayBeforeBCEDelete,
//! MaxDelayBeforeNewBCEAssign) are driven by [`Lma::poll_timeout`] and
//! [`Lma::handle_timeout`]. The engine reads no clock and does no I/O.
//!
//! State lives in the `bindings` crate: the Binding Cache
//! ([`bindings::BindingCache`]: entries, their lookups by prefix and MN-ID,
//! per-MN ordering state, expiry) and the home network prefix pool
//! ([`bindings::PrefixPool`]).

mod entry;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::net::Ipv6Addr;
use std::time::Duration;

use bindings::{
    BceId, BceState, BindingCache, FastBuildHasher, LinkLayerId, Millis, MnIdentifier, PeerId,
    Prefix, PrefixPool, Prefixes,
};
use ipnet::Ipv6Net;
use smallvec::SmallVec;

use entry::{bce_of, encapsulation_of, net_of, prefix_of, session_of, tunnel_of};
pub use entry::{BindingCacheEntry, BindingState};

use crate::action::{Action, BindingSpec, Event, RemoveReason, SessionId, TunnelKind};
use crate::counters::{Direction, DropReason, MessageKind, SignalingCounters};
use crate::pbu::{HnpValue, PmipOptions};
use crate::policy::{LmaPolicy, MnAuthorization, MnDecision, TunnelPolicy};
use crate::timers::{defaults, timestamp_distance, Now, Time};
use crate::wire::{
    self, status, AccessTechnologyType, BindingAck, BindingAckFlags, BindingUpdate,
    BindingUpdateFlags, BindingUpdateView, ChecksumMode, HandoffIndicator, MhRepr, MhType,
    MhWriter, MobilityHeader, MobilityOption, Timestamp,
};

/// LMA configuration (RFC 5213 §9.1, §9.3).
#[derive(Clone, Debug)]
pub struct LmaConfig {
    /// The LMA address (LMAA), local end of every tunnel.
    pub address: Ipv6Addr,
    /// Pool the home network prefixes are allocated from.
    pub hnp_pool: Ipv6Net,
    /// Length of each allocated home network prefix (64 normally).
    pub hnp_prefix_len: u8,
    /// MinDelayBeforeBCEDelete.
    pub min_delay_before_bce_delete: Duration,
    /// MaxDelayBeforeNewBCEAssign.
    pub max_delay_before_new_bce_assign: Duration,
    /// Wait for the old MAG's de-registration on HI = 4 (§5.4.1.2 step 4,
    /// §5.4.1.3 step 3: SHOULD wait, MAY create at once, configurable).
    pub wait_for_deregistration: bool,
    /// TimestampValidityWindow.
    pub timestamp_validity_window: Duration,
    /// MobileNodeGeneratedTimestampInUse: skip the window check (§5.5 step 6).
    pub mobile_node_generated_timestamp: bool,
    /// Accept the Tunnel TLV header (T flag, RFC 5845 §6.2); false → status 3.
    pub tlv_header_supported: bool,
    /// Bindings to reserve index space and entry memory for up front (no
    /// rehashing pauses while the cache grows, no page faults on the first
    /// that many registrations); 0 = grow on demand.
    pub expected_bindings: usize,
}

impl LmaConfig {
    /// RFC defaults for an LMA at `address` allocating /64s from `hnp_pool`.
    pub fn new(address: Ipv6Addr, hnp_pool: Ipv6Net) -> LmaConfig {
        LmaConfig {
            address,
            hnp_pool,
            hnp_prefix_len: 64,
            min_delay_before_bce_delete: defaults::MIN_DELAY_BEFORE_BCE_DELETE,
            max_delay_before_new_bce_assign: defaults::MAX_DELAY_BEFORE_NEW_BCE_ASSIGN,
            wait_for_deregistration: true,
            timestamp_validity_window: defaults::TIMESTAMP_VALIDITY_WINDOW,
            mobile_node_generated_timestamp: false,
            tlv_header_supported: false,
            expected_bindings: 0,
        }
    }
}

/// Binding lifetime from the 4-second units of the BU/BA (RFC 6275 §6.1.7).
pub fn lifetime_from_units(units: u16) -> Duration {
    Duration::from_secs(u64::from(units) * 4)
}

/// 4-second units for a lifetime, rounded down but never to zero for a
/// non-zero lifetime (zero means de-registration), saturating at u16::MAX.
pub fn lifetime_to_units(d: Duration) -> u16 {
    if d.is_zero() {
        return 0;
    }
    u16::try_from(d.as_secs() / 4).unwrap_or(u16::MAX).max(1)
}

/// The result of the §5.4.1 existence test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lookup {
    New,
    Existing(SessionId),
    /// HI = 4 and one candidate BCE: wait up to MaxDelayBeforeNewBCEAssign.
    Wait(SessionId),
    Reject(u8),
    Ignore,
}

/// §5.5 ordering state of an MN: the Timestamp and Sequence # of its last
/// accepted PBU (`None`: the MN has no entry).
type MnState = Option<(Option<u64>, Option<u16>)>;

/// The form a PBA is queued in: the form its PBU came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reply {
    /// [`Action::Send`] with an [`MhRepr`] ([`Lma::handle_message`]).
    Repr,
    /// [`Action::SendBytes`] ([`Lma::handle_mh`]).
    Wire,
}

/// The fixed fields of a PBU.
#[derive(Clone, Copy, Debug)]
struct PbuHeader {
    sequence: u16,
    flags: BindingUpdateFlags,
    lifetime: u16,
}

/// A PBU that passed steps 1–12. Borrows from the message; owned (`'static`)
/// only when it must wait for MaxDelayBeforeNewBCEAssign.
#[derive(Clone, Debug)]
struct Request<'a> {
    reply: Reply,
    /// The MN's §5.5 state when the request was checked.
    mn_state: MnState,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    sequence: u16,
    lifetime: u16,
    tlv_header: bool,
    mn_id_subtype: u8,
    mn_id: Cow<'a, [u8]>,
    hnps: Cow<'a, [HnpValue]>,
    hi: HandoffIndicator,
    att: AccessTechnologyType,
    link_layer_id: Option<Cow<'a, [u8]>>,
    link_local: Option<Ipv6Addr>,
    timestamp: Option<Timestamp>,
    gre_key: Option<Option<u32>>,
    proxy_coa: Ipv6Addr,
}

impl Request<'_> {
    fn link_layer_non_zero(&self) -> Option<&[u8]> {
        self.link_layer_id
            .as_deref()
            .filter(|id| id.iter().any(|&b| b != 0))
    }

    fn into_owned(self) -> Request<'static> {
        Request {
            mn_id: Cow::Owned(self.mn_id.into_owned()),
            hnps: Cow::Owned(self.hnps.into_owned()),
            link_layer_id: self.link_layer_id.map(|l| Cow::Owned(l.into_owned())),
            reply: self.reply,
            mn_state: self.mn_state,
            src: self.src,
            dst: self.dst,
            sequence: self.sequence,
            lifetime: self.lifetime,
            tlv_header: self.tlv_header,
            mn_id_subtype: self.mn_id_subtype,
            hi: self.hi,
            att: self.att,
            link_local: self.link_local,
            timestamp: self.timestamp,
            gre_key: self.gre_key,
            proxy_coa: self.proxy_coa,
        }
    }
}

/// An entry's link-layer identifier (`None` = ALL_ZERO).
fn ll_of(e: &bindings::BindingCacheEntry) -> Option<&[u8]> {
    e.mn_link_layer_id.as_ref().map(|l| &*l.0)
}

/// A HNP option value as a prefix (host bits cleared); `None` if malformed.
fn hnp_prefix(h: &HnpValue) -> Option<Prefix> {
    Prefix::new(h.prefix.octets(), h.prefix_len).ok()
}

/// A PBU parked under §5.4.1.2 step 4 / §5.4.1.3 step 3.
#[derive(Clone, Debug)]
struct Pending {
    request: Request<'static>,
    deadline: Time,
}

/// Which HNPs a PBA carries (§5.3.6).
enum PbaPrefixes<'a> {
    /// Rejection: echo the request's, or one ALL_ZERO.
    Echo(&'a [HnpValue]),
    /// Acceptance: one per assigned prefix.
    Assigned(&'a [Prefix]),
}

/// A PBA (§5.3.6), before it takes the form its PBU came in.
struct Pba<'a> {
    status: u8,
    lifetime: u16,
    mn_id_subtype: u8,
    mn_id: &'a [u8],
    prefixes: PbaPrefixes<'a>,
    hi: Option<HandoffIndicator>,
    att: Option<AccessTechnologyType>,
    link_layer_id: Option<&'a [u8]>,
    link_local: Option<Ipv6Addr>,
    timestamp: Option<Timestamp>,
    gre_key: Option<Option<u32>>,
    sequence: u16,
}

/// Tunnel negotiation outcome (RFC 5845 §4.2).
struct TunnelChoice {
    /// 0, 2 (GRE not required) or 3 (TLV header not supported).
    status: u8,
    /// GRE requested and granted: the downlink key from the PBU.
    gre: Option<Option<u32>>,
}

/// The local mobility anchor engine.
#[derive(Debug)]
pub struct Lma {
    config: LmaConfig,
    policy: LmaPolicy,
    cache: BindingCache,
    /// Dynamic HNPs; `None` only for a pool that cannot be cut (then every
    /// allocation gets 130).
    pool: Option<PrefixPool>,
    /// The configured pool (host bits cleared) and the assigned length.
    block: Ipv6Net,
    assign_len: u8,
    /// Prefixes the policy pins to one MN-ID. Those inside the pool are kept
    /// allocated in it, so they are never handed to anyone else.
    pinned: hashbrown::HashMap<Prefix, Box<[u8]>, FastBuildHasher>,
    pending: hashbrown::HashMap<SessionId, Pending>,
    actions: VecDeque<Action>,
    counters: SignalingCounters,
    next_gre_key: u32,
    /// Latest time seen, for pool calls made outside a message or timer.
    last_mono: Millis,
}

impl Lma {
    /// A new LMA with an empty binding cache.
    pub fn new(config: LmaConfig, policy: LmaPolicy) -> Lma {
        let block = config.hnp_pool.trunc();
        let assign_len = config.hnp_prefix_len.clamp(block.prefix_len(), 128);
        // RFC 5213 defines no quarantine: a released prefix is free at once.
        let pool = PrefixPool::new_capped(prefix_of(&block), assign_len, Duration::ZERO).ok();
        let mut cache = BindingCache::with_capacity(config.expected_bindings);
        if let Some(pool) = &pool {
            // Pool prefixes by number: no hash probe per registration.
            cache.index_block(pool.pool(), pool.assign_len());
        }
        let mut lma = Lma {
            config,
            policy: LmaPolicy::default(),
            cache,
            pool,
            block,
            assign_len,
            pinned: hashbrown::HashMap::default(),
            pending: hashbrown::HashMap::new(),
            actions: VecDeque::new(),
            counters: SignalingCounters::default(),
            next_gre_key: 1,
            last_mono: Millis::ZERO,
        };
        lma.set_policy(policy);
        lma
    }

    /// The Binding Cache itself, for callers that read many entries without
    /// copying them (session ids are `SessionId(id.to_bits())`).
    pub fn cache(&self) -> &BindingCache {
        &self.cache
    }

    /// The home network prefix pool (`None` for a pool that cannot be cut).
    pub fn prefix_pool(&self) -> Option<&PrefixPool> {
        self.pool.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &LmaConfig {
        &self.config
    }

    /// Replace the policy (administrative action). Existing bindings are kept.
    pub fn set_policy(&mut self, policy: LmaPolicy) {
        let mut pinned = hashbrown::HashMap::default();
        if let MnAuthorization::Store(store) = &policy.mobile_nodes {
            for (mn, p) in store {
                for net in &p.prefixes {
                    pinned.insert(prefix_of(&net.trunc()), Box::from(mn.as_slice()));
                }
            }
        }
        let now = self.last_mono;
        if let Some(pool) = self.pool.as_mut() {
            // No longer pinned and not bound: back to the pool.
            for p in self.pinned.keys() {
                if !pinned.contains_key(p) && self.cache.by_prefix(p).is_none() {
                    let _ = pool.release(*p, now);
                }
            }
            // Newly pinned: taken out of the pool. One that is bound (or
            // outside the pool) is skipped here and kept on release.
            for p in pinned.keys() {
                if !self.pinned.contains_key(p) {
                    let _ = pool.claim(*p, now);
                }
            }
        }
        self.pinned = pinned;
        self.policy = policy;
    }

    /// Signaling counters.
    pub fn counters(&self) -> &SignalingCounters {
        &self.counters
    }

    /// Number of Binding Cache entries (including those waiting for deletion).
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// Whether the binding cache is empty.
    pub fn is_empty(&self) -> bool {
        self.cache.len() == 0
    }

    /// One Binding Cache entry (a copy).
    pub fn binding(&self, id: SessionId) -> Option<BindingCacheEntry> {
        let id = bce_of(id);
        self.cache.get(id).map(|e| BindingCacheEntry::of(id, e))
    }

    /// The entry that owns `prefix` (a copy).
    pub fn binding_by_prefix(&self, prefix: &Ipv6Net) -> Option<BindingCacheEntry> {
        let id = self.cache.by_prefix(&prefix_of(&prefix.trunc()))?;
        self.cache.get(id).map(|e| BindingCacheEntry::of(id, e))
    }

    /// Every entry of one mobile node (one per attached interface, §5.4),
    /// oldest first (copies).
    pub fn bindings_of(&self, mn_id: &[u8]) -> Vec<BindingCacheEntry> {
        let mut v: Vec<BindingCacheEntry> = self
            .cache
            .by_mn_id(mn_id)
            .filter_map(|id| self.cache.get(id).map(|e| BindingCacheEntry::of(id, e)))
            .collect();
        v.reverse();
        v
    }

    /// Iterate over all entries (copies; [`Lma::cache`] reads them in place).
    pub fn bindings(&self) -> impl Iterator<Item = BindingCacheEntry> + '_ {
        self.cache
            .iter()
            .map(|(id, e)| BindingCacheEntry::of(id, e))
    }

    /// The next queued action.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// All queued actions.
    pub fn drain_actions(&mut self) -> std::collections::vec_deque::Drain<'_, Action> {
        self.actions.drain(..)
    }

    /// When [`Lma::handle_timeout`] should next be called (may be early).
    pub fn poll_timeout(&self) -> Option<Time> {
        let a = self.cache.next_expiry().map(|t| Time(t.0));
        let b = self.pending.values().map(|p| p.deadline).min();
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Handle a Mobility Header message from `src` to `dst` (already parsed,
    /// checksum and RFC 6275 §9.2 checks done by the codec: §5.3.1 step 2).
    ///
    /// IPsec (step 1) is the shell's job: it passes only authenticated messages.
    pub fn handle_message(&mut self, src: Ipv6Addr, dst: Ipv6Addr, msg: &MhRepr, now: Now) {
        self.last_mono = self.last_mono.max(Millis(now.mono.0));
        self.counters.count(Direction::Rx, msg);
        match msg {
            // Step 3: no Home Address option is required; nothing to check.
            MhRepr::BindingUpdate(bu) if bu.flags.proxy => {
                let header = PbuHeader {
                    sequence: bu.sequence,
                    flags: bu.flags,
                    lifetime: bu.lifetime,
                };
                let opts = PmipOptions::gather(&bu.options);
                self.handle_pbu(src, dst, header, &opts, now, Reply::Repr)
            }
            _ => self.counters.count_drop(DropReason::NotForThisRole),
        }
    }

    /// [`Lma::handle_message`] for a Mobility Header in wire form from `src` to
    /// `dst`: checks and decodes it as [`MhRepr::from_bytes`] does (the error is
    /// that of `from_bytes`; such messages are discarded, RFC 6275 §9.2), and
    /// queues the PBA in wire form too ([`Action::SendBytes`]). A PBU is read in
    /// place, so nothing is allocated for the message either way.
    pub fn handle_mh(
        &mut self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        mh: &[u8],
        now: Now,
    ) -> Result<(), wire::Error> {
        let pkt = MobilityHeader::new_checked(mh)?;
        if pkt.check(&src, &dst, ChecksumMode::Verify)? != MhType::BindingUpdate {
            // Not for this role: counted and dropped; no need for a fast path.
            let msg = MhRepr::parse(&pkt, &src, &dst, ChecksumMode::Ignore)?;
            self.handle_message(src, dst, &msg, now);
            return Ok(());
        }
        let bu = BindingUpdateView::parse(pkt.as_bytes())?;
        let opts = PmipOptions::parse(bu.options, BindingUpdate::OPTIONS_OFFSET)?;
        self.last_mono = self.last_mono.max(Millis(now.mono.0));
        if !bu.flags.proxy {
            self.counters
                .count_kind(Direction::Rx, MessageKind::BindingUpdate, 0);
            self.counters.count_drop(DropReason::NotForThisRole);
            return Ok(());
        }
        self.counters
            .count_kind(Direction::Rx, MessageKind::ProxyBindingUpdate, 0);
        let header = PbuHeader {
            sequence: bu.sequence,
            flags: bu.flags,
            lifetime: bu.lifetime,
        };
        self.handle_pbu(src, dst, header, &opts, now, Reply::Wire);
        Ok(())
    }

    /// Run due timers: lifetime expiry and MinDelayBeforeBCEDelete (the
    /// cache's deadlines), MaxDelayBeforeNewBCEAssign (parked requests).
    pub fn handle_timeout(&mut self, now: Now) {
        self.last_mono = self.last_mono.max(Millis(now.mono.0));
        let mut due = self.cache.expire(Millis(now.mono.0));
        // Deadline order, lifetime expiries before deletions, then by id.
        due.sort_by_key(|(id, e)| (e.expires_at, e.state != BceState::Active, session_of(*id)));
        for (id, entry) in due {
            let session = session_of(id);
            if entry.state == BceState::Active {
                self.actions.push_back(Action::RemoveBinding {
                    session,
                    hnps: entry.home_network_prefixes.iter().map(net_of).collect(),
                    reason: RemoveReason::Expired,
                });
            }
            self.entry_deleted(session, &entry, now);
        }
        let due: Vec<SessionId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now.mono)
            .map(|(&id, _)| id)
            .collect();
        for id in due {
            if let Some(p) = self.pending.remove(&id) {
                // No de-registration within MaxDelayBeforeNewBCEAssign: new session.
                self.replay_initial(p.request, now);
            }
        }
    }

    /// An entry left the cache: its prefixes go back to the pool.
    fn entry_deleted(&mut self, id: SessionId, entry: &bindings::BindingCacheEntry, now: Now) {
        self.release_prefixes(&entry.home_network_prefixes, Millis(now.mono.0));
        self.actions
            .push_back(Action::Event(Event::BindingDeleted { session: id }));
        if let Some(p) = self.pending.remove(&id) {
            // The candidate entry is gone without a de-registration: nothing
            // is left to wait for, so the parked request is a new session.
            self.replay_initial(p.request, now);
        }
    }

    /// A parked request as a new session, with the MN's §5.5 state as it is now.
    fn replay_initial(&mut self, mut request: Request<'static>, now: Now) {
        request.mn_state = self.cache.last_accepted(&request.mn_id);
        self.initial_registration(&request, now);
    }

    /// Return prefixes to the pool; pinned ones stay taken (reserved).
    fn release_prefixes(&mut self, prefixes: &[Prefix], now: Millis) {
        let Some(pool) = self.pool.as_mut() else {
            return;
        };
        for p in prefixes {
            if !self.pinned.contains_key(p) {
                // Prefixes from outside the pool were never taken from it.
                let _ = pool.release(*p, now);
            }
        }
    }

    fn handle_pbu(
        &mut self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        bu: PbuHeader,
        opts: &PmipOptions<'_>,
        now: Now,
        reply: Reply,
    ) {
        // RFC 5213 §8.1 allows at most one of each singleton option but names
        // no status; reject with 128 (checklist LMA-PBU-OPT-2), before the
        // ordered steps since the message is malformed.
        if opts.duplicate || opts.hnps.iter().any(|h| h.prefix_len > 128) {
            return self.reject(src, dst, reply, bu, opts, status::REASON_UNSPECIFIED, None);
        }

        // Step 4: identify the MN.
        let Some((mn_id_subtype, mn_id)) = opts.mn_id else {
            return self.reject(
                src,
                dst,
                reply,
                bu,
                opts,
                status::MISSING_MN_IDENTIFIER_OPTION,
                None,
            );
        };

        // Steps 5–8: policy.
        let policy_status = match self.policy.check_mobile_node(&src, mn_id) {
            MnDecision::Served(_) => None,
            MnDecision::MagNotAuthorized => Some(status::MAG_NOT_AUTHORIZED_FOR_PROXY_REG),
            MnDecision::Unknown => Some(status::NOT_LMA_FOR_THIS_MOBILE_NODE),
            MnDecision::NotEnabled => Some(status::PROXY_REG_NOT_ENABLED),
        };
        if let Some(code) = policy_status {
            return self.reject(src, dst, reply, bu, opts, code, None);
        }

        // Step 9: message ordering (§5.5).
        let mn_state = self.cache.last_accepted(mn_id);
        if let Err((code, ts, seq)) = self.check_ordering(mn_state, opts, bu.sequence, now) {
            return self.reject_with(src, dst, reply, opts, code, ts, seq);
        }

        // Steps 10–12: mandatory options.
        if opts.hnps.is_empty() {
            return self.reject(
                src,
                dst,
                reply,
                bu,
                opts,
                status::MISSING_HOME_NETWORK_PREFIX_OPTION,
                None,
            );
        }
        let Some(hi) = opts.handoff_indicator else {
            return self.reject(
                src,
                dst,
                reply,
                bu,
                opts,
                status::MISSING_HANDOFF_INDICATOR_OPTION,
                None,
            );
        };
        let Some(att) = opts.access_technology else {
            return self.reject(
                src,
                dst,
                reply,
                bu,
                opts,
                status::MISSING_ACCESS_TECH_TYPE_OPTION,
                None,
            );
        };

        // RFC 5844 §4.1.3.1: F = 1 without AcceptForcedIPv4UDPEncapsulationRequest → 129.
        if bu.flags.force_udp {
            return self.reject(
                src,
                dst,
                reply,
                bu,
                opts,
                status::ADMINISTRATIVELY_PROHIBITED,
                None,
            );
        }
        // RFC 5845 §4.2: GRE required by policy but not offered → 163. Not
        // for de-registrations, which SHOULD NOT carry the option (§4.1 GRE-7).
        if bu.lifetime != 0
            && self.policy.tunnel == TunnelPolicy::GreRequired
            && opts.gre_key.is_none()
        {
            return self.reject(
                src,
                dst,
                reply,
                bu,
                opts,
                status::GRE_KEY_OPTION_REQUIRED,
                None,
            );
        }

        let request = Request {
            reply,
            mn_state,
            src,
            dst,
            sequence: bu.sequence,
            lifetime: bu.lifetime,
            tlv_header: bu.flags.tlv_header,
            mn_id_subtype,
            mn_id: Cow::Borrowed(mn_id),
            hnps: Cow::Borrowed(&opts.hnps),
            hi,
            att,
            link_layer_id: opts.link_layer_id.map(Cow::Borrowed),
            link_local: opts.link_local,
            timestamp: opts.timestamp,
            gre_key: opts.gre_key,
            proxy_coa: opts.alternate_coa.unwrap_or(src),
        };

        // Step 13: Binding Cache entry existence test (§5.4.1).
        match self.lookup(&request) {
            Lookup::Reject(code) => self.reject(src, dst, reply, bu, opts, code, None),
            Lookup::Ignore => self
                .counters
                .count_drop(DropReason::DeregistrationNoSession),
            Lookup::New => self.initial_registration(&request, now),
            Lookup::Existing(id) if request.lifetime == 0 => self.deregistration(&request, id, now),
            Lookup::Existing(id) => self.update_registration(&request, id, now),
            Lookup::Wait(id) => {
                let deadline = now
                    .mono
                    .saturating_add(self.config.max_delay_before_new_bce_assign);
                let deadline = self.pending.get(&id).map_or(deadline, |p| p.deadline);
                self.pending.insert(
                    id,
                    Pending {
                        request: request.into_owned(),
                        deadline,
                    },
                );
            }
        }
    }

    /// §5.5: Timestamp-based ordering when the option is present, else
    /// RFC 6275 sequence numbers. `Err` carries the status, the Timestamp for
    /// the PBA and the Sequence # for the PBA.
    fn check_ordering(
        &self,
        record: MnState,
        opts: &PmipOptions<'_>,
        sequence: u16,
        now: Now,
    ) -> Result<(), (u8, Option<Timestamp>, u16)> {
        if let Some(ts) = opts.timestamp {
            let last = record.and_then(|r| r.0).map(Timestamp);
            if let Some(last) = last {
                if ts < last {
                    return Err((
                        status::TIMESTAMP_LOWER_THAN_PREV_ACCEPTED,
                        Some(now.wall),
                        sequence,
                    ));
                }
            }
            let in_window = self.config.mobile_node_generated_timestamp
                || timestamp_distance(ts, now.wall) <= self.config.timestamp_validity_window;
            // Equal to the last accepted one is "not greater": invalid (LMA-TS-6).
            if !in_window || last == Some(ts) {
                return Err((status::TIMESTAMP_MISMATCH, Some(now.wall), sequence));
            }
            Ok(())
        } else {
            match record.and_then(|r| r.1) {
                // RFC 6275 §9.5.1: only newer (mod 2^16) sequence numbers.
                Some(last) if !seq_is_newer(sequence, last) => {
                    Err((status::SEQUENCE_NUMBER_OUT_OF_WINDOW, None, last))
                }
                _ => Ok(()),
            }
        }
    }

    /// §5.4.1 Binding Cache entry lookup.
    fn lookup(&self, r: &Request<'_>) -> Lookup {
        let hi = r.hi.0;
        let ignore_or_new = if r.lifetime == 0 {
            Lookup::Ignore
        } else {
            Lookup::New
        };
        let mut any_non_zero = false;
        let mut found = None;
        for h in r.hnps.iter().filter(|h| !h.is_all_zero()) {
            any_non_zero = true;
            if found.is_none() {
                found = hnp_prefix(h).and_then(|p| self.cache.by_prefix(&p));
            }
        }
        let att = r.att.0;
        let ll = r.link_layer_non_zero();
        if any_non_zero {
            // §5.4.1.1.
            let Some((id, e)) = found.and_then(|id| Some((id, self.cache.get(id)?))) else {
                return ignore_or_new;
            };
            if e.mn_id.as_bytes() != &*r.mn_id {
                return Lookup::Reject(status::NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
            }
            let same_set = r.hnps.len() == e.home_network_prefixes.len()
                && r.hnps.iter().all(|h| {
                    !h.is_all_zero()
                        && hnp_prefix(h).is_some_and(|p| e.home_network_prefixes.contains(&p))
                });
            if !same_set {
                return Lookup::Reject(status::BCE_PBU_PREFIX_SET_DO_NOT_MATCH);
            }
            let att_eq = e.access_technology_type == att;
            let update = (ll.is_some() && ll == ll_of(e) && att_eq)
                || hi == HandoffIndicator::HANDOFF_BETWEEN_INTERFACES.0
                || (ll.is_none()
                    && e.mn_link_layer_id.is_none()
                    && att_eq
                    && hi == HandoffIndicator::HANDOFF_BETWEEN_MAGS.0)
                || (e.proxy_coa == r.proxy_coa.octets() && att_eq);
            return if update {
                Lookup::Existing(session_of(id))
            } else {
                ignore_or_new
            };
        }
        let mut sessions = self.cache.by_mn_id(&*r.mn_id);
        let only_one = match (sessions.next(), sessions.next()) {
            (Some(id), None) => Some(session_of(id)),
            _ => None,
        };
        if let Some(ll) = ll {
            // §5.4.1.2.
            let exact = self.cache.by_mn_id(&*r.mn_id).find(|&id| {
                self.cache
                    .get(id)
                    .is_some_and(|e| e.access_technology_type == att && ll_of(e) == Some(ll))
            });
            if let Some(id) = exact {
                return Lookup::Existing(session_of(id));
            }
            match (hi, only_one) {
                (2, Some(id)) => Lookup::Existing(id),
                (4, Some(id)) if r.lifetime != 0 => self.wait_or_new(id),
                _ => ignore_or_new,
            }
        } else {
            // §5.4.1.3.
            match (hi, only_one) {
                (2 | 3, Some(id)) => Lookup::Existing(id),
                (4, Some(id)) if r.lifetime != 0 => self.wait_or_new(id),
                _ => ignore_or_new,
            }
        }
    }

    fn wait_or_new(&self, id: SessionId) -> Lookup {
        if !self.config.wait_for_deregistration {
            return Lookup::New;
        }
        match self.cache.get(bce_of(id)) {
            // Already de-registered by the previous MAG: this is the update.
            Some(e) if e.state != BceState::Active => Lookup::Existing(id),
            Some(_) => Lookup::Wait(id),
            None => Lookup::New,
        }
    }

    /// RFC 5845 §4.2 tunnel negotiation for an accepted request.
    fn choose_tunnel(&self, r: &Request<'_>) -> TunnelChoice {
        match (self.policy.tunnel, r.gre_key) {
            (TunnelPolicy::Ip6ip6, Some(_)) => TunnelChoice {
                status: status::GRE_KEY_OPTION_NOT_REQUIRED,
                gre: None,
            },
            (_, None) => TunnelChoice {
                status: status::ACCEPTED,
                gre: None,
            },
            (_, Some(key)) => TunnelChoice {
                status: if r.tlv_header && !self.config.tlv_header_supported {
                    status::GRE_TUNNELING_BUT_TLV_HEADER_NOT_SUPPORTED
                } else {
                    status::ACCEPTED
                },
                gre: Some(key),
            },
        }
    }

    fn alloc_gre_key(&mut self) -> u32 {
        let k = self.next_gre_key;
        self.next_gre_key = self.next_gre_key.wrapping_add(1).max(1);
        k
    }

    /// §5.3.2: a new mobility session.
    fn initial_registration(&mut self, r: &Request<'_>, now: Now) {
        // What the MN's policy says, copied out (inline, no allocation) so
        // the engine can change while it is used.
        let requested = lifetime_from_units(r.lifetime);
        let (static_prefixes, granted) = match self.policy.check_mobile_node(&r.src, &r.mn_id) {
            MnDecision::Served(p) => {
                let statics: SmallVec<[Prefix; 2]> = p
                    .iter()
                    .flat_map(|p| &p.prefixes)
                    .map(|n| prefix_of(&n.trunc()))
                    .collect();
                (statics, self.policy.grant_lifetime(requested, p))
            }
            // Policy changed while the request waited: the checks of steps 5–8 apply.
            MnDecision::MagNotAuthorized => {
                return self.reject_request(r, status::MAG_NOT_AUTHORIZED_FOR_PROXY_REG)
            }
            MnDecision::Unknown => {
                return self.reject_request(r, status::NOT_LMA_FOR_THIS_MOBILE_NODE)
            }
            MnDecision::NotEnabled => return self.reject_request(r, status::PROXY_REG_NOT_ENABLED),
        };
        let mono = Millis(now.mono.0);

        // Step 3: requested NON_ZERO prefixes must be ours, free and authorised.
        let mut hnps = Prefixes::new();
        for h in r.hnps.iter().filter(|h| !h.is_all_zero()) {
            let authorised = hnp_prefix(h).filter(|p| {
                self.may_assign(p, &r.mn_id, &static_prefixes)
                    && self.cache.by_prefix(p).is_none()
                    && !hnps.contains(p)
            });
            let Some(p) = authorised else {
                return self.reject_request(r, status::NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
            };
            hnps.push(p);
        }
        // Taken out of the pool so that no allocation hands them out too
        // (pinned ones and those outside the pool are not in it).
        let mut claimed: SmallVec<[Prefix; 4]> = SmallVec::new();
        if let Some(pool) = self.pool.as_mut() {
            for p in &hnps {
                if !self.pinned.contains_key(p) && pool.claim(*p, mono).is_ok() {
                    claimed.push(*p);
                }
            }
        }
        // Steps 1–2: ALL_ZERO → allocate.
        if r.hnps.iter().any(HnpValue::is_all_zero)
            && !self.allocate(&static_prefixes, &mut hnps, mono)
        {
            self.release_prefixes(&claimed, mono);
            return self.reject_request(r, status::INSUFFICIENT_RESOURCES);
        }
        let taken: SmallVec<[Prefix; 4]> = SmallVec::from_slice(&hnps);

        let tunnel_choice = self.choose_tunnel(r);
        let tunnel = match tunnel_choice.gre {
            None => TunnelKind::Ip6Ip6,
            Some(downlink_key) => TunnelKind::Gre {
                downlink_key,
                uplink_key: downlink_key.map(|_| self.alloc_gre_key()),
            },
        };
        let units = lifetime_to_units(granted);
        let granted = lifetime_from_units(units);
        let id = session_of(self.cache.next_id());
        let link_local = match r.link_local {
            Some(a) if a.is_unspecified() => Some(generate_link_local(id)),
            other => other,
        };
        let mut entry = bindings::BindingCacheEntry::new(
            MnIdentifier::new(&r.mn_id),
            hnps,
            r.proxy_coa.octets(),
            PeerId(0),
            granted,
            mono,
        );
        entry.mn_link_layer_id = r.link_layer_non_zero().map(LinkLayerId::new);
        entry.link_local = link_local.map(|a| a.octets());
        entry.encapsulation = encapsulation_of(tunnel);
        entry.access_technology_type = r.att.0;
        entry.handoff_indicator = r.hi.0;
        entry.accepted_time_of_day = now.wall.0;
        // §5.5 state is per MN: a further interface starts from the MN's.
        if let Some((ts, seq)) = r.mn_state {
            (entry.pbu_timestamp, entry.sequence_number) = (ts, seq);
        }
        let bce = match self.cache.insert(entry) {
            Ok(bce) => bce,
            Err(_) => {
                // A prefix turned out bound after all (not reachable while the
                // pool and the cache agree): refuse rather than steal it, and
                // give back what this request took.
                let unbound: SmallVec<[Prefix; 4]> = taken
                    .into_iter()
                    .filter(|p| self.cache.by_prefix(p).is_none())
                    .collect();
                self.release_prefixes(&unbound, mono);
                return self.reject_request(r, status::INSUFFICIENT_RESOURCES);
            }
        };
        self.record_accepted(bce, r);
        if let Some(e) = self.cache.get(bce) {
            let spec = self.spec_of(id, e);
            self.actions.push_back(Action::InstallBinding(spec));
            let send = accept_pba(
                r,
                tunnel_choice.status,
                units,
                &e.home_network_prefixes,
                link_local,
                tunnel,
            )
            .action(r.reply, r.dst, r.src);
            self.send(send);
        }
    }

    /// Whether `p` may be assigned to `mn_id` on request (§5.3.2 step 3): one
    /// of its own static prefixes, or — for an MN without static prefixes —
    /// a pool prefix that is not pinned to another MN.
    fn may_assign(&self, p: &Prefix, mn_id: &[u8], static_prefixes: &[Prefix]) -> bool {
        if !static_prefixes.is_empty() {
            return static_prefixes.contains(p);
        }
        p.len() == self.assign_len
            && self.block.contains(&Ipv6Addr::from(p.addr()))
            && self.pinned.get(p).is_none_or(|owner| **owner == *mn_id)
    }

    /// Steps 1–2: the MN's static prefixes that are not bound, or
    /// `prefixes_per_session` from the pool; false (and nothing taken) if
    /// none can be had (→ 130).
    fn allocate(&mut self, static_prefixes: &[Prefix], out: &mut Prefixes, now: Millis) -> bool {
        let before = out.len();
        if !static_prefixes.is_empty() {
            for &p in static_prefixes {
                if self.cache.by_prefix(&p).is_none() && !out.contains(&p) {
                    out.push(p);
                }
            }
            return out.len() > before;
        }
        let count = usize::from(self.policy.prefixes_per_session.max(1));
        let Some(pool) = self.pool.as_mut() else {
            return false;
        };
        while out.len() - before < count {
            match pool.allocate(now) {
                // Pinned prefixes are claimed when pinned; one freed before
                // its pin took effect stays taken (reserved) here.
                Ok(p) if self.pinned.contains_key(&p) => {}
                Ok(p) => out.push(p),
                Err(_) => {
                    for p in out.drain(before..) {
                        let _ = pool.release(p, now);
                    }
                    return false;
                }
            }
        }
        true
    }

    /// §5.3.3 / §5.3.4, and a re-registration inside the §5.3.5 wait.
    fn update_registration(&mut self, r: &Request<'_>, id: SessionId, now: Now) {
        let mn_policy = match self.policy.check_mobile_node(&r.src, &r.mn_id) {
            MnDecision::Served(p) => p,
            _ => None,
        };
        let granted = self
            .policy
            .grant_lifetime(lifetime_from_units(r.lifetime), mn_policy);
        let units = lifetime_to_units(granted);
        let granted = lifetime_from_units(units);
        let choice = self.choose_tunnel(r);
        let bce = bce_of(id);
        let current = self.cache.get(bce).map(|e| tunnel_of(e.encapsulation));
        let new_uplink = match (choice.gre, current) {
            (
                Some(Some(_)),
                Some(TunnelKind::Gre {
                    uplink_key: Some(k),
                    ..
                }),
            ) => Some(k),
            (Some(Some(_)), _) => Some(self.alloc_gre_key()),
            _ => None,
        };
        let tunnel = match choice.gre {
            None => TunnelKind::Ip6Ip6,
            Some(downlink_key) => TunnelKind::Gre {
                downlink_key,
                uplink_key: new_uplink,
            },
        };
        let mono = Millis(now.mono.0);
        let updated = self.cache.modify(bce, |e| {
            let was_deregistered = e.state != BceState::Active;
            let before = (e.proxy_coa, e.encapsulation);
            e.proxy_coa = r.proxy_coa.octets();
            e.access_technology_type = r.att.0;
            if let Some(ll) = r.link_layer_non_zero() {
                if ll_of(e) != Some(ll) {
                    e.mn_link_layer_id = Some(LinkLayerId::new(ll));
                }
            }
            e.encapsulation = encapsulation_of(tunnel);
            e.lifetime = granted;
            e.expires_at = mono + granted;
            e.handoff_indicator = r.hi.0;
            e.accepted_at = mono;
            e.accepted_time_of_day = now.wall.0;
            e.state = BceState::Active;
            // §5.3.6: ALL_ZERO → the BCE's LLA (generated if it has none); NON_ZERO → store.
            let link_local = match r.link_local {
                None => None,
                Some(a) if a.is_unspecified() => {
                    let lla = *e
                        .link_local
                        .get_or_insert_with(|| generate_link_local(id).octets());
                    Some(Ipv6Addr::from(lla))
                }
                Some(a) => {
                    e.link_local = Some(a.octets());
                    Some(a)
                }
            };
            let changed = before != (e.proxy_coa, e.encapsulation);
            (was_deregistered, changed, link_local)
        });
        let Ok((was_deregistered, changed, link_local)) = updated else {
            return;
        };
        self.record_accepted(bce, r);
        let Some(e) = self.cache.get(bce) else {
            return;
        };
        if was_deregistered {
            let spec = self.spec_of(id, e);
            self.actions.push_back(Action::InstallBinding(spec));
        } else if changed {
            // Handoff: routes move to the new MAG's tunnel (§5.3.4 steps 2–4).
            let spec = self.spec_of(id, e);
            self.actions.push_back(Action::UpdateBinding(spec));
        }
        let send = accept_pba(
            r,
            choice.status,
            units,
            &e.home_network_prefixes,
            link_local,
            tunnel,
        )
        .action(r.reply, r.dst, r.src);
        self.send(send);
    }

    /// §5.3.5.
    fn deregistration(&mut self, r: &Request<'_>, id: SessionId, now: Now) {
        let bce = bce_of(id);
        let Some(e) = self.cache.get(bce) else {
            return;
        };
        if e.proxy_coa != r.proxy_coa.octets() {
            // Step 1: from a MAG that no longer owns the binding (a late
            // de-registration after handoff): ignore.
            self.counters
                .count_drop(DropReason::DeregistrationFromOtherMag);
            return;
        }
        let link_local = match r.link_local {
            None => None,
            Some(a) if a.is_unspecified() => e.link_local.map(Ipv6Addr::from),
            Some(a) => Some(a),
        };
        let tunnel = tunnel_of(e.encapsulation);
        if e.state == BceState::Active {
            let delete_at = Millis(now.mono.0) + self.config.min_delay_before_bce_delete;
            let _ = self.cache.modify(bce, |e| {
                e.state = BceState::PendingDelete;
                e.expires_at = delete_at;
                e.lifetime = Duration::ZERO;
            });
            // Data SHOULD be dropped during the wait: forwarding goes now.
            let hnps = self.cache.get(bce).map_or_else(Vec::new, |e| {
                e.home_network_prefixes.iter().map(net_of).collect()
            });
            self.actions.push_back(Action::RemoveBinding {
                session: id,
                hnps,
                reason: RemoveReason::Deregistered,
            });
        }
        self.record_accepted(bce, r);
        if let Some(e) = self.cache.get(bce) {
            let send = accept_pba(
                r,
                status::ACCEPTED,
                0,
                &e.home_network_prefixes,
                link_local,
                tunnel,
            )
            .action(r.reply, r.dst, r.src);
            self.send(send);
        }

        // A request parked on this entry (HI = 4) now updates it (§5.4.1.2 step 4).
        if let Some(p) = self.pending.remove(&id) {
            self.update_registration(&p.request, id, now);
        }
    }

    /// §5.5: the MN's last accepted Timestamp / Sequence #.
    fn record_accepted(&mut self, bce: BceId, r: &Request<'_>) {
        let _ = self
            .cache
            .record_accepted(bce, r.timestamp.map(|t| t.0), r.sequence);
    }

    fn spec_of(&self, id: SessionId, e: &bindings::BindingCacheEntry) -> BindingSpec {
        BindingSpec {
            session: id,
            hnps: e.home_network_prefixes.iter().map(net_of).collect(),
            local: self.config.address,
            remote: Ipv6Addr::from(e.proxy_coa),
            tunnel: tunnel_of(e.encapsulation),
            lifetime: e.lifetime,
        }
    }

    fn reject_request(&mut self, r: &Request<'_>, code: u8) {
        let pba = Pba {
            status: code,
            lifetime: 0,
            mn_id_subtype: r.mn_id_subtype,
            mn_id: &r.mn_id,
            prefixes: PbaPrefixes::Echo(&r.hnps),
            hi: Some(r.hi),
            att: Some(r.att),
            link_layer_id: r.link_layer_id.as_deref(),
            link_local: r.link_local,
            timestamp: r.timestamp,
            gre_key: None,
            sequence: r.sequence,
        };
        self.send(pba.action(r.reply, r.dst, r.src));
    }

    #[allow(clippy::too_many_arguments)]
    fn reject(
        &mut self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        reply: Reply,
        bu: PbuHeader,
        opts: &PmipOptions<'_>,
        code: u8,
        ts: Option<Timestamp>,
    ) {
        let ts = ts.or(opts.timestamp);
        self.reject_with(src, dst, reply, opts, code, ts, bu.sequence)
    }

    #[allow(clippy::too_many_arguments)]
    fn reject_with(
        &mut self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        reply: Reply,
        opts: &PmipOptions<'_>,
        code: u8,
        ts: Option<Timestamp>,
        sequence: u16,
    ) {
        let (mn_id_subtype, mn_id) = opts.mn_id.unwrap_or((MN_ID_SUBTYPE_NAI, &[]));
        let pba = Pba {
            status: code,
            lifetime: 0,
            mn_id_subtype,
            mn_id,
            prefixes: PbaPrefixes::Echo(&opts.hnps),
            hi: opts.handoff_indicator,
            att: opts.access_technology,
            link_layer_id: opts.link_layer_id,
            link_local: opts.link_local,
            // §5.3.6: a TS only if the PBU had one.
            timestamp: if opts.timestamp.is_some() { ts } else { None },
            gre_key: None,
            sequence,
        };
        self.send(pba.action(reply, dst, src));
    }

    /// Queue a message (counted as sent).
    fn send(&mut self, action: Action) {
        match &action {
            Action::Send { message, .. } => self.counters.count(Direction::Tx, message),
            Action::SendBytes { bytes, .. } => self.counters.count_wire(Direction::Tx, bytes),
            _ => {}
        }
        self.actions.push_back(action);
    }
}

/// MN-ID subtype NAI (RFC 4283 §3.1), used for the zero-length MN-ID of a 160 reply.
const MN_ID_SUBTYPE_NAI: u8 = 1;

/// RFC 6275 §9.5.1 modulo-2^16 comparison: is `r` newer than `last`?
pub fn seq_is_newer(r: u16, last: u16) -> bool {
    let d = r.wrapping_sub(last);
    d != 0 && d < 0x8000
}

/// A link-local address for the MAG's side of the MN's point-to-point link
/// (§5.3.6, LLA ALL_ZERO with a new session): fe80::/64 with an IID derived
/// from the session, U/L bit clear (locally assigned).
fn generate_link_local(id: SessionId) -> Ipv6Addr {
    let iid = (id.0 & 0x00ff_ffff_ffff_ffff) | 0x0100_0000_0000_0000;
    Ipv6Addr::from((0xfe80u128 << 112) | u128::from(iid))
}

/// The PBA accepting `r` (§5.3.6), with the GRE Key option of RFC 5845 §5.2.
fn accept_pba<'a>(
    r: &'a Request<'_>,
    code: u8,
    lifetime: u16,
    hnps: &'a [Prefix],
    link_local: Option<Ipv6Addr>,
    tunnel: TunnelKind,
) -> Pba<'a> {
    let gre_key = match tunnel {
        TunnelKind::Gre { uplink_key, .. } if r.gre_key.is_some() => Some(uplink_key),
        _ => None,
    };
    Pba {
        status: code,
        lifetime,
        mn_id_subtype: r.mn_id_subtype,
        mn_id: &r.mn_id,
        prefixes: PbaPrefixes::Assigned(hnps),
        hi: Some(r.hi),
        att: Some(r.att),
        link_layer_id: r.link_layer_id.as_deref(),
        link_local,
        timestamp: r.timestamp,
        gre_key,
        sequence: r.sequence,
    }
}

/// Where a PBA's options go: an option list, or straight into wire form
/// (the [`MhWriter`] methods of the same names).
trait OptionSink {
    fn mn_identifier(&mut self, subtype: u8, identifier: &[u8]);
    fn home_network_prefix(&mut self, prefix_len: u8, prefix: Ipv6Addr);
    fn handoff_indicator(&mut self, hi: HandoffIndicator);
    fn access_technology_type(&mut self, att: AccessTechnologyType);
    fn link_layer_identifier(&mut self, id: &[u8]);
    fn link_local_address(&mut self, address: Ipv6Addr);
    fn timestamp(&mut self, ts: Timestamp);
    fn gre_key(&mut self, key: Option<u32>);
}

impl OptionSink for Vec<MobilityOption> {
    fn mn_identifier(&mut self, subtype: u8, identifier: &[u8]) {
        self.push(MobilityOption::MnIdentifier {
            subtype,
            identifier: identifier.to_vec(),
        });
    }
    fn home_network_prefix(&mut self, prefix_len: u8, prefix: Ipv6Addr) {
        self.push(MobilityOption::HomeNetworkPrefix { prefix_len, prefix });
    }
    fn handoff_indicator(&mut self, hi: HandoffIndicator) {
        self.push(MobilityOption::HandoffIndicator(hi));
    }
    fn access_technology_type(&mut self, att: AccessTechnologyType) {
        self.push(MobilityOption::AccessTechnologyType(att));
    }
    fn link_layer_identifier(&mut self, id: &[u8]) {
        self.push(MobilityOption::MnLinkLayerIdentifier(id.to_vec()));
    }
    fn link_local_address(&mut self, address: Ipv6Addr) {
        self.push(MobilityOption::LinkLocalAddress(address));
    }
    fn timestamp(&mut self, ts: Timestamp) {
        self.push(MobilityOption::Timestamp(ts));
    }
    fn gre_key(&mut self, key: Option<u32>) {
        self.push(MobilityOption::GreKey(key));
    }
}

impl OptionSink for MhWriter {
    fn mn_identifier(&mut self, subtype: u8, identifier: &[u8]) {
        MhWriter::mn_identifier(self, subtype, identifier);
    }
    fn home_network_prefix(&mut self, prefix_len: u8, prefix: Ipv6Addr) {
        MhWriter::home_network_prefix(self, prefix_len, prefix);
    }
    fn handoff_indicator(&mut self, hi: HandoffIndicator) {
        MhWriter::handoff_indicator(self, hi);
    }
    fn access_technology_type(&mut self, att: AccessTechnologyType) {
        MhWriter::access_technology_type(self, att);
    }
    fn link_layer_identifier(&mut self, id: &[u8]) {
        MhWriter::link_layer_identifier(self, id);
    }
    fn link_local_address(&mut self, address: Ipv6Addr) {
        MhWriter::link_local_address(self, address);
    }
    fn timestamp(&mut self, ts: Timestamp) {
        MhWriter::timestamp(self, ts);
    }
    fn gre_key(&mut self, key: Option<u32>) {
        MhWriter::gre_key(self, key);
    }
}

impl Pba<'_> {
    /// The options in the order of RFC 5213 §5.3.6 / Figure 6, GRE Key last.
    fn options(&self, out: &mut impl OptionSink) {
        out.mn_identifier(self.mn_id_subtype, self.mn_id);
        match self.prefixes {
            PbaPrefixes::Echo([]) => out.home_network_prefix(0, Ipv6Addr::UNSPECIFIED),
            PbaPrefixes::Echo(hnps) => {
                for h in hnps {
                    out.home_network_prefix(h.prefix_len, h.prefix);
                }
            }
            PbaPrefixes::Assigned(prefixes) => {
                for p in prefixes {
                    out.home_network_prefix(p.len(), Ipv6Addr::from(p.addr()));
                }
            }
        }
        out.handoff_indicator(self.hi.unwrap_or(HandoffIndicator(0)));
        out.access_technology_type(self.att.unwrap_or(AccessTechnologyType(0)));
        if let Some(ll) = self.link_layer_id {
            out.link_layer_identifier(ll);
        }
        if let Some(lla) = self.link_local {
            out.link_local_address(lla);
        }
        if let Some(ts) = self.timestamp {
            out.timestamp(ts);
        }
        if let Some(key) = self.gre_key {
            out.gre_key(key);
        }
    }

    /// The PBA from `src` to `dst` as an action, in the `reply` form.
    fn action(&self, reply: Reply, src: Ipv6Addr, dst: Ipv6Addr) -> Action {
        match reply {
            Reply::Repr => {
                let mut options = Vec::with_capacity(8);
                self.options(&mut options);
                let message = MhRepr::BindingAck(BindingAck {
                    status: self.status,
                    flags: BindingAckFlags::PROXY,
                    sequence: self.sequence,
                    lifetime: self.lifetime,
                    options,
                });
                Action::Send { dst, src, message }
            }
            Reply::Wire => {
                let mut w = MhWriter::binding_ack(
                    self.status,
                    BindingAckFlags::PROXY,
                    self.sequence,
                    self.lifetime,
                );
                self.options(&mut w);
                Action::SendBytes {
                    dst,
                    src,
                    bytes: w.finish(&src, &dst),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
