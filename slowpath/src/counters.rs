//! Signaling counters kept inside the engines and read by the shell, which
//! exports them as `mobgw_signaling_messages_total{type,direction,status}`.

use crate::wire::MhRepr;

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
        let kind = MessageKind::of(msg).index();
        let status = usize::from(MessageKind::status_of(msg));
        let table = match direction {
            Direction::Rx => &mut self.rx,
            Direction::Tx => &mut self.tx,
        };
        table[kind][status] += 1;
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
