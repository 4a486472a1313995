//! Signaling counters kept inside the engines and read by the shell, which
//! exports them as `mobgw_signaling_messages_total{type,direction,status}`.

use crate::wire::{field, BindingAckFlags, BindingUpdateFlags, MhRepr, MhType};

/// Direction of a counted message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Received by the engine.
    Rx,
    /// Queued for sending by the engine.
    Tx,
}

/// Message kinds the counters distinguish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// Proxy Binding Update (BU with P = 1).
    ProxyBindingUpdate,
    /// Proxy Binding Acknowledgement (BA with P = 1).
    ProxyBindingAck,
    /// Binding Update with P = 0 (MIPv6; not for the PMIPv6 engines).
    BindingUpdate,
    /// Binding Acknowledgement with P = 0.
    BindingAck,
    /// Anything else.
    Other,
}

impl MessageKind {
    const ALL: [MessageKind; 5] = [
        MessageKind::ProxyBindingUpdate,
        MessageKind::ProxyBindingAck,
        MessageKind::BindingUpdate,
        MessageKind::BindingAck,
        MessageKind::Other,
    ];

    /// The Prometheus label value.
    pub fn label(self) -> &'static str {
        match self {
            MessageKind::ProxyBindingUpdate => "pbu",
            MessageKind::ProxyBindingAck => "pba",
            MessageKind::BindingUpdate => "bu",
            MessageKind::BindingAck => "ba",
            MessageKind::Other => "other",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Classify a message.
    pub fn of(msg: &MhRepr) -> MessageKind {
        match msg {
            MhRepr::BindingUpdate(bu) if bu.flags.proxy => MessageKind::ProxyBindingUpdate,
            MhRepr::BindingUpdate(_) => MessageKind::BindingUpdate,
            MhRepr::BindingAck(ba) if ba.flags.proxy => MessageKind::ProxyBindingAck,
            MhRepr::BindingAck(_) => MessageKind::BindingAck,
            _ => MessageKind::Other,
        }
    }

    /// Classify a message in wire form (a whole MH, as [`MhRepr::parse`] checks it).
    pub fn of_wire(mh: &[u8]) -> MessageKind {
        let byte = |i: usize| mh.get(i).copied().unwrap_or(0);
        match MhType::from(byte(field::MH_TYPE)) {
            // The P flag: in the BU's 16-bit flags word at 8, in the BA's flags octet at 7.
            MhType::BindingUpdate if (u16::from(byte(8)) << 8) & BindingUpdateFlags::P != 0 => {
                MessageKind::ProxyBindingUpdate
            }
            MhType::BindingUpdate => MessageKind::BindingUpdate,
            MhType::BindingAck if byte(7) & BindingAckFlags::P != 0 => MessageKind::ProxyBindingAck,
            MhType::BindingAck => MessageKind::BindingAck,
            _ => MessageKind::Other,
        }
    }

    /// [`MessageKind::status_of`] for a message in wire form.
    pub fn status_of_wire(mh: &[u8]) -> u8 {
        match MhType::from(mh.get(field::MH_TYPE).copied().unwrap_or(0)) {
            MhType::BindingAck => mh.get(field::MESSAGE_DATA).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// The status a message is counted under (BA status; 0 otherwise).
    pub fn status_of(msg: &MhRepr) -> u8 {
        match msg {
            MhRepr::BindingAck(ba) => ba.status,
            _ => 0,
        }
    }
}

/// Why an engine dropped a received message without answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Not a message this engine handles (e.g. a BU with P = 0 at the LMA).
    NotForThisRole,
    /// De-registration for a session owned by another Proxy-CoA (RFC 5213 §5.3.5 step 1).
    DeregistrationFromOtherMag,
    /// De-registration matching no session (§5.4.1.1 step 6 and siblings).
    DeregistrationNoSession,
    /// A PBA matching no outstanding PBU (§6.9.1.2 step 5).
    UnmatchedAck,
    /// A PBA whose echoed options differ from the PBU (§6.9.1.2 step 6).
    MismatchedAck,
}

impl DropReason {
    const ALL: [DropReason; 5] = [
        DropReason::NotForThisRole,
        DropReason::DeregistrationFromOtherMag,
        DropReason::DeregistrationNoSession,
        DropReason::UnmatchedAck,
        DropReason::MismatchedAck,
    ];

    /// The Prometheus label value.
    pub fn label(self) -> &'static str {
        match self {
            DropReason::NotForThisRole => "not_for_role",
            DropReason::DeregistrationFromOtherMag => "dereg_other_mag",
            DropReason::DeregistrationNoSession => "dereg_no_session",
            DropReason::UnmatchedAck => "unmatched_ack",
            DropReason::MismatchedAck => "mismatched_ack",
        }
    }
}

const KINDS: usize = MessageKind::ALL.len();
const DROPS: usize = DropReason::ALL.len();

/// One counter row, as the exporter wants it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterRow {
    /// Message kind.
    pub kind: MessageKind,
    /// Direction.
    pub direction: Direction,
    /// Status (BA status; 0 for other kinds).
    pub status: u8,
    /// Count.
    pub count: u64,
}

