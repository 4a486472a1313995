//! The LMA's Binding Cache (RFC 5213 §5.1) with the indices the §5.4.1 lookup
//! needs: by home network prefix, and by MN-ID (one entry per attached
//! interface, §5.4). The per-MN record also holds the last accepted Timestamp
//! and Sequence # (§5.5), which step 9 needs before any entry is selected.

use std::net::Ipv6Addr;
use std::time::Duration;

use hashbrown::HashMap;
use ipnet::Ipv6Net;

use crate::action::{SessionId, TunnelKind};
use crate::timers::{DeadlineQueue, Time};
use crate::wire::{AccessTechnologyType, HandoffIndicator, Timestamp};

/// Life-cycle state of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingState {
    /// Registered; traffic flows.
    Active,
    /// De-registered; deleted at `delete_at` unless re-registered
    /// (MinDelayBeforeBCEDelete, §5.3.5).
    Deregistered {
        /// When the entry is deleted.
        delete_at: Time,
    },
}

/// One Binding Cache entry (RFC 5213 §5.1).
#[derive(Clone, Debug)]
pub struct BindingCacheEntry {
    /// Session handle.
    pub id: SessionId,
    /// Mobile node identifier (MN-ID option).
    pub mn_id: Box<[u8]>,
    /// Link-layer identifier; `None` = ALL_ZERO.
    pub link_layer_id: Option<Box<[u8]>>,
    /// Access technology type.
    pub access_technology: AccessTechnologyType,
    /// Home network prefixes of this session.
    pub hnps: Vec<Ipv6Net>,
    /// Proxy-CoA (the MAG).
    pub proxy_coa: Ipv6Addr,
    /// Link-local address of the MAG on the MN's link, if known.
    pub link_local: Option<Ipv6Addr>,
    /// Tunnel to the MAG.
    pub tunnel: TunnelKind,
    /// Granted lifetime.
    pub lifetime: Duration,
    /// When the binding expires (monotonic).
    pub expires: Time,
    /// Time of day at the LMA when the last PBU was accepted (§5.1; not the PBU's TS).
    pub registered_at: Timestamp,
    /// Handoff indicator of the last accepted PBU.
    pub last_handoff_indicator: HandoffIndicator,
    /// State.
    pub state: BindingState,
    /// Deadline of the expiry timer entry that is live in the queue
    /// (`Time(u64::MAX)` if none).
    pub(crate) expiry_scheduled: Time,
}

/// Per-MN bookkeeping.
#[derive(Clone, Debug, Default)]
pub(crate) struct MnRecord {
    pub(crate) sessions: Vec<SessionId>,
    pub(crate) last_timestamp: Option<Timestamp>,
    pub(crate) last_sequence: Option<u16>,
}

/// What a timer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TimerKey {
    Expiry(SessionId),
    Delete(SessionId),
}

const UNSCHEDULED: Time = Time(u64::MAX);

/// One slab slot; the generation makes stale [`SessionId`]s miss.
#[derive(Debug, Default)]
struct Slot {
    generation: u32,
    entry: Option<BindingCacheEntry>,
}

/// Entries live in a slab indexed by the low half of the [`SessionId`]
/// (high half = generation), so a lookup by id is one array access.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    slots: Vec<Slot>,
    free: Vec<u32>,
    reserved: Option<SessionId>,
    count: usize,
    by_prefix: HashMap<Ipv6Net, SessionId>,
    by_mn: HashMap<Box<[u8]>, MnRecord>,
    timers: DeadlineQueue<TimerKey>,
}

fn split(id: SessionId) -> (usize, u32) {
    ((id.0 & 0xffff_ffff) as usize, (id.0 >> 32) as u32)
}

