//! The PMIPv6 binding cache of the LMA (RFC 5213 §5.1), authoritative copy,
//! owned by the slowpath thread.
//!
//! Entries live in a slab addressed by [`BceId`] (index + reuse generation,
//! so a stale id never reaches a newer entry). Indexes: home network prefix
//! → entry, and two intrusive doubly-linked lists through the slab: one per
//! MN-Identifier (§5.4.1 needs "exactly one BCE with this MN-ID" and the
//! (MN-ID, ATT, MN-LL-ID) match; heads are keyed by a hash of the MN-ID and
//! members compared in full) and one per Proxy-CoA (all of a MAG's entries,
//! e.g. after it restarted). The lists allocate nothing per entry and unlink
//! in O(1).

use crate::expiry::ExpiryQueue;
use crate::fwd::{FwdAction, PeerId, TableUpdate, TunnelKind};
use crate::hash::{FastBuildHasher, FastMap};
use crate::prefix::Prefix;
use crate::time::Millis;
use core::hash::BuildHasher;
use core::time::Duration;

/// Mobile Node Identifier (RFC 4283; usually an NAI), as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MnIdentifier(pub Box<[u8]>);

impl MnIdentifier {
    pub fn new(bytes: &[u8]) -> MnIdentifier {
        MnIdentifier(bytes.into())
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Mobile Node Link-layer Identifier (RFC 5213 §8.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkLayerId(pub Box<[u8]>);

impl LinkLayerId {
    pub fn new(bytes: &[u8]) -> LinkLayerId {
        LinkLayerId(bytes.into())
    }
    /// The ALL_ZERO value of RFC 5213 §2.2 (an interface without a
    /// link-layer identifier).
    pub fn is_all_zero(&self) -> bool {
        self.0.iter().all(|&b| b == 0)
    }
}

/// Tunnel encapsulation of one binding, with both GRE keys (RFC 5845 §3:
/// the MAG chooses the downlink key, the LMA the uplink key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encapsulation {
    #[default]
    Ip6Ip6,
    Gre {
        uplink_key: Option<u32>,
        downlink_key: Option<u32>,
    },
}

/// State of a binding cache entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BceState {
    /// Registered; forwarding is installed.
    #[default]
    Active,
    /// De-registered; kept until `expires_at` (MinDelayBeforeBCEDelete,
    /// RFC 5213 §5.3.5) so a PBU from the new MAG can still find it.
    PendingDelete,
    /// The peer restarted or stopped answering (RFC 5847 §3, HB-3/HB-4):
    /// kept for the slowpath to clean up.
    Invalid,
}

/// A PMIPv6 binding cache entry (RFC 5213 §5.1; the proxy registration flag
/// is implied: MIPv6 entries live in [`crate::Mip6BindingCache`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingCacheEntry {
    pub mn_id: MnIdentifier,
    pub mn_link_layer_id: Option<LinkLayerId>,
    /// Link-local address of the MN's interface (§5.1, from the PBU).
    pub mn_link_local: Option<[u8; 16]>,
    /// Home network prefixes of this mobility session (several per MN).
    pub home_network_prefixes: Vec<Prefix>,
    /// Proxy care-of address: the MAG.
    pub proxy_coa: [u8; 16],
    /// Tunnel interface identifier: the peer id of the tunnel to the MAG.
    pub tunnel: PeerId,
    pub encapsulation: Encapsulation,
    /// Access Technology Type (RFC 5213 §8.5).
    pub access_technology_type: u8,
    /// Handoff Indicator of the last accepted PBU (RFC 5213 §8.4).
    pub handoff_indicator: u8,
    /// Lifetime granted in the last PBA.
    pub lifetime: Duration,
    pub expires_at: Millis,
    /// Timestamp option of the last accepted PBU, for §5.5 ordering.
    pub pbu_timestamp: Option<u64>,
    /// LMA time when the last accepted PBU arrived (§5.1).
    pub accepted_at: Millis,
    /// Sequence number of the last accepted PBU.
    pub sequence_number: u16,
    pub state: BceState,
}

