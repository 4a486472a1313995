//! Mobility Header wire codec (RFC 6275 §6.1, RFC 5213 §8 and the extensions listed in
//! `reference/pmip-wire.md`).
//!
//! Layout follows smoltcp's `wire` module: [`MobilityHeader`] is a zero-copy view over a
//! buffer with named field offsets, [`MhRepr`] and the message structs are owned,
//! high-level representations with `parse`/`emit`. Parsing never panics on any input;
//! every malformation is a typed [`Error`].
//!
//! Checksum handling (pmip-wire.md §1.2): the caller passes the pseudo-header source and
//! destination (the home address from a Home Address option, or the final destination of
//! a routing header, where those apply). Over IPv4/UDP (RFC 5844 §4.1.3) the MH checksum
//! is zero and ignored: use [`ChecksumMode::Zero`] / [`ChecksumMode::Ignore`].

mod checksum;
mod messages;
mod mh;
mod options;

pub use checksum::mh_checksum;
pub use messages::*;
pub use mh::{
    field, ChecksumMode, MhBytes, MhRepr, MhType, MhWriter, MobilityHeader, IPPROTO_MH,
    IPPROTO_NONE,
};
pub use options::{
    alignment_of, emit_options, options_len, Alignment, MobilityOption, MobilityOptions,
    OptionType, RawOption,
};

/// Everything that can be wrong with a Mobility Header on receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The buffer is shorter than the fixed 8-octet minimum MH, or than Header Len claims.
    #[error("buffer too short for a Mobility Header")]
    Truncated,
    /// Payload Proto is not 59 (RFC 6275 §9.2: discard, ICMPv6 Parameter Problem at offset 0).
    #[error("payload proto {0} is not 59 (IPPROTO_NONE)")]
    BadPayloadProto(u8),
    /// Header Len claims more octets than the buffer holds.
    #[error("header len {header_len} claims {claimed} octets, only {available} present")]
    BadHeaderLen {
        header_len: u8,
        claimed: usize,
        available: usize,
    },
    /// A buffer that must be exactly one MH is not a multiple of 8 octets (RFC 6275 §6.1.1).
    #[error("mobility header length {0} is not a multiple of 8")]
    NotMultipleOf8(usize),
    /// Pseudo-header checksum did not verify (RFC 6275 §9.2: silently discard).
    #[error("mobility header checksum mismatch")]
    Checksum,
    /// Header Len is below the minimum for this MH type (RFC 6275 §9.2: ICMPv6 Parameter
    /// Problem at offset 1).
    #[error("header len {header_len} below minimum {min_header_len} for MH type {mh_type}")]
    TooShortForType {
        mh_type: u8,
        header_len: u8,
        min_header_len: u8,
    },
    /// An option's Length runs past the end of the Mobility Header.
    #[error("mobility option at offset {offset} runs past the end of the header")]
    OptionOverrun { offset: usize },
    /// A known option carries a Length its definition does not allow.
    #[error("mobility option type {option_type} at offset {offset} has invalid length {length}")]
    BadOptionLength {
        option_type: u8,
        length: u8,
        offset: usize,
    },
    /// Binding Revocation message with a B.R. Type other than 1 (BRI) or 2 (BRA)
    /// (RFC 5846 §5).
    #[error("binding revocation type {0} is neither BRI (1) nor BRA (2)")]
    BadRevocationType(u8),
    /// Emit-side: a representation is too large for the wire (an option's data over 255
    /// octets, or a whole MH over 2048 octets).
    #[error("representation too large for the wire")]
    TooLong,
}

impl Error {
    /// Offset inside the MH of the field an ICMPv6 Parameter Problem (code 0) should point
    /// at, for the errors where RFC 6275 §9.2 asks for one. Add the offset of the MH within
    /// the IPv6 packet (40 with no extension headers).
    pub fn parameter_problem_pointer(&self) -> Option<usize> {
        match self {
            Error::BadPayloadProto(_) => Some(field::PAYLOAD_PROTO),
            Error::TooShortForType { .. } => Some(field::HEADER_LEN),
            _ => None,
        }
    }
}

/// Result type of this module.
pub type Result<T> = core::result::Result<T, Error>;