impl Cache {
    pub(crate) fn with_capacity(n: usize) -> Cache {
        Cache {
            slots: Vec::with_capacity(n),
            by_prefix: HashMap::with_capacity(n),
            by_mn: HashMap::with_capacity(n),
            ..Cache::default()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The id the next [`Cache::insert`] will use.
    pub(crate) fn next_id(&mut self) -> SessionId {
        if let Some(id) = self.reserved {
            return id;
        }
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot::default());
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let generation = self
            .slots
            .get(index as usize)
            .map_or(1, |s| s.generation.wrapping_add(1));
        let id = SessionId((u64::from(generation) << 32) | u64::from(index));
        self.reserved = Some(id);
        id
    }

    pub(crate) fn get(&self, id: SessionId) -> Option<&BindingCacheEntry> {
        let (i, g) = split(id);
        self.slots
            .get(i)
            .filter(|s| s.generation == g)
            .and_then(|s| s.entry.as_ref())
    }

    pub(crate) fn get_mut(&mut self, id: SessionId) -> Option<&mut BindingCacheEntry> {
        let (i, g) = split(id);
        self.slots
            .get_mut(i)
            .filter(|s| s.generation == g)
            .and_then(|s| s.entry.as_mut())
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &BindingCacheEntry> {
        self.slots.iter().filter_map(|s| s.entry.as_ref())
    }

    pub(crate) fn by_prefix(&self, p: &Ipv6Net) -> Option<SessionId> {
        self.by_prefix.get(p).copied()
    }

    pub(crate) fn mn_record(&self, mn_id: &[u8]) -> Option<&MnRecord> {
        self.by_mn.get(mn_id)
    }

    pub(crate) fn mn_record_mut(&mut self, mn_id: &[u8]) -> Option<&mut MnRecord> {
        self.by_mn.get_mut(mn_id)
    }

    pub(crate) fn session_ids_of(&self, mn_id: &[u8]) -> &[SessionId] {
        self.by_mn.get(mn_id).map_or(&[], |r| r.sessions.as_slice())
    }

    pub(crate) fn sessions_of(&self, mn_id: &[u8]) -> Vec<&BindingCacheEntry> {
        self.session_ids_of(mn_id)
            .iter()
            .filter_map(|id| self.get(*id))
            .collect()
    }

    /// Insert a new entry (its id from [`Cache::next_id`]), index it and arm
    /// its expiry timer.
    pub(crate) fn insert(&mut self, mut entry: BindingCacheEntry) {
        let id = entry.id;
        let (i, g) = split(id);
        if self.reserved == Some(id) {
            self.reserved = None;
        }
        let Some(slot) = self.slots.get_mut(i) else {
            return;
        };
        if slot.entry.is_some() {
            return;
        }
        for p in &entry.hnps {
            self.by_prefix.insert(*p, id);
        }
        match self.by_mn.get_mut(&entry.mn_id) {
            Some(rec) => rec.sessions.push(id),
            None => {
                self.by_mn.insert(
                    entry.mn_id.clone(),
                    MnRecord {
                        sessions: vec![id],
                        ..MnRecord::default()
                    },
                );
            }
        }
        entry.expiry_scheduled = entry.expires;
        self.timers.push(entry.expires, TimerKey::Expiry(id));
        slot.generation = g;
        slot.entry = Some(entry);
        self.count += 1;
    }

    /// Remove an entry and its index entries.
    pub(crate) fn remove(&mut self, id: SessionId) -> Option<BindingCacheEntry> {
        let (i, g) = split(id);
        let slot = self.slots.get_mut(i).filter(|s| s.generation == g)?;
        let entry = slot.entry.take()?;
        self.count -= 1;
        self.free.push(u32::try_from(i).unwrap_or(u32::MAX));
        for p in &entry.hnps {
            if self.by_prefix.get(p) == Some(&id) {
                self.by_prefix.remove(p);
            }
        }
        let empty = match self.by_mn.get_mut(&entry.mn_id) {
            Some(rec) => {
                rec.sessions.retain(|s| *s != id);
                rec.sessions.is_empty()
            }
            None => false,
        };
        if empty {
            self.by_mn.remove(&entry.mn_id);
        }
        Some(entry)
    }

    /// Arm the expiry timer at `at`.
    pub(crate) fn schedule_expiry(&mut self, id: SessionId, at: Time) {
        if let Some(e) = self.get_mut(id) {
            e.expiry_scheduled = at;
            self.timers.push(at, TimerKey::Expiry(id));
        }
    }

    /// Make sure an expiry timer fires no later than `at`. A later live timer
    /// re-arms itself on firing, so refreshes cost no queue operation.
    pub(crate) fn ensure_expiry_timer(&mut self, id: SessionId, at: Time) {
        let needs = self.get(id).is_some_and(|e| at < e.expiry_scheduled);
        if needs {
            self.schedule_expiry(id, at);
        }
    }

    /// Mark the live expiry timer entry `at` as consumed; false if it was stale.
    pub(crate) fn consume_expiry(&mut self, id: SessionId, at: Time) -> bool {
        match self.get_mut(id) {
            Some(e) if e.expiry_scheduled == at => {
                e.expiry_scheduled = UNSCHEDULED;
                true
            }
            _ => false,
        }
    }

    pub(crate) fn schedule_delete(&mut self, id: SessionId, at: Time) {
        self.timers.push(at, TimerKey::Delete(id));
    }

    pub(crate) fn next_deadline(&self) -> Option<Time> {
        self.timers.peek()
    }

    #[cfg(test)]
    pub(crate) fn timers_len(&self) -> usize {
        self.timers.len()
    }

    pub(crate) fn pop_due(&mut self, now: Time) -> Option<(Time, TimerKey)> {
        self.timers.pop_due(now)
    }
}
