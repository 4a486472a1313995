//! The Mobility Header common part (RFC 6275 §6.1.1) and the message-level [`MhRepr`].
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Payload Proto |  Header Len   |   MH Type     |   Reserved    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           Checksum            |                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
//! .                         Message Data                          .
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! Header Len counts 8-octet units excluding the first 8: total = (Header Len + 1) × 8.

use std::net::Ipv6Addr;

use super::checksum::{mh_checksum, pseudo_sum};
use smallvec::SmallVec;

use super::messages::{
    brr_body_len, emit_ba_fixed, emit_brr, parse_brr, AccessTechnologyType, BindingAck,
    BindingAckFlags, BindingError, BindingRevocation, BindingUpdate, HandoffIndicator, Heartbeat,
    LocalizedRoutingAck, LocalizedRoutingInitiation, Timestamp,
};
use super::options::{
    alignment_of, capped, emit_link_layer_identifier, emit_mn_identifier, emit_padding, Alignment,
    MobilityOption, OptionType,
};
use super::{Error, Result};

/// IPv6 Next Header value of the Mobility Header (RFC 6275 §14).
pub const IPPROTO_MH: u8 = 135;
/// Payload Proto value every MH must carry (RFC 6275 §6.1.1).
pub const IPPROTO_NONE: u8 = 59;

/// Field offsets of the common part.
pub mod field {
    use std::ops::Range;
    pub const PAYLOAD_PROTO: usize = 0;
    pub const HEADER_LEN: usize = 1;
    pub const MH_TYPE: usize = 2;
    pub const RESERVED: usize = 3;
    pub const CHECKSUM: Range<usize> = 4..6;
    pub const MESSAGE_DATA: usize = 6;
    /// The smallest possible MH (Header Len 0).
    pub const MIN_LEN: usize = 8;
    /// The largest possible MH (Header Len 255).
    pub const MAX_LEN: usize = 256 * 8;
}