/// Flat counters: plain integers, written only by the engine's own thread.
#[derive(Clone)]
pub struct SignalingCounters {
    rx: Box<[[u64; 256]; KINDS]>,
    tx: Box<[[u64; 256]; KINDS]>,
    drops: [u64; DROPS],
}

impl core::fmt::Debug for SignalingCounters {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignalingCounters")
            .field("rows", &self.rows().len())
            .field("drops", &self.drops)
            .finish()
    }
}

impl Default for SignalingCounters {
    fn default() -> Self {
        SignalingCounters {
            rx: Box::new([[0; 256]; KINDS]),
            tx: Box::new([[0; 256]; KINDS]),
            drops: [0; DROPS],
        }
    }
}

impl SignalingCounters {
    /// Count one message.
    pub fn count(&mut self, direction: Direction, msg: &MhRepr) {
        self.count_kind(direction, MessageKind::of(msg), MessageKind::status_of(msg));
    }

    /// Count one message in wire form.
    pub fn count_wire(&mut self, direction: Direction, mh: &[u8]) {
        self.count_kind(
            direction,
            MessageKind::of_wire(mh),
            MessageKind::status_of_wire(mh),
        );
    }

    /// Count one message of `kind` with `status` (BA status; 0 otherwise).
    pub fn count_kind(&mut self, direction: Direction, kind: MessageKind, status: u8) {
        let table = match direction {
            Direction::Rx => &mut self.rx,
            Direction::Tx => &mut self.tx,
        };
        table[kind.index()][usize::from(status)] += 1;
    }

    /// Count one dropped message.
    pub fn count_drop(&mut self, reason: DropReason) {
        self.drops[reason as usize] += 1;
    }

    /// The value of one counter.
    pub fn get(&self, kind: MessageKind, direction: Direction, status: u8) -> u64 {
        let table = match direction {
            Direction::Rx => &self.rx,
            Direction::Tx => &self.tx,
        };
        table[kind.index()][usize::from(status)]
    }

    /// Drops for one reason.
    pub fn drops(&self, reason: DropReason) -> u64 {
        self.drops[reason as usize]
    }

    /// Every non-zero counter.
    pub fn rows(&self) -> Vec<CounterRow> {
        let mut out = Vec::new();
        for (direction, table) in [(Direction::Rx, &self.rx), (Direction::Tx, &self.tx)] {
            for kind in MessageKind::ALL {
                for (status, &count) in table[kind.index()].iter().enumerate() {
                    if count != 0 {
                        out.push(CounterRow {
                            kind,
                            direction,
                            status: u8::try_from(status).unwrap_or(u8::MAX),
                            count,
                        });
                    }
                }
            }
        }
        out
    }

    /// Every drop reason with its count.
    pub fn drop_rows(&self) -> Vec<(DropReason, u64)> {
        DropReason::ALL
            .iter()
            .map(|&r| (r, self.drops[r as usize]))
            .collect()
    }
}