impl BindingCacheEntry {
    /// A fresh active entry; other fields take their defaults and can be
    /// set on the result.
    pub fn new(
        mn_id: MnIdentifier,
        home_network_prefixes: Vec<Prefix>,
        proxy_coa: [u8; 16],
        tunnel: PeerId,
        lifetime: Duration,
        now: Millis,
    ) -> BindingCacheEntry {
        BindingCacheEntry {
            mn_id,
            mn_link_layer_id: None,
            mn_link_local: None,
            home_network_prefixes,
            proxy_coa,
            tunnel,
            encapsulation: Encapsulation::Ip6Ip6,
            access_technology_type: 0,
            handoff_indicator: 0,
            lifetime,
            expires_at: now + lifetime,
            pbu_timestamp: None,
            accepted_at: now,
            sequence_number: 0,
            state: BceState::Active,
        }
    }

    /// Downlink action for this entry's prefixes (RFC 5213 §5.6.1: tunnel
    /// to the Proxy-CoA, with the MAG's downlink GRE key if GRE).
    pub fn downlink_action(&self) -> FwdAction {
        let tunnel = match self.encapsulation {
            Encapsulation::Ip6Ip6 => TunnelKind::Ip6Ip6,
            Encapsulation::Gre { downlink_key, .. } => TunnelKind::Gre { key: downlink_key },
        };
        FwdAction::Encap {
            peer: self.tunnel,
            tunnel,
        }
    }

    /// Updates that install this entry's routes in the replicas.
    pub fn install_updates(&self) -> impl Iterator<Item = TableUpdate> + '_ {
        let action = self.downlink_action();
        self.home_network_prefixes
            .iter()
            .map(move |&prefix| TableUpdate::SetPrefix { prefix, action })
    }

    /// Updates that remove this entry's routes from the replicas.
    pub fn remove_updates(&self) -> impl Iterator<Item = TableUpdate> + '_ {
        self.home_network_prefixes
            .iter()
            .map(|&prefix| TableUpdate::RemovePrefix { prefix })
    }
}

/// Handle of a binding cache entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BceId {
    index: u32,
    reuse: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    #[error("home network prefix {prefix} is bound to another entry")]
    PrefixInUse { prefix: Prefix, owner: BceId },
    #[error("no such binding cache entry")]
    UnknownEntry,
    #[error("binding cache is full")]
    Full,
}

const NIL: u32 = u32::MAX;

/// Links of one intrusive list.
#[derive(Debug, Clone, Copy)]
struct Links {
    prev: u32,
    next: u32,
}

const UNLINKED: Links = Links {
    prev: NIL,
    next: NIL,
};

#[derive(Debug, Clone)]
struct Slot {
    reuse: u32,
    entry: Option<BindingCacheEntry>,
    coa: Links,
    mn: Links,
}

/// Which intrusive list.
#[derive(Debug, Clone, Copy)]
enum List {
    Coa,
    Mn,
}

impl Slot {
    fn links(&mut self, l: List) -> &mut Links {
        match l {
            List::Coa => &mut self.coa,
            List::Mn => &mut self.mn,
        }
    }
}

fn mn_hash(mn_id: &MnIdentifier) -> u64 {
    FastBuildHasher.hash_one(mn_id.as_bytes())
}

/// The authoritative PMIPv6 binding cache.
#[derive(Debug, Clone, Default)]
pub struct BindingCache {
    slots: Vec<Slot>,
    free: Vec<u32>,
    len: usize,
    /// Hash of MN-ID → head of its list (members compared in full).
    mn_heads: FastMap<u64, u32>,
    by_prefix: FastMap<Prefix, BceId>,
    /// Proxy-CoA → head of its list.
    coa_heads: FastMap<[u8; 16], u32>,
    expiry: ExpiryQueue<BceId>,
}

impl BindingCache {
    pub fn new() -> BindingCache {
        BindingCache::default()
    }