macro_rules! mh_types {
    ($($(#[$doc:meta])* $name:ident = $value:expr,)*) => {
        /// Mobility Header Type (IANA registry; pmip-wire.md §1.3).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MhType {
            $($(#[$doc])* $name,)*
            Unknown(u8),
        }

        impl From<u8> for MhType {
            fn from(v: u8) -> Self {
                match v {
                    $($value => MhType::$name,)*
                    other => MhType::Unknown(other),
                }
            }
        }

        impl From<MhType> for u8 {
            fn from(t: MhType) -> u8 {
                match t {
                    $(MhType::$name => $value,)*
                    MhType::Unknown(other) => other,
                }
            }
        }
    };
}

mh_types! {
    BindingRefreshRequest = 0,
    HomeTestInit = 1,
    CareOfTestInit = 2,
    HomeTest = 3,
    CareOfTest = 4,
    /// Binding Update; with P = 1 a Proxy Binding Update (RFC 5213 §8.1).
    BindingUpdate = 5,
    /// Binding Acknowledgement; with P = 1 a Proxy Binding Acknowledgement (RFC 5213 §8.2).
    BindingAck = 6,
    BindingError = 7,
    FastBindingUpdate = 8,
    FastBindingAck = 9,
    FastNeighborAdvertisement = 10,
    /// RFC 5096 §3.
    Experimental = 11,
    HomeAgentSwitch = 12,
    /// RFC 5847 §3.3.
    Heartbeat = 13,
    HandoverInitiate = 14,
    HandoverAcknowledge = 15,
    /// BRI and BRA, RFC 5846 §5.
    BindingRevocation = 16,
    /// RFC 6705 §10.1.
    LocalizedRoutingInitiation = 17,
    /// RFC 6705 §10.2.
    LocalizedRoutingAck = 18,
}

impl MhType {
    /// Smallest Header Len for the type (RFC 6275 §9.2; pmip-wire.md §1.3 "Min Header Len").
    /// Types without a fixed part known here have no minimum beyond the 8-octet MH.
    pub fn min_header_len(self) -> u8 {
        match u8::from(self) {
            1 | 2 | 5 | 6 | 8 | 9 | 13 | 16 | 17 | 18 => 1,
            3 | 4 | 7 => 2,
            _ => 0,
        }
    }
}

/// How the checksum is handled. Parsing honours `Verify`/`Compute` by verifying and
/// `Ignore`/`Zero` by skipping the check; emitting computes for `Compute`/`Verify` and
/// writes zero for `Zero`/`Ignore` (the RFC 5844 §4.1.3 IPv4/UDP transport, and Linux
/// raw IPPROTO_MH sockets, where the kernel fills the checksum in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumMode {
    Verify,
    Ignore,
    Compute,
    Zero,
}

impl ChecksumMode {
    fn is_checked(self) -> bool {
        matches!(self, ChecksumMode::Verify | ChecksumMode::Compute)
    }
}

/// A read/write wrapper around a Mobility Header buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MobilityHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> MobilityHeader<T> {
    /// Wraps a buffer without checks; accessors on a too-short buffer panic, so use
    /// [`new_checked`](Self::new_checked) on input.
    pub const fn new_unchecked(buffer: T) -> Self {
        MobilityHeader { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len). Octets beyond the length
    /// Header Len declares are ignored (Payload Proto 59: nothing follows).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let pkt = Self::new_unchecked(buffer);
        pkt.check_len()?;
        Ok(pkt)
    }

    /// Like [`new_checked`](Self::new_checked), but the buffer must be exactly one MH
    /// (for example an IPv6 payload with nothing after the MH).
    pub fn new_checked_exact(buffer: T) -> Result<Self> {
        let len = buffer.as_ref().len();
        if len % 8 != 0 {
            return Err(Error::NotMultipleOf8(len));
        }
        let pkt = Self::new_checked(buffer)?;
        if pkt.total_len() != len {
            return Err(Error::BadHeaderLen {
                header_len: pkt.header_len(),
                claimed: pkt.total_len(),
                available: len,
            });
        }
        Ok(pkt)
    }

    /// Ensures the fixed 8 octets and everything Header Len claims are present.
    pub fn check_len(&self) -> Result<()> {
        let available = self.buffer.as_ref().len();
        if available < field::MIN_LEN {
            return Err(Error::Truncated);
        }
        let claimed = self.total_len();
        if claimed > available {
            return Err(Error::BadHeaderLen {
                header_len: self.header_len(),
                claimed,
                available,
            });
        }
        Ok(())
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    pub fn payload_proto(&self) -> u8 {
        self.buffer.as_ref()[field::PAYLOAD_PROTO]
    }

    pub fn header_len(&self) -> u8 {
        self.buffer.as_ref()[field::HEADER_LEN]
    }

    /// Total MH length in octets, (Header Len + 1) × 8.
    pub fn total_len(&self) -> usize {
        (usize::from(self.header_len()) + 1) * 8
    }

    pub fn mh_type(&self) -> MhType {
        MhType::from(self.buffer.as_ref()[field::MH_TYPE])
    }

    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::RESERVED]
    }

    pub fn checksum(&self) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[field::CHECKSUM.start], b[field::CHECKSUM.start + 1]])
    }

    /// The whole MH as Header Len declares it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buffer.as_ref()[..self.total_len()]
    }

    /// Everything after the Checksum field, up to the declared end.
    pub fn message_data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::MESSAGE_DATA..self.total_len()]
    }

    /// The checks every received MH passes before its body is read, in order: length,
    /// checksum (if `mode` verifies), Payload Proto, the per-type minimum Header Len.
    /// Returns the MH Type.
    pub fn check(&self, src: &Ipv6Addr, dst: &Ipv6Addr, mode: ChecksumMode) -> Result<MhType> {
        self.check_len()?;
        if mode.is_checked() && !self.verify_checksum(src, dst) {
            return Err(Error::Checksum);
        }
        if self.payload_proto() != IPPROTO_NONE {
            return Err(Error::BadPayloadProto(self.payload_proto()));
        }
        let mh_type = self.mh_type();
        let min_header_len = mh_type.min_header_len();
        if self.header_len() < min_header_len {
            return Err(Error::TooShortForType {
                mh_type: u8::from(mh_type),
                header_len: self.header_len(),
                min_header_len,
            });
        }
        Ok(mh_type)
    }

    /// Verifies the checksum by summing pseudo-header and MH including the Checksum field;
    /// accepts a fold to 0xFFFF, which takes both encodings of zero (pmip-wire.md §1.2).
    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        pseudo_sum(src, dst, self.as_bytes()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> MobilityHeader<T> {
    pub fn set_payload_proto(&mut self, v: u8) {
        self.buffer.as_mut()[field::PAYLOAD_PROTO] = v;
    }

    pub fn set_header_len(&mut self, v: u8) {
        self.buffer.as_mut()[field::HEADER_LEN] = v;
    }

    pub fn set_mh_type(&mut self, v: MhType) {
        self.buffer.as_mut()[field::MH_TYPE] = u8::from(v);
    }

    pub fn set_reserved(&mut self, v: u8) {
        self.buffer.as_mut()[field::RESERVED] = v;
    }

    pub fn set_checksum(&mut self, v: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }

    pub fn message_data_mut(&mut self) -> &mut [u8] {
        let end = self.total_len();
        &mut self.buffer.as_mut()[field::MESSAGE_DATA..end]
    }

    /// Computes and writes the checksum over the declared MH length.
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        self.set_checksum(0);
        let sum = mh_checksum(src, dst, self.as_bytes());
        self.set_checksum(sum);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for MobilityHeader<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A high-level representation of a Mobility Header message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MhRepr {
    BindingRefreshRequest {
        options: Vec<MobilityOption>,
    },
    /// P flag set ⇒ a Proxy Binding Update.
    BindingUpdate(BindingUpdate),
    /// P flag set ⇒ a Proxy Binding Acknowledgement.
    BindingAck(BindingAck),
    BindingError(BindingError),
    Heartbeat(Heartbeat),
    /// BRI or BRA (type 16).
    BindingRevocation(BindingRevocation),
    LocalizedRoutingInitiation(LocalizedRoutingInitiation),
    LocalizedRoutingAck(LocalizedRoutingAck),
    /// Type 11 (RFC 5096): the Message Data after the Checksum, opaque. On parse this is
    /// everything up to the declared end (padding included, the sender's business); on
    /// emit zero octets are appended up to a multiple of 8.
    Experimental {
        data: Vec<u8>,
    },
    /// Any other type, Message Data as for `Experimental`. RFC 6275 §9.2: the receiver
    /// answers with Binding Error status 2.
    Unknown {
        mh_type: u8,
        data: Vec<u8>,
    },
}

impl MhRepr {
    /// Parses and validates a Mobility Header: [`MobilityHeader::check`], then the body.
    pub fn parse<T: AsRef<[u8]>>(
        pkt: &MobilityHeader<T>,
        src: &Ipv6Addr,
        dst: &Ipv6Addr,
        mode: ChecksumMode,
    ) -> Result<MhRepr> {
        let mh_type = pkt.check(src, dst, mode)?;
        let mh = pkt.as_bytes();
        Ok(match mh_type {
            MhType::BindingRefreshRequest => MhRepr::BindingRefreshRequest {
                options: parse_brr(mh)?,
            },
            MhType::BindingUpdate => MhRepr::BindingUpdate(BindingUpdate::parse_body(mh)?),
            MhType::BindingAck => MhRepr::BindingAck(BindingAck::parse_body(mh)?),
            MhType::BindingError => MhRepr::BindingError(BindingError::parse_body(mh)?),
            MhType::Heartbeat => MhRepr::Heartbeat(Heartbeat::parse_body(mh)?),
            MhType::BindingRevocation => {
                MhRepr::BindingRevocation(BindingRevocation::parse_body(mh)?)
            }
            MhType::LocalizedRoutingInitiation => {
                MhRepr::LocalizedRoutingInitiation(LocalizedRoutingInitiation::parse_body(mh)?)
            }
            MhType::LocalizedRoutingAck => {
                MhRepr::LocalizedRoutingAck(LocalizedRoutingAck::parse_body(mh)?)
            }
            MhType::Experimental => MhRepr::Experimental {
                data: pkt.message_data().to_vec(),
            },
            other => MhRepr::Unknown {
                mh_type: u8::from(other),
                data: pkt.message_data().to_vec(),
            },
        })
    }

    /// The MH Type this representation is emitted with.
    pub fn mh_type(&self) -> MhType {
        match self {
            MhRepr::BindingRefreshRequest { .. } => MhType::BindingRefreshRequest,
            MhRepr::BindingUpdate(_) => MhType::BindingUpdate,
            MhRepr::BindingAck(_) => MhType::BindingAck,
            MhRepr::BindingError(_) => MhType::BindingError,
            MhRepr::Heartbeat(_) => MhType::Heartbeat,
            MhRepr::BindingRevocation(_) => MhType::BindingRevocation,
            MhRepr::LocalizedRoutingInitiation(_) => MhType::LocalizedRoutingInitiation,
            MhRepr::LocalizedRoutingAck(_) => MhType::LocalizedRoutingAck,
            MhRepr::Experimental { .. } => MhType::Experimental,
            MhRepr::Unknown { mh_type, .. } => MhType::from(*mh_type),
        }
    }

    /// The options of the message, if it has an options area.
    pub fn options(&self) -> Option<&[MobilityOption]> {
        match self {
            MhRepr::BindingRefreshRequest { options } => Some(options),
            MhRepr::BindingUpdate(m) => Some(&m.options),
            MhRepr::BindingAck(m) => Some(&m.options),
            MhRepr::BindingError(m) => Some(&m.options),
            MhRepr::Heartbeat(m) => Some(&m.options),
            MhRepr::BindingRevocation(m) => Some(&m.options),
            MhRepr::LocalizedRoutingInitiation(m) => Some(&m.options),
            MhRepr::LocalizedRoutingAck(m) => Some(&m.options),
            MhRepr::Experimental { .. } | MhRepr::Unknown { .. } => None,
        }
    }

    /// Length before the 8-octet rounding: the 6-octet header plus the body.
    fn unpadded_len(&self) -> usize {
        match self {
            MhRepr::BindingRefreshRequest { options } => brr_body_len(options),
            MhRepr::BindingUpdate(m) => m.body_len(),
            MhRepr::BindingAck(m) => m.body_len(),
            MhRepr::BindingError(m) => m.body_len(),
            MhRepr::Heartbeat(m) => m.body_len(),
            MhRepr::BindingRevocation(m) => m.body_len(),
            MhRepr::LocalizedRoutingInitiation(m) => m.body_len(),
            MhRepr::LocalizedRoutingAck(m) => m.body_len(),
            MhRepr::Experimental { data } | MhRepr::Unknown { data, .. } => {
                field::MESSAGE_DATA + data.len()
            }
        }
    }

    /// Total MH length: a multiple of 8, padding included.
    pub fn buffer_len(&self) -> usize {
        let len = self.unpadded_len().max(field::MIN_LEN);
        len + (8 - len % 8) % 8
    }

    /// Checks the representation fits the wire: every option's data fits its 8-bit
    /// Length and the MH is at most 2048 octets. `emit` on a representation that fails
    /// this truncates rather than panicking, so check first where sizes come from peers.
    pub fn validate(&self) -> Result<()> {
        let options_fit = self
            .options()
            .is_none_or(|opts| opts.iter().all(MobilityOption::fits));
        if !options_fit || self.buffer_len() > field::MAX_LEN {
            return Err(Error::TooLong);
        }
        Ok(())
    }

    /// Emits into `pkt`, whose buffer must hold at least [`buffer_len`](Self::buffer_len)
    /// octets (panics otherwise, like smoltcp's emitters).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        pkt: &mut MobilityHeader<T>,
        src: &Ipv6Addr,
        dst: &Ipv6Addr,
        mode: ChecksumMode,
    ) {
        self.emit_sized(pkt, src, dst, mode, self.buffer_len());
    }

    /// [`emit`](Self::emit) with `buffer_len()` already computed.
    fn emit_sized<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        pkt: &mut MobilityHeader<T>,
        src: &Ipv6Addr,
        dst: &Ipv6Addr,
        mode: ChecksumMode,
        full: usize,
    ) {
        let len = full.min(field::MAX_LEN);
        // A representation longer than the maximum gets only its header.
        let fits = full == len;
        {
            let mh = &mut pkt.buffer.as_mut()[..len];
            mh.fill(0);
            mh[field::PAYLOAD_PROTO] = IPPROTO_NONE;
            mh[field::HEADER_LEN] = u8::try_from(len / 8 - 1).unwrap_or(u8::MAX);
            mh[field::MH_TYPE] = u8::from(self.mh_type());
            match self {
                MhRepr::BindingRefreshRequest { options } if fits => emit_brr(options, mh),
                MhRepr::BindingUpdate(m) if fits => m.emit_body(mh),
                MhRepr::BindingAck(m) if fits => m.emit_body(mh),
                MhRepr::BindingError(m) if fits => m.emit_body(mh),
                MhRepr::Heartbeat(m) if fits => m.emit_body(mh),
                MhRepr::BindingRevocation(m) if fits => m.emit_body(mh),
                MhRepr::LocalizedRoutingInitiation(m) if fits => m.emit_body(mh),
                MhRepr::LocalizedRoutingAck(m) if fits => m.emit_body(mh),
                MhRepr::Experimental { data } | MhRepr::Unknown { data, .. } => {
                    let n = data.len().min(len - field::MESSAGE_DATA);
                    mh[field::MESSAGE_DATA..field::MESSAGE_DATA + n].copy_from_slice(&data[..n]);
                }
                // Over 2048 octets: emit the header only; `validate` reports this case.
                _ => {}
            }
        }
        match mode {
            ChecksumMode::Compute | ChecksumMode::Verify => pkt.fill_checksum(src, dst),
            ChecksumMode::Zero | ChecksumMode::Ignore => pkt.set_checksum(0),
        }
    }

    /// Emits into a new buffer with the checksum computed.
    pub fn to_bytes(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> Vec<u8> {
        let full = self.buffer_len();
        let mut buf = vec![0u8; full.min(field::MAX_LEN)];
        self.emit_sized(
            &mut MobilityHeader::new_unchecked(&mut buf[..]),
            src,
            dst,
            ChecksumMode::Compute,
            full,
        );
        buf
    }

    /// Parses `bytes` with the checksum verified.
    pub fn from_bytes(bytes: &[u8], src: &Ipv6Addr, dst: &Ipv6Addr) -> Result<MhRepr> {
        let pkt = MobilityHeader::new_checked(bytes)?;
        MhRepr::parse(&pkt, src, dst, ChecksumMode::Verify)
    }
}

/// A Mobility Header in wire form, checksum filled in. Inline up to 128 octets: a
/// typical PBA (about 90) needs no allocation.
pub type MhBytes = SmallVec<[u8; 128]>;

/// Builds a message straight into wire form, options appended one at a time, for
/// senders that have no [`MobilityOption`] list to give [`MhRepr::emit`]. The octets
/// are those `emit` writes for the same message (same alignment, padding, checksum).
#[derive(Debug)]
pub struct MhWriter {
    /// Zeroed beyond `len`.
    buf: MhBytes,
    len: usize,
}

impl MhWriter {
    /// A Binding Acknowledgement (MH type 6) with these fixed fields; options follow.
    pub fn binding_ack(
        status: u8,
        flags: BindingAckFlags,
        sequence: u16,
        lifetime: u16,
    ) -> MhWriter {
        let mut buf = MhBytes::from_buf([0; 128]);
        buf[field::MH_TYPE] = u8::from(MhType::BindingAck);
        emit_ba_fixed(&mut buf, status, flags, sequence, lifetime);
        MhWriter {
            buf,
            len: BindingAck::OPTIONS_OFFSET,
        }
    }

    /// Makes the first `end` octets writable (zeroed past `len`).
    #[inline]
    fn reserve_to(&mut self, end: usize) {
        if end > self.buf.len() {
            self.grow(end);
        }
    }

    /// Only for messages over the inline size: a long MN-ID, many prefixes.
    #[cold]
    fn grow(&mut self, end: usize) {
        self.buf.resize(end.next_power_of_two(), 0);
    }

    /// Room for one option at its alignment, Pad1/PadN before it; returns its data.
    #[inline]
    fn put(&mut self, align: Alignment, option_type: u8, data_len: usize) -> &mut [u8] {
        let off = self.len;
        let pad = align.padding_at(off);
        let end = off + pad + 2 + data_len;
        self.reserve_to(end);
        self.len = end;
        let b = &mut self.buf[off..end];
        emit_padding(b, pad);
        let (head, data) = b[pad..].split_at_mut(2);
        // Callers cap data_len at 255.
        head.copy_from_slice(&[option_type, u8::try_from(data_len).unwrap_or(u8::MAX)]);
        data
    }

    /// Appends an option.
    pub fn option(&mut self, opt: &MobilityOption) {
        let d = self.put(opt.alignment(), opt.option_type(), opt.data_len());
        opt.emit_data(d);
    }

    /// Appends a Home Network Prefix option (RFC 5213 §8.3).
    pub fn home_network_prefix(&mut self, prefix_len: u8, prefix: Ipv6Addr) {
        let t = OptionType::HOME_NETWORK_PREFIX;
        let d = self.put(alignment_of(t), t, 18);
        d[1] = prefix_len;
        d[2..].copy_from_slice(&prefix.octets());
    }

    /// Appends a Handoff Indicator option (RFC 5213 §8.4).
    pub fn handoff_indicator(&mut self, hi: HandoffIndicator) {
        let t = OptionType::HANDOFF_INDICATOR;
        self.put(alignment_of(t), t, 2)[1] = hi.0;
    }

    /// Appends an Access Technology Type option (RFC 5213 §8.5).
    pub fn access_technology_type(&mut self, att: AccessTechnologyType) {
        let t = OptionType::ACCESS_TECHNOLOGY_TYPE;
        self.put(alignment_of(t), t, 2)[1] = att.0;
    }

    /// Appends a Link-local Address option (RFC 5213 §8.7).
    pub fn link_local_address(&mut self, address: Ipv6Addr) {
        let t = OptionType::LINK_LOCAL_ADDRESS;
        let d = self.put(alignment_of(t), t, 16);
        d.copy_from_slice(&address.octets());
    }

    /// Appends a Timestamp option (RFC 5213 §8.8).
    pub fn timestamp(&mut self, ts: Timestamp) {
        let t = OptionType::TIMESTAMP;
        let d = self.put(alignment_of(t), t, 8);
        d.copy_from_slice(&ts.0.to_be_bytes());
    }

    /// Appends a GRE Key option (RFC 5845 §6.1); `None`: without a key (Length 2).
    pub fn gre_key(&mut self, key: Option<u32>) {
        let t = OptionType::GRE_KEY;
        match key {
            Some(k) => {
                let d = self.put(alignment_of(t), t, 6);
                d[2..].copy_from_slice(&k.to_be_bytes());
            }
            None => {
                self.put(alignment_of(t), t, 2);
            }
        }
    }

    /// Appends an MN-ID option (RFC 4283) without an owned identifier.
    pub fn mn_identifier(&mut self, subtype: u8, identifier: &[u8]) {
        let t = OptionType::MN_IDENTIFIER;
        let d = self.put(alignment_of(t), t, 1 + capped(identifier, 1).len());
        emit_mn_identifier(d, subtype, identifier);
    }

    /// Appends an MN Link-layer Identifier option (RFC 5213 §8.6) without an owned
    /// identifier.
    pub fn link_layer_identifier(&mut self, id: &[u8]) {
        let t = OptionType::MN_LINK_LAYER_IDENTIFIER;
        let d = self.put(alignment_of(t), t, 2 + capped(id, 2).len());
        emit_link_layer_identifier(d, id);
    }

    /// Pads to a multiple of 8, fills in the header and the checksum for `src` →
    /// `dst`. Like `emit`, a message over 2048 octets gets only its header.
    pub fn finish(mut self, src: &Ipv6Addr, dst: &Ipv6Addr) -> MhBytes {
        let off = self.len;
        let pad = (8 - off % 8) % 8;
        self.reserve_to(off + pad);
        emit_padding(&mut self.buf[off..], pad);
        let mut len = off + pad;
        if len > field::MAX_LEN {
            len = field::MAX_LEN;
            self.buf[field::MESSAGE_DATA..len].fill(0);
        }
        self.buf.truncate(len);
        self.buf[field::PAYLOAD_PROTO] = IPPROTO_NONE;
        self.buf[field::HEADER_LEN] = u8::try_from(len / 8 - 1).unwrap_or(u8::MAX);
        MobilityHeader::new_unchecked(&mut self.buf[..]).fill_checksum(src, dst);
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
    const DST: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xaaaa, 0, 0, 0, 0, 1);

    #[test]
    fn mh_type_round_trip() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(MhType::from(v)), v);
        }
        assert_eq!(MhType::from(5), MhType::BindingUpdate);
        assert_eq!(MhType::from(200), MhType::Unknown(200));
    }

    #[test]
    fn short_buffers_are_truncated() {
        for n in 0..8 {
            let buf = vec![59u8; n];
            assert_eq!(MobilityHeader::new_checked(&buf[..]), Err(Error::Truncated));
        }
    }

    #[test]
    fn header_len_beyond_buffer() {
        let buf = [59, 1, 5, 0, 0, 0, 0, 0];
        assert_eq!(
            MobilityHeader::new_checked(&buf[..]),
            Err(Error::BadHeaderLen {
                header_len: 1,
                claimed: 16,
                available: 8
            })
        );
    }

    #[test]
    fn exact_rejects_trailing_and_odd_lengths() {
        let mut buf = [0u8; 17];
        buf[0] = 59;
        assert_eq!(
            MobilityHeader::new_checked_exact(&buf[..]),
            Err(Error::NotMultipleOf8(17))
        );
        assert!(MobilityHeader::new_checked(&buf[..]).is_ok());
        assert!(MobilityHeader::new_checked_exact(&buf[..16]).is_err());
        assert!(MobilityHeader::new_checked_exact(&buf[..8]).is_ok());
    }

    #[test]
    fn brr_minimal_emits_eight_octets() {
        let repr = MhRepr::BindingRefreshRequest { options: vec![] };
        let bytes = repr.to_bytes(&SRC, &DST);
        assert_eq!(bytes.len(), 8);
        assert_eq!(&bytes[..4], &[59, 0, 0, 0]);
        assert_eq!(MhRepr::from_bytes(&bytes, &SRC, &DST), Ok(repr));
    }

    #[test]
    fn bu_without_options_needs_four_octets_of_padding() {
        // RFC 6275 §6.1.7: no options → 4 octets of padding, Header Len 1.
        let repr = MhRepr::BindingUpdate(BindingUpdate {
            sequence: 1,
            flags: Default::default(),
            lifetime: 0,
            options: vec![],
        });
        let bytes = repr.to_bytes(&SRC, &DST);
        assert_eq!(bytes.len(), 16);
        assert_eq!(bytes[1], 1);
        assert_eq!(&bytes[12..], &[1, 2, 0, 0]);
    }

    #[test]
    fn checksum_zero_mode() {
        let repr = MhRepr::Heartbeat(Heartbeat {
            unsolicited: false,
            response: false,
            sequence: 9,
            options: vec![],
        });
        let mut buf = vec![0u8; repr.buffer_len()];
        let mut pkt = MobilityHeader::new_unchecked(&mut buf[..]);
        repr.emit(&mut pkt, &SRC, &DST, ChecksumMode::Zero);
        assert_eq!(pkt.checksum(), 0);
        assert!(!pkt.verify_checksum(&SRC, &DST));
        assert_eq!(
            MhRepr::parse(&pkt, &SRC, &DST, ChecksumMode::Verify),
            Err(Error::Checksum)
        );
        assert_eq!(
            MhRepr::parse(&pkt, &SRC, &DST, ChecksumMode::Ignore),
            Ok(repr)
        );
    }

    #[test]
    fn both_encodings_of_zero_checksum_verify() {
        // Find content whose checksum computes to 0x0000, then check 0xFFFF is also taken.
        for seq in 0..=u32::from(u16::MAX) {
            let repr = MhRepr::Heartbeat(Heartbeat {
                unsolicited: false,
                response: true,
                sequence: seq,
                options: vec![],
            });
            let mut bytes = repr.to_bytes(&SRC, &DST);
            let mut pkt = MobilityHeader::new_unchecked(&mut bytes[..]);
            if pkt.checksum() == 0 {
                assert!(pkt.verify_checksum(&SRC, &DST));
                pkt.set_checksum(0xffff);
                assert!(pkt.verify_checksum(&SRC, &DST));
                return;
            }
        }
        panic!("no sequence number produced a zero checksum");
    }

    #[test]
    fn bad_payload_proto_and_min_len() {
        let mut bytes = MhRepr::BindingRefreshRequest { options: vec![] }.to_bytes(&SRC, &DST);
        bytes[0] = 6;
        let mut pkt = MobilityHeader::new_unchecked(&mut bytes[..]);
        pkt.fill_checksum(&SRC, &DST);
        let err = MhRepr::from_bytes(&bytes, &SRC, &DST).unwrap_err();
        assert_eq!(err, Error::BadPayloadProto(6));
        assert_eq!(err.parameter_problem_pointer(), Some(0));

        // A BU with Header Len 0 is below the type minimum of 1.
        let mut bytes = vec![59, 0, 5, 0, 0, 0, 0, 0];
        MobilityHeader::new_unchecked(&mut bytes[..]).fill_checksum(&SRC, &DST);
        let err = MhRepr::from_bytes(&bytes, &SRC, &DST).unwrap_err();
        assert_eq!(
            err,
            Error::TooShortForType {
                mh_type: 5,
                header_len: 0,
                min_header_len: 1
            }
        );
        assert_eq!(err.parameter_problem_pointer(), Some(1));
    }

    #[test]
    fn unknown_type_decodes() {
        let repr = MhRepr::Unknown {
            mh_type: 200,
            data: vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        };
        let bytes = repr.to_bytes(&SRC, &DST);
        assert_eq!(bytes.len(), 16);
        assert_eq!(MhRepr::from_bytes(&bytes, &SRC, &DST), Ok(repr));
    }

    #[test]
    fn writer_over_the_maximum_emits_the_header_only() {
        let options: Vec<MobilityOption> = (0..120)
            .map(|_| MobilityOption::HomeNetworkPrefix {
                prefix_len: 64,
                prefix: SRC,
            })
            .collect();
        let mut w = MhWriter::binding_ack(0, BindingAckFlags::PROXY, 1, 2);
        for o in &options {
            w.option(o);
        }
        let repr = MhRepr::BindingAck(BindingAck {
            status: 0,
            flags: BindingAckFlags::PROXY,
            sequence: 1,
            lifetime: 2,
            options,
        });
        assert_eq!(repr.validate(), Err(Error::TooLong));
        let bytes = w.finish(&SRC, &DST);
        assert_eq!(bytes.len(), field::MAX_LEN);
        assert_eq!(&bytes[..], &repr.to_bytes(&SRC, &DST)[..]);
    }

    #[test]
    fn validate_flags_oversized() {
        let opts = (0..200)
            .map(|_| MobilityOption::Unknown {
                option_type: 250,
                data: vec![0; 20],
            })
            .collect();
        let repr = MhRepr::BindingUpdate(BindingUpdate {
            sequence: 0,
            flags: Default::default(),
            lifetime: 0,
            options: opts,
        });
        assert_eq!(repr.validate(), Err(Error::TooLong));
        // Emitting does not panic; the header claims the maximum length.
        let bytes = repr.to_bytes(&SRC, &DST);
        assert_eq!(bytes.len(), field::MAX_LEN);
    }
}