    /// Pre-sized for `n` entries.
    pub fn with_capacity(n: usize) -> BindingCache {
        BindingCache {
            slots: Vec::with_capacity(n),
            mn_heads: FastMap::with_capacity_and_hasher(n, FastBuildHasher),
            by_prefix: FastMap::with_capacity_and_hasher(n, FastBuildHasher),
            ..BindingCache::default()
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, id: BceId) -> Option<&BindingCacheEntry> {
        let s = self.slots.get(id.index as usize)?;
        if s.reuse != id.reuse {
            return None;
        }
        s.entry.as_ref()
    }

    fn get_mut(&mut self, id: BceId) -> Result<&mut BindingCacheEntry, CacheError> {
        self.slots
            .get_mut(id.index as usize)
            .filter(|s| s.reuse == id.reuse)
            .and_then(|s| s.entry.as_mut())
            .ok_or(CacheError::UnknownEntry)
    }

    fn check_prefixes(&self, e: &BindingCacheEntry, me: Option<BceId>) -> Result<(), CacheError> {
        for p in &e.home_network_prefixes {
            if let Some(&owner) = self.by_prefix.get(p) {
                if Some(owner) != me {
                    return Err(CacheError::PrefixInUse { prefix: *p, owner });
                }
            }
        }
        Ok(())
    }

    /// Add an entry. Fails if one of its prefixes belongs to another entry.
    pub fn insert(&mut self, entry: BindingCacheEntry) -> Result<BceId, CacheError> {
        self.check_prefixes(&entry, None)?;
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.slots.len()).map_err(|_| CacheError::Full)?;
                if i == NIL {
                    return Err(CacheError::Full);
                }
                self.slots.push(Slot {
                    reuse: 0,
                    entry: None,
                    coa: UNLINKED,
                    mn: UNLINKED,
                });
                i
            }
        };
        let id = BceId {
            index,
            reuse: self.slots[index as usize].reuse,
        };
        self.link(id, entry);
        self.len += 1;
        Ok(id)
    }

    /// Index `entry` under `id` (slot must be empty).
    fn link(&mut self, id: BceId, entry: BindingCacheEntry) {
        for p in &entry.home_network_prefixes {
            self.by_prefix.insert(*p, id);
        }
        self.expiry.push(entry.expires_at, id);
        let coa_head = self
            .coa_heads
            .insert(entry.proxy_coa, id.index)
            .unwrap_or(NIL);
        self.push_front(List::Coa, id.index, coa_head);
        let mn_head = self
            .mn_heads
            .insert(mn_hash(&entry.mn_id), id.index)
            .unwrap_or(NIL);
        self.push_front(List::Mn, id.index, mn_head);
        self.slots[id.index as usize].entry = Some(entry);
    }

    fn push_front(&mut self, l: List, index: u32, head: u32) {
        if let Some(h) = self.slots.get_mut(head as usize) {
            h.links(l).prev = index;
        }
        *self.slots[index as usize].links(l) = Links {
            prev: NIL,
            next: head,
        };
    }

    /// Unlink `index` from list `l`; returns the list's new head if `index`
    /// was the head (`Some(NIL)`: the list is now empty).
    fn unlink_from(&mut self, l: List, index: u32) -> Option<u32> {
        let Links { prev, next } =
            core::mem::replace(self.slots[index as usize].links(l), UNLINKED);
        if let Some(n) = self.slots.get_mut(next as usize) {
            n.links(l).prev = prev;
        }
        match self.slots.get_mut(prev as usize) {
            Some(p) => {
                p.links(l).next = next;
                None
            }
            None => Some(next),
        }
    }

    /// Remove `id`'s indexes and take its entry (slot stays allocated).
    fn unlink(&mut self, id: BceId) -> Option<BindingCacheEntry> {
        let entry = {
            let s = self.slots.get_mut(id.index as usize)?;
            if s.reuse != id.reuse {
                return None;
            }
            s.entry.take()?
        };
        for p in &entry.home_network_prefixes {
            // Prefixes are unique across entries (checked on insert and
            // update), so every one of them maps to this entry.
            self.by_prefix.remove(p);
        }
        match self.unlink_from(List::Coa, id.index) {
            Some(NIL) => {
                self.coa_heads.remove(&entry.proxy_coa);
            }
            Some(h) => {
                self.coa_heads.insert(entry.proxy_coa, h);
            }
            None => {}
        }
        match self.unlink_from(List::Mn, id.index) {
            Some(NIL) => {
                self.mn_heads.remove(&mn_hash(&entry.mn_id));
            }
            Some(h) => {
                self.mn_heads.insert(mn_hash(&entry.mn_id), h);
            }
            None => {}
        }
        Some(entry)
    }

    /// Replace an entry's contents (a re-registration, a handover to a new
    /// MAG, a lifetime change); indexes follow. Returns the old contents.
    pub fn update(
        &mut self,
        id: BceId,
        entry: BindingCacheEntry,
    ) -> Result<BindingCacheEntry, CacheError> {
        if self.get(id).is_none() {
            return Err(CacheError::UnknownEntry);
        }
        self.check_prefixes(&entry, Some(id))?;
        let old = self.unlink(id).ok_or(CacheError::UnknownEntry)?;
        self.link(id, entry);
        self.compact_expiry();
        Ok(old)
    }

    /// Extend an entry: new lifetime from `now`, state back to active.
    pub fn refresh(
        &mut self,
        id: BceId,
        lifetime: Duration,
        now: Millis,
    ) -> Result<(), CacheError> {
        let e = self.get_mut(id)?;
        e.lifetime = lifetime;
        e.expires_at = now + lifetime;
        e.accepted_at = now;
        e.state = BceState::Active;
        let at = e.expires_at;
        self.expiry.push(at, id);
        self.compact_expiry();
        Ok(())
    }

    /// Set the state and the deadline (for `PendingDelete`, the time the
    /// entry is deleted).
    pub fn set_state(
        &mut self,
        id: BceId,
        state: BceState,
        expires_at: Millis,
    ) -> Result<(), CacheError> {
        let e = self.get_mut(id)?;
        e.state = state;
        e.expires_at = expires_at;
        self.expiry.push(expires_at, id);
        self.compact_expiry();
        Ok(())
    }

    /// Delete an entry; returns it.
    pub fn remove(&mut self, id: BceId) -> Option<BindingCacheEntry> {
        let e = self.unlink(id)?;
        let s = &mut self.slots[id.index as usize];
        s.reuse = s.reuse.wrapping_add(1);
        self.free.push(id.index);
        self.len -= 1;
        Some(e)
    }

    /// Walk an intrusive list from `head`.
    fn walk(&self, l: List, head: u32) -> impl Iterator<Item = (BceId, &BindingCacheEntry)> + '_ {
        let mut i = head;
        core::iter::from_fn(move || {
            let s = self.slots.get(i as usize)?;
            let id = BceId {
                index: i,
                reuse: s.reuse,
            };
            i = match l {
                List::Coa => s.coa.next,
                List::Mn => s.mn.next,
            };
            // Linked slots always hold an entry.
            s.entry.as_ref().map(|e| (id, e))
        })
    }

    /// Entries of one MN-Identifier (one per interface, §5.4), most recently
    /// linked first.
    pub fn by_mn_id<'a>(&'a self, mn_id: &'a MnIdentifier) -> impl Iterator<Item = BceId> + 'a {
        let head = self.mn_heads.get(&mn_hash(mn_id)).copied().unwrap_or(NIL);
        self.walk(List::Mn, head)
            .filter(move |(_, e)| e.mn_id == *mn_id)
            .map(|(id, _)| id)
    }

    /// RFC 5213 §5.4.1.2 key: MN-ID, access technology type and MN-LL-ID.
    pub fn find(
        &self,
        mn_id: &MnIdentifier,
        att: u8,
        ll_id: Option<&LinkLayerId>,
    ) -> Option<BceId> {
        self.by_mn_id(mn_id).find(|&id| {
            self.get(id).is_some_and(|e| {
                e.access_technology_type == att && e.mn_link_layer_id.as_ref() == ll_id
            })
        })
    }

    /// Entry that owns exactly this home network prefix.
    pub fn by_prefix(&self, prefix: &Prefix) -> Option<BceId> {
        self.by_prefix.get(prefix).copied()
    }

    /// Every entry whose Proxy-CoA is `coa` (a MAG that restarted).
    pub fn by_proxy_coa(&self, coa: &[u8; 16]) -> impl Iterator<Item = BceId> + '_ {
        let head = self.coa_heads.get(coa).copied().unwrap_or(NIL);
        self.walk(List::Coa, head).map(|(id, _)| id)
    }

    /// All entries.
    pub fn iter(&self) -> impl Iterator<Item = (BceId, &BindingCacheEntry)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            let e = s.entry.as_ref()?;
            Some((
                BceId {
                    index: i as u32,
                    reuse: s.reuse,
                },
                e,
            ))
        })
    }

    /// Earliest deadline, for the slowpath's `poll_timeout` (may be a
    /// deadline that was since moved; waking for it is harmless).
    pub fn next_expiry(&self) -> Option<Millis> {
        self.expiry.peek()
    }

    /// Remove and return every entry whose deadline is `<= now` (in deadline
    /// order up to the 64 ms bucket granularity of the expiry queue).
    pub fn expire(&mut self, now: Millis) -> Vec<(BceId, BindingCacheEntry)> {
        let mut due = Vec::new();
        self.expiry.drain_due(now, &mut due);
        let mut out = Vec::new();
        for (t, id) in due {
            if self.get(id).is_some_and(|e| e.expires_at == t) {
                if let Some(e) = self.remove(id) {
                    out.push((id, e));
                }
            }
        }
        out
    }

    fn compact_expiry(&mut self) {
        let slots = &self.slots;
        self.expiry.maybe_compact(self.len, || {
            slots
                .iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    let e = s.entry.as_ref()?;
                    Some((
                        e.expires_at,
                        BceId {
                            index: i as u32,
                            reuse: s.reuse,
                        },
                    ))
                })
                .collect()
        });
    }

    /// Bytes per entry, allocator-independent: slab capacity × slot size,
    /// hash maps as capacity × (key + value + 1 control byte), the expiry
    /// queue's items, and each entry's own heap parts (MN-ID, LL-ID, prefix
    /// list capacity), divided by the number of entries. `None` when empty.
    pub fn bytes_per_entry(&self) -> Option<f64> {
        use core::mem::size_of;
        if self.len == 0 {
            return None;
        }
        let map = |cap: usize, kv: usize| cap * (kv + 1);
        let mut b = self.slots.capacity() * size_of::<Slot>()
            + self.free.capacity() * size_of::<u32>()
            + map(self.mn_heads.capacity(), size_of::<(u64, u32)>())
            + map(self.by_prefix.capacity(), size_of::<(Prefix, BceId)>())
            + map(self.coa_heads.capacity(), size_of::<([u8; 16], u32)>())
            + self.expiry.len() * size_of::<(Millis, BceId)>();
        for (_, e) in self.iter() {
            b += e.mn_id.0.len()
                + e.mn_link_layer_id.as_ref().map_or(0, |l| l.0.len())
                + e.home_network_prefixes.capacity() * size_of::<Prefix>();
        }
        Some(b as f64 / self.len as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pfx(i: u16) -> Prefix {
        let mut a = [0u8; 16];
        a[0] = 0x20;
        a[1] = 0x01;
        a[6..8].copy_from_slice(&i.to_be_bytes());
        Prefix::new(a, 64).unwrap()
    }
    fn mag(i: u8) -> [u8; 16] {
        let mut a = [0u8; 16];
        a[0] = 0xfd;
        a[15] = i;
        a
    }
    fn bce(mn: &str, p: &[u16], m: u8, now: u64) -> BindingCacheEntry {
        BindingCacheEntry::new(
            MnIdentifier::new(mn.as_bytes()),
            p.iter().map(|&i| pfx(i)).collect(),
            mag(m),
            PeerId(u32::from(m)),
            Duration::from_secs(10),
            Millis(now),
        )
    }

    #[test]
    fn lookups_by_mn_prefix_and_coa() {
        let mut c = BindingCache::new();
        let mut e1 = bce("mn1@x", &[1, 2], 1, 0);
        e1.access_technology_type = 4;
        e1.mn_link_layer_id = Some(LinkLayerId::new(&[1, 2, 3, 4, 5, 6]));
        let a = c.insert(e1).unwrap();
        let b = c.insert(bce("mn2@x", &[3], 1, 0)).unwrap();
        let d = c.insert(bce("mn1@x", &[4], 2, 0)).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c.by_prefix(&pfx(2)), Some(a));
        assert_eq!(
            c.by_mn_id(&MnIdentifier::new(b"mn1@x")).collect::<Vec<_>>(),
            vec![d, a]
        );
        let ll = LinkLayerId::new(&[1, 2, 3, 4, 5, 6]);
        assert_eq!(c.find(&MnIdentifier::new(b"mn1@x"), 4, Some(&ll)), Some(a));
        assert_eq!(c.find(&MnIdentifier::new(b"mn1@x"), 3, Some(&ll)), None);
        assert_eq!(c.find(&MnIdentifier::new(b"mn1@x"), 0, None), Some(d));
        let mut on1: Vec<_> = c.by_proxy_coa(&mag(1)).collect();
        on1.sort();
        assert_eq!(on1, vec![a, b]);
        // Another MN's prefix is refused (RFC 5213 §5.4.1.1 → status 155).
        assert!(matches!(
            c.insert(bce("mn3@x", &[3], 1, 0)),
            Err(CacheError::PrefixInUse { owner, .. }) if owner == b
        ));
        // Handover of `a` to MAG 2 moves it between Proxy-CoA lists.
        let mut e = c.get(a).unwrap().clone();
        e.proxy_coa = mag(2);
        e.tunnel = PeerId(2);
        c.update(a, e).unwrap();
        assert_eq!(c.by_proxy_coa(&mag(1)).collect::<Vec<_>>(), vec![b]);
        assert_eq!(c.by_proxy_coa(&mag(2)).count(), 2);
        assert_eq!(
            c.remove(b).map(|e| e.mn_id),
            Some(MnIdentifier::new(b"mn2@x"))
        );
        assert_eq!(c.by_proxy_coa(&mag(1)).count(), 0);
        assert_eq!(c.get(b), None);
        // The slot is reused, but the old id stays dead.
        let b2 = c.insert(bce("mn2@x", &[3], 1, 0)).unwrap();
        assert_ne!(b, b2);
        assert_eq!(c.get(b), None);
        assert!(c.get(b2).is_some());
    }

    #[test]
    fn expiry_respects_refresh_and_pending_delete() {
        let mut c = BindingCache::new();
        let a = c.insert(bce("a", &[1], 1, 0)).unwrap();
        let b = c.insert(bce("b", &[2], 1, 0)).unwrap();
        c.refresh(a, Duration::from_secs(20), Millis(5_000))
            .unwrap();
        assert_eq!(c.next_expiry(), Some(Millis(10_000)));
        let gone = c.expire(Millis(10_000));
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].0, b);
        c.set_state(a, BceState::PendingDelete, Millis(12_000))
            .unwrap();
        assert_eq!(c.get(a).unwrap().state, BceState::PendingDelete);
        assert_eq!(c.expire(Millis(12_000)).len(), 1);
        assert!(c.is_empty());
        assert_eq!(
            c.refresh(a, Duration::ZERO, Millis(0)),
            Err(CacheError::UnknownEntry)
        );
    }

    #[test]
    fn install_updates_follow_encapsulation() {
        let mut e = bce("a", &[1, 2], 3, 0);
        e.encapsulation = Encapsulation::Gre {
            uplink_key: Some(1),
            downlink_key: Some(2),
        };
        let u: Vec<_> = e.install_updates().collect();
        assert_eq!(u.len(), 2);
        assert_eq!(
            u[0],
            TableUpdate::SetPrefix {
                prefix: pfx(1),
                action: FwdAction::Encap {
                    peer: PeerId(3),
                    tunnel: TunnelKind::Gre { key: Some(2) }
                }
            }
        );
        assert_eq!(
            e.remove_updates().collect::<Vec<_>>(),
            vec![
                TableUpdate::RemovePrefix { prefix: pfx(1) },
                TableUpdate::RemovePrefix { prefix: pfx(2) }
            ]
        );
    }
}
