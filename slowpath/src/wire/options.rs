//! Mobility options (RFC 6275 §6.2 and the PMIPv6 extensions; pmip-wire.md §1.8–§1.9).
//!
//! ```text
//!  0                   1                   2
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
//! |  Option Type  | Option Length |  Option Data...
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- - - - - - - - -
//! ```
//! Pad1 (type 0) is the single octet exception. Option Length counts the data only.
//! On emit every option is placed at its "xn+y" alignment (offsets counted from the first
//! octet of the MH), with Pad1/PadN in between, and the options area is padded so the
//! whole MH is a multiple of 8 octets (RFC 6275 §6.2.1, §6.1.1).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::messages::{AccessTechnologyType, HandoffIndicator, Timestamp};
use super::{Error, Result};

/// Option type numbers (IANA "Mobility Options"; pmip-wire.md §1.9).
#[derive(Debug, Clone, Copy)]
pub struct OptionType;

impl OptionType {
    pub const PAD1: u8 = 0;
    pub const PADN: u8 = 1;
    pub const BINDING_REFRESH_ADVICE: u8 = 2;
    pub const ALTERNATE_CARE_OF_ADDRESS: u8 = 3;
    pub const NONCE_INDICES: u8 = 4;
    pub const BINDING_AUTHORIZATION_DATA: u8 = 5;
    pub const MOBILE_NETWORK_PREFIX: u8 = 6;
    pub const MN_IDENTIFIER: u8 = 8;
    pub const EXPERIMENTAL: u8 = 18;
    pub const VENDOR_SPECIFIC: u8 = 19;
    pub const HOME_NETWORK_PREFIX: u8 = 22;
    pub const HANDOFF_INDICATOR: u8 = 23;
    pub const ACCESS_TECHNOLOGY_TYPE: u8 = 24;
    pub const MN_LINK_LAYER_IDENTIFIER: u8 = 25;
    pub const LINK_LOCAL_ADDRESS: u8 = 26;
    pub const TIMESTAMP: u8 = 27;
    pub const RESTART_COUNTER: u8 = 28;
    pub const GRE_KEY: u8 = 33;
    pub const IPV4_HOME_ADDRESS_REQUEST: u8 = 36;
    pub const IPV4_HOME_ADDRESS_REPLY: u8 = 37;
    pub const IPV4_DEFAULT_ROUTER_ADDRESS: u8 = 38;
    pub const IPV4_DHCP_SUPPORT_MODE: u8 = 39;
    pub const MAG_IPV6_ADDRESS: u8 = 51;
}

/// An "xn+y" alignment requirement: the option's Type octet sits at an MH offset `o`
/// with `o mod n == y`. `n == 1` means no requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alignment {
    pub n: usize,
    pub y: usize,
}

impl Alignment {
    pub const NONE: Alignment = Alignment { n: 1, y: 0 };

    /// Octets of padding needed before an option placed at `offset`.
    pub fn padding_at(&self, offset: usize) -> usize {
        if self.n.is_power_of_two() {
            // Every rule in use: masks instead of two divisions per option.
            let m = self.n - 1;
            return self.y.wrapping_sub(offset) & m;
        }
        (self.n + self.y - offset % self.n) % self.n
    }

    /// Whether an option whose Type octet is at `offset` satisfies this requirement.
    pub fn is_aligned(&self, offset: usize) -> bool {
        self.padding_at(offset) == 0
    }
}

/// The alignment rule of an option type (pmip-wire.md §1.9 "Align" column).
pub fn alignment_of(option_type: u8) -> Alignment {
    let (n, y) = match option_type {
        OptionType::BINDING_REFRESH_ADVICE | OptionType::NONCE_INDICES => (2, 0),
        OptionType::ALTERNATE_CARE_OF_ADDRESS | OptionType::LINK_LOCAL_ADDRESS => (8, 6),
        OptionType::BINDING_AUTHORIZATION_DATA | OptionType::TIMESTAMP => (8, 2),
        OptionType::MOBILE_NETWORK_PREFIX
        | OptionType::HOME_NETWORK_PREFIX
        | OptionType::MAG_IPV6_ADDRESS => (8, 4),
        // RFC 5213 §8.6 only says "aligned appropriately"; no number is given. 8n+4, as the
        // reference lab used, puts the identifier (after Type, Length, 2 Reserved) on an
        // 8-octet boundary, so a 6-octet MAC starts 8-aligned.
        OptionType::MN_LINK_LAYER_IDENTIFIER => (8, 4),
        OptionType::VENDOR_SPECIFIC | OptionType::RESTART_COUNTER => (4, 2),
        OptionType::GRE_KEY
        | OptionType::IPV4_HOME_ADDRESS_REQUEST
        | OptionType::IPV4_HOME_ADDRESS_REPLY
        | OptionType::IPV4_DEFAULT_ROUTER_ADDRESS => (4, 0),
        _ => (1, 0),
    };
    Alignment { n, y }
}

/// One TLV as found on the wire (Pad1/PadN are never yielded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawOption<'a> {
    /// Offset of the Type octet from the start of the MH.
    pub offset: usize,
    pub option_type: u8,
    pub data: &'a [u8],
}

impl<'a> RawOption<'a> {
    /// Checks the Length against the option type's definition (any Length for types
    /// not known here).
    pub fn check_length(&self) -> Result<()> {
        let n = self.data.len();
        let ok = match self.option_type {
            OptionType::BINDING_REFRESH_ADVICE
            | OptionType::HANDOFF_INDICATOR
            | OptionType::ACCESS_TECHNOLOGY_TYPE
            | OptionType::IPV4_DHCP_SUPPORT_MODE => n == 2,
            OptionType::ALTERNATE_CARE_OF_ADDRESS | OptionType::LINK_LOCAL_ADDRESS => n == 16,
            OptionType::MOBILE_NETWORK_PREFIX
            | OptionType::HOME_NETWORK_PREFIX
            | OptionType::MAG_IPV6_ADDRESS => n == 18,
            OptionType::MN_IDENTIFIER => n >= 1,
            OptionType::VENDOR_SPECIFIC => n >= 5,
            OptionType::MN_LINK_LAYER_IDENTIFIER => n >= 2,
            OptionType::TIMESTAMP => n == 8,
            OptionType::RESTART_COUNTER => n == 4,
            OptionType::GRE_KEY => n == 2 || n == 6,
            OptionType::IPV4_HOME_ADDRESS_REQUEST
            | OptionType::IPV4_HOME_ADDRESS_REPLY
            | OptionType::IPV4_DEFAULT_ROUTER_ADDRESS => n == 6,
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::BadOptionLength {
                option_type: self.option_type,
                // `data` came from a one-octet Length field.
                length: u8::try_from(n).unwrap_or(u8::MAX),
                offset: self.offset,
            })
        }
    }

    // Values of fixed-size options, for a Length `check_length` accepted (a shorter
    // buffer reads as zeros). Shared by `MobilityOption::parse` and in-place readers.

    /// Prefix Length and Prefix of an HNP / MNP option (after 1 reserved octet).
    pub(crate) fn prefix_value(&self) -> (u8, Ipv6Addr) {
        (
            self.data.get(1).copied().unwrap_or(0),
            ipv6_at(self.data, 2),
        )
    }

    /// The one-octet value after 1 reserved octet (HI, ATT).
    pub(crate) fn octet_value(&self) -> u8 {
        self.data.get(1).copied().unwrap_or(0)
    }

    /// An address that is the whole data (LLA, Alternate CoA).
    pub(crate) fn address_value(&self) -> Ipv6Addr {
        ipv6_at(self.data, 0)
    }

    pub(crate) fn timestamp_value(&self) -> Timestamp {
        let mut o = [0u8; 8];
        if let Some(d) = self.data.get(..8) {
            o.copy_from_slice(d);
        }
        Timestamp(u64::from_be_bytes(o))
    }

    /// The GRE key after 2 reserved octets; `None` for Length 2 (no key).
    pub(crate) fn gre_key_value(&self) -> Option<u32> {
        (self.data.len() == 6).then(|| u32_at(self.data, 2))
    }

    /// An MN-ID option's (subtype, identifier) in place (RFC 4283 §3); `None` for
    /// another type or a bad Length.
    pub fn mn_identifier(&self) -> Option<(u8, &'a [u8])> {
        match self.data.split_first() {
            Some((&subtype, id)) if self.option_type == OptionType::MN_IDENTIFIER => {
                Some((subtype, id))
            }
            _ => None,
        }
    }

    /// An MN Link-layer Identifier option's identifier in place, after its 2 reserved
    /// octets (RFC 5213 §8.6); `None` for another type or a bad Length.
    pub fn link_layer_identifier(&self) -> Option<&'a [u8]> {
        (self.option_type == OptionType::MN_LINK_LAYER_IDENTIFIER)
            .then(|| self.data.get(2..))
            .flatten()
    }
}

/// Iterator over the TLVs of an options area. Pad1/PadN are consumed; an option whose
/// Length runs past the end yields [`Error::OptionOverrun`] and ends the iteration.
#[derive(Debug, Clone)]
pub struct MobilityOptions<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    failed: bool,
}

impl<'a> MobilityOptions<'a> {
    /// `area` is the options area; `base` is its offset from the start of the MH (used
    /// for error offsets and alignment checks).
    pub fn new(area: &'a [u8], base: usize) -> Self {
        MobilityOptions {
            buf: area,
            pos: 0,
            base,
            failed: false,
        }
    }
}

impl<'a> Iterator for MobilityOptions<'a> {
    type Item = Result<RawOption<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let rest = self.buf.get(self.pos..)?;
            let (&option_type, after_type) = rest.split_first()?;
            let offset = self.base + self.pos;
            if option_type == OptionType::PAD1 {
                self.pos += 1;
                continue;
            }
            let Some((&len, after_len)) = after_type.split_first() else {
                self.failed = true;
                return Some(Err(Error::OptionOverrun { offset }));
            };
            let Some(data) = after_len.get(..usize::from(len)) else {
                self.failed = true;
                return Some(Err(Error::OptionOverrun { offset }));
            };
            self.pos += 2 + usize::from(len);
            if option_type == OptionType::PADN {
                // RFC 6275 §6.2.3: the receiver MUST ignore PadN data.
                continue;
            }
            return Some(Ok(RawOption {
                offset,
                option_type,
                data,
            }));
        }
    }
}

/// A mobility option with its value decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MobilityOption {
    /// Type 2 (RFC 6275 §6.2.4), 4-second units.
    BindingRefreshAdvice { refresh_interval: u16 },
    /// Type 3 (RFC 6275 §6.2.5).
    AlternateCareOfAddress(Ipv6Addr),
    /// Type 6 (RFC 3963 §4.3).
    MobileNetworkPrefix { prefix_len: u8, prefix: Ipv6Addr },
    /// Type 8 (RFC 4283 §3); subtype 1 = NAI. Identifier at most 254 octets.
    MnIdentifier { subtype: u8, identifier: Vec<u8> },
    /// Type 19 (RFC 5094 §3). Data at most 250 octets.
    VendorSpecific {
        vendor_id: u32,
        subtype: u8,
        data: Vec<u8>,
    },
    /// Type 22 (RFC 5213 §8.3). `::` = ALL_ZERO, "LMA please assign".
    HomeNetworkPrefix { prefix_len: u8, prefix: Ipv6Addr },
    /// Type 23 (RFC 5213 §8.4).
    HandoffIndicator(HandoffIndicator),
    /// Type 24 (RFC 5213 §8.5).
    AccessTechnologyType(AccessTechnologyType),
    /// Type 25 (RFC 5213 §8.6): the link-layer identifier (e.g. a 6-octet MAC), without
    /// the 2 reserved octets. At most 253 octets.
    MnLinkLayerIdentifier(Vec<u8>),
    /// Type 26 (RFC 5213 §8.7). `::` = ALL_ZERO, "LMA please generate".
    LinkLocalAddress(Ipv6Addr),
    /// Type 27 (RFC 5213 §8.8).
    Timestamp(Timestamp),
    /// Type 28 (RFC 5847 §3.4).
    RestartCounter(u32),
    /// Type 33 (RFC 5845 §6.1). `None` = Length 2, GRE without a key.
    GreKey(Option<u32>),
    /// Type 36 (RFC 5844 §3.3.1). `prefix_len` is a 6-bit field. 0.0.0.0 = "please allocate".
    Ipv4HomeAddressRequest { prefix_len: u8, address: Ipv4Addr },
    /// Type 37 (RFC 5844 §3.3.2). `prefix_len` is a 6-bit field.
    Ipv4HomeAddressReply {
        status: u8,
        prefix_len: u8,
        address: Ipv4Addr,
    },
    /// Type 38 (RFC 5844 §3.3.3).
    Ipv4DefaultRouterAddress(Ipv4Addr),
    /// Type 39 (RFC 5844 §3.3.4): S = 1 DHCP server, 0 DHCP relay.
    Ipv4DhcpSupportMode { dhcp_server: bool },
    /// Type 51 (RFC 6705 §11.1); the Address Length is always 128.
    MagIpv6Address(Ipv6Addr),
    /// Type 18 (RFC 5096 §4), opaque. At most 255 octets.
    Experimental(Vec<u8>),
    /// Any other type: skipped by length on receipt (RFC 6275 §6.2.1), kept for inspection.
    /// Emitted verbatim without alignment. At most 255 octets.
    Unknown { option_type: u8, data: Vec<u8> },
}

fn ipv6_at(data: &[u8], at: usize) -> Ipv6Addr {
    let mut o = [0u8; 16];
    if let Some(src) = data.get(at..at + 16) {
        o.copy_from_slice(src);
    }
    Ipv6Addr::from(o)
}

fn ipv4_at(data: &[u8], at: usize) -> Ipv4Addr {
    let mut o = [0u8; 4];
    if let Some(src) = data.get(at..at + 4) {
        o.copy_from_slice(src);
    }
    Ipv4Addr::from(o)
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    let mut o = [0u8; 4];
    if let Some(src) = data.get(at..at + 4) {
        o.copy_from_slice(src);
    }
    u32::from_be_bytes(o)
}

fn u16_at(data: &[u8], at: usize) -> u16 {
    match data.get(at..at + 2) {
        Some(s) => u16::from_be_bytes([s[0], s[1]]),
        None => 0,
    }
}

/// Caps a variable part so that `fixed + part` fits the 8-bit Length field.
pub(super) fn capped(part: &[u8], fixed: usize) -> &[u8] {
    &part[..part.len().min(255 - fixed)]
}

impl MobilityOption {
    /// Decodes one raw TLV. Known types with a Length their definition forbids are an
    /// error; unknown types become [`MobilityOption::Unknown`].
    pub fn parse(raw: &RawOption<'_>) -> Result<MobilityOption> {
        raw.check_length()?;
        let d = raw.data;
        Ok(match raw.option_type {
            OptionType::BINDING_REFRESH_ADVICE => MobilityOption::BindingRefreshAdvice {
                refresh_interval: u16_at(d, 0),
            },
            OptionType::ALTERNATE_CARE_OF_ADDRESS => {
                MobilityOption::AlternateCareOfAddress(raw.address_value())
            }
            OptionType::MOBILE_NETWORK_PREFIX => {
                let (prefix_len, prefix) = raw.prefix_value();
                MobilityOption::MobileNetworkPrefix { prefix_len, prefix }
            }
            OptionType::MN_IDENTIFIER => {
                let (subtype, identifier) = raw.mn_identifier().unwrap_or_default();
                MobilityOption::MnIdentifier {
                    subtype,
                    identifier: identifier.to_vec(),
                }
            }
            OptionType::VENDOR_SPECIFIC => MobilityOption::VendorSpecific {
                vendor_id: u32_at(d, 0),
                subtype: d[4],
                data: d[5..].to_vec(),
            },
            OptionType::HOME_NETWORK_PREFIX => {
                let (prefix_len, prefix) = raw.prefix_value();
                MobilityOption::HomeNetworkPrefix { prefix_len, prefix }
            }
            OptionType::HANDOFF_INDICATOR => {
                MobilityOption::HandoffIndicator(HandoffIndicator(raw.octet_value()))
            }
            OptionType::ACCESS_TECHNOLOGY_TYPE => {
                MobilityOption::AccessTechnologyType(AccessTechnologyType(raw.octet_value()))
            }
            OptionType::MN_LINK_LAYER_IDENTIFIER => MobilityOption::MnLinkLayerIdentifier(
                raw.link_layer_identifier().unwrap_or_default().to_vec(),
            ),
            OptionType::LINK_LOCAL_ADDRESS => MobilityOption::LinkLocalAddress(raw.address_value()),
            OptionType::TIMESTAMP => MobilityOption::Timestamp(raw.timestamp_value()),
            OptionType::RESTART_COUNTER => MobilityOption::RestartCounter(u32_at(d, 0)),
            OptionType::GRE_KEY => MobilityOption::GreKey(raw.gre_key_value()),
            OptionType::IPV4_HOME_ADDRESS_REQUEST => MobilityOption::Ipv4HomeAddressRequest {
                prefix_len: d[0] >> 2,
                address: ipv4_at(d, 2),
            },
            OptionType::IPV4_HOME_ADDRESS_REPLY => MobilityOption::Ipv4HomeAddressReply {
                status: d[0],
                prefix_len: d[1] >> 2,
                address: ipv4_at(d, 2),
            },
            OptionType::IPV4_DEFAULT_ROUTER_ADDRESS => {
                MobilityOption::Ipv4DefaultRouterAddress(ipv4_at(d, 2))
            }
            OptionType::IPV4_DHCP_SUPPORT_MODE => MobilityOption::Ipv4DhcpSupportMode {
                dhcp_server: d[1] & 0x01 != 0,
            },
            OptionType::MAG_IPV6_ADDRESS => MobilityOption::MagIpv6Address(ipv6_at(d, 2)),
            OptionType::EXPERIMENTAL => MobilityOption::Experimental(d.to_vec()),
            other => MobilityOption::Unknown {
                option_type: other,
                data: d.to_vec(),
            },
        })
    }

    /// The option's Type octet.
    pub fn option_type(&self) -> u8 {
        match self {
            MobilityOption::BindingRefreshAdvice { .. } => OptionType::BINDING_REFRESH_ADVICE,
            MobilityOption::AlternateCareOfAddress(_) => OptionType::ALTERNATE_CARE_OF_ADDRESS,
            MobilityOption::MobileNetworkPrefix { .. } => OptionType::MOBILE_NETWORK_PREFIX,
            MobilityOption::MnIdentifier { .. } => OptionType::MN_IDENTIFIER,
            MobilityOption::VendorSpecific { .. } => OptionType::VENDOR_SPECIFIC,
            MobilityOption::HomeNetworkPrefix { .. } => OptionType::HOME_NETWORK_PREFIX,
            MobilityOption::HandoffIndicator(_) => OptionType::HANDOFF_INDICATOR,
            MobilityOption::AccessTechnologyType(_) => OptionType::ACCESS_TECHNOLOGY_TYPE,
            MobilityOption::MnLinkLayerIdentifier(_) => OptionType::MN_LINK_LAYER_IDENTIFIER,
            MobilityOption::LinkLocalAddress(_) => OptionType::LINK_LOCAL_ADDRESS,
            MobilityOption::Timestamp(_) => OptionType::TIMESTAMP,
            MobilityOption::RestartCounter(_) => OptionType::RESTART_COUNTER,
            MobilityOption::GreKey(_) => OptionType::GRE_KEY,
            MobilityOption::Ipv4HomeAddressRequest { .. } => OptionType::IPV4_HOME_ADDRESS_REQUEST,
            MobilityOption::Ipv4HomeAddressReply { .. } => OptionType::IPV4_HOME_ADDRESS_REPLY,
            MobilityOption::Ipv4DefaultRouterAddress(_) => OptionType::IPV4_DEFAULT_ROUTER_ADDRESS,
            MobilityOption::Ipv4DhcpSupportMode { .. } => OptionType::IPV4_DHCP_SUPPORT_MODE,
            MobilityOption::MagIpv6Address(_) => OptionType::MAG_IPV6_ADDRESS,
            MobilityOption::Experimental(_) => OptionType::EXPERIMENTAL,
            MobilityOption::Unknown { option_type, .. } => *option_type,
        }
    }

    /// Alignment used when emitting this option. Unknown options are emitted unaligned
    /// since their rule is not known.
    pub fn alignment(&self) -> Alignment {
        match self {
            MobilityOption::Unknown { .. } => Alignment::NONE,
            _ => alignment_of(self.option_type()),
        }
    }

    /// Value of the Length field (data octets) as emitted.
    pub fn data_len(&self) -> usize {
        match self {
            MobilityOption::BindingRefreshAdvice { .. } => 2,
            MobilityOption::AlternateCareOfAddress(_) | MobilityOption::LinkLocalAddress(_) => 16,
            MobilityOption::MobileNetworkPrefix { .. }
            | MobilityOption::HomeNetworkPrefix { .. }
            | MobilityOption::MagIpv6Address(_) => 18,
            MobilityOption::MnIdentifier { identifier, .. } => 1 + capped(identifier, 1).len(),
            MobilityOption::VendorSpecific { data, .. } => 5 + capped(data, 5).len(),
            MobilityOption::HandoffIndicator(_)
            | MobilityOption::AccessTechnologyType(_)
            | MobilityOption::Ipv4DhcpSupportMode { .. } => 2,
            MobilityOption::MnLinkLayerIdentifier(id) => 2 + capped(id, 2).len(),
            MobilityOption::Timestamp(_) => 8,
            MobilityOption::RestartCounter(_) => 4,
            MobilityOption::GreKey(None) => 2,
            MobilityOption::GreKey(Some(_)) => 6,
            MobilityOption::Ipv4HomeAddressRequest { .. }
            | MobilityOption::Ipv4HomeAddressReply { .. }
            | MobilityOption::Ipv4DefaultRouterAddress(_) => 6,
            MobilityOption::Experimental(data) | MobilityOption::Unknown { data, .. } => {
                capped(data, 0).len()
            }
        }
    }

    /// Whether the variable part fits the 8-bit Length field (otherwise emit truncates it).
    pub fn fits(&self) -> bool {
        match self {
            MobilityOption::MnIdentifier { identifier, .. } => identifier.len() <= 254,
            MobilityOption::VendorSpecific { data, .. } => data.len() <= 250,
            MobilityOption::MnLinkLayerIdentifier(id) => id.len() <= 253,
            MobilityOption::Experimental(data) | MobilityOption::Unknown { data, .. } => {
                data.len() <= 255
            }
            _ => true,
        }
    }

    /// Writes Type, Length and data into `buf` (which must hold `2 + data_len()` octets).
    fn emit(&self, buf: &mut [u8]) {
        let len = self.data_len();
        buf[0] = self.option_type();
        // data_len() is capped at 255 by construction.
        buf[1] = u8::try_from(len).unwrap_or(u8::MAX);
        self.emit_data(&mut buf[2..2 + len]);
    }

    /// Writes the data (`data_len()` octets) into `d`.
    pub(super) fn emit_data(&self, d: &mut [u8]) {
        d.fill(0);
        match self {
            MobilityOption::BindingRefreshAdvice { refresh_interval } => {
                d.copy_from_slice(&refresh_interval.to_be_bytes());
            }
            MobilityOption::AlternateCareOfAddress(a) | MobilityOption::LinkLocalAddress(a) => {
                d.copy_from_slice(&a.octets());
            }
            MobilityOption::MobileNetworkPrefix { prefix_len, prefix }
            | MobilityOption::HomeNetworkPrefix { prefix_len, prefix } => {
                d[1] = *prefix_len;
                d[2..].copy_from_slice(&prefix.octets());
            }
            MobilityOption::MagIpv6Address(a) => {
                d[1] = 128;
                d[2..].copy_from_slice(&a.octets());
            }
            MobilityOption::MnIdentifier {
                subtype,
                identifier,
            } => emit_mn_identifier(d, *subtype, identifier),
            MobilityOption::VendorSpecific {
                vendor_id,
                subtype,
                data,
            } => {
                d[..4].copy_from_slice(&vendor_id.to_be_bytes());
                d[4] = *subtype;
                d[5..].copy_from_slice(capped(data, 5));
            }
            MobilityOption::HandoffIndicator(hi) => d[1] = hi.0,
            MobilityOption::AccessTechnologyType(att) => d[1] = att.0,
            MobilityOption::MnLinkLayerIdentifier(id) => emit_link_layer_identifier(d, id),
            MobilityOption::Timestamp(ts) => d.copy_from_slice(&ts.0.to_be_bytes()),
            MobilityOption::RestartCounter(rc) => d.copy_from_slice(&rc.to_be_bytes()),
            MobilityOption::GreKey(None) => {}
            MobilityOption::GreKey(Some(key)) => d[2..].copy_from_slice(&key.to_be_bytes()),
            MobilityOption::Ipv4HomeAddressRequest {
                prefix_len,
                address,
            } => {
                // Prefix-len is the top 6 bits of a 16-bit word (RFC 5844 §3.3.1).
                d[0] = (prefix_len & 0x3f) << 2;
                d[2..].copy_from_slice(&address.octets());
            }
            MobilityOption::Ipv4HomeAddressReply {
                status,
                prefix_len,
                address,
            } => {
                d[0] = *status;
                d[1] = (prefix_len & 0x3f) << 2;
                d[2..].copy_from_slice(&address.octets());
            }
            MobilityOption::Ipv4DefaultRouterAddress(a) => d[2..].copy_from_slice(&a.octets()),
            MobilityOption::Ipv4DhcpSupportMode { dhcp_server } => d[1] = u8::from(*dhcp_server),
            MobilityOption::Experimental(data) | MobilityOption::Unknown { data, .. } => {
                d.copy_from_slice(capped(data, 0));
            }
        }
    }
}

/// MN-ID data: subtype, then the identifier (capped to fit the Length field).
pub(super) fn emit_mn_identifier(d: &mut [u8], subtype: u8, identifier: &[u8]) {
    d[0] = subtype;
    d[1..].copy_from_slice(capped(identifier, 1));
}

/// MN-LL-ID data: 2 reserved octets (left zero), then the identifier.
pub(super) fn emit_link_layer_identifier(d: &mut [u8], id: &[u8]) {
    d[2..].copy_from_slice(capped(id, 2));
}

/// Writes `pad` octets of padding: Pad1 for one, PadN for more (RFC 6275 §6.2.2–6.2.3).
pub(super) fn emit_padding(buf: &mut [u8], pad: usize) {
    match pad {
        0 => {}
        1 => buf[0] = OptionType::PAD1,
        n => {
            buf[0] = OptionType::PADN;
            // `n` is at most 7 (alignment padding) or 7 (final padding).
            buf[1] = u8::try_from(n - 2).unwrap_or(0);
            buf[2..n].fill(0);
        }
    }
}

/// Octets the options occupy when emitted starting at MH offset `start`, including
/// alignment padding and the final padding to a multiple of 8.
pub fn options_len(options: &[MobilityOption], start: usize) -> usize {
    let mut off = start;
    for opt in options {
        off += opt.alignment().padding_at(off);
        off += 2 + opt.data_len();
    }
    off += (8 - off % 8) % 8;
    off - start
}

/// Emits `options` into `buf`, whose first octet is at MH offset `start`, with alignment
/// and final padding. Returns the octets written (= [`options_len`]).
///
/// # Panics
/// If `buf` is shorter than `options_len(options, start)`.
pub fn emit_options(options: &[MobilityOption], buf: &mut [u8], start: usize) -> usize {
    let mut off = start;
    for opt in options {
        let pad = opt.alignment().padding_at(off);
        emit_padding(&mut buf[off - start..], pad);
        off += pad;
        let len = 2 + opt.data_len();
        opt.emit(&mut buf[off - start..off - start + len]);
        off += len;
    }
    let pad = (8 - off % 8) % 8;
    emit_padding(&mut buf[off - start..], pad);
    off + pad - start
}

/// Parses an options area (starting at MH offset `base`) into decoded options.
pub(crate) fn parse_options(area: &[u8], base: usize) -> Result<Vec<MobilityOption>> {
    // A PBU/PBA has 4–9 options: one allocation, no regrowth.
    let mut out = Vec::with_capacity(8);
    for raw in MobilityOptions::new(area, base) {
        out.push(MobilityOption::parse(&raw?)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_padding() {
        let hnp = alignment_of(OptionType::HOME_NETWORK_PREFIX);
        assert_eq!(hnp.padding_at(30), 6);
        assert_eq!(hnp.padding_at(36), 0);
        let ts = alignment_of(OptionType::TIMESTAMP);
        assert_eq!(ts.padding_at(96), 2);
        assert_eq!(ts.padding_at(99), 7);
        assert_eq!(Alignment::NONE.padding_at(13), 0);
    }

    #[test]
    fn iterator_skips_padding_and_reports_overrun() {
        let area = [0, 1, 1, 0, 23, 2, 0, 5, 24, 9, 0];
        let mut it = MobilityOptions::new(&area, 12);
        let hi = it.next().and_then(|r| r.ok());
        assert_eq!(
            hi,
            Some(RawOption {
                offset: 16,
                option_type: 23,
                data: &[0, 5]
            })
        );
        assert_eq!(it.next(), Some(Err(Error::OptionOverrun { offset: 20 })));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn lone_type_octet_is_overrun() {
        let mut it = MobilityOptions::new(&[23], 40);
        assert_eq!(it.next(), Some(Err(Error::OptionOverrun { offset: 40 })));
    }

    #[test]
    fn wrong_fixed_length_is_rejected() {
        let raw = RawOption {
            offset: 12,
            option_type: OptionType::HANDOFF_INDICATOR,
            data: &[0, 1, 2],
        };
        assert_eq!(
            MobilityOption::parse(&raw),
            Err(Error::BadOptionLength {
                option_type: 23,
                length: 3,
                offset: 12
            })
        );
    }

    #[test]
    fn unknown_option_is_kept() {
        let raw = RawOption {
            offset: 12,
            option_type: 200,
            data: &[1, 2, 3],
        };
        assert_eq!(
            MobilityOption::parse(&raw),
            Ok(MobilityOption::Unknown {
                option_type: 200,
                data: vec![1, 2, 3]
            })
        );
    }

    #[test]
    fn emit_places_options_aligned() {
        let opts = vec![
            MobilityOption::HandoffIndicator(HandoffIndicator(1)),
            MobilityOption::LinkLocalAddress(Ipv6Addr::UNSPECIFIED),
            MobilityOption::Timestamp(Timestamp(7)),
            MobilityOption::GreKey(None),
        ];
        let len = options_len(&opts, 12);
        let mut buf = vec![0xaa; len];
        assert_eq!(emit_options(&opts, &mut buf, 12), len);
        assert_eq!((12 + len) % 8, 0);
        for raw in MobilityOptions::new(&buf, 12) {
            let raw = raw.expect("well-formed");
            assert!(alignment_of(raw.option_type).is_aligned(raw.offset));
        }
        assert_eq!(parse_options(&buf, 12), Ok(opts));
    }

    #[test]
    fn oversized_data_is_capped_consistently() {
        let opt = MobilityOption::MnIdentifier {
            subtype: 1,
            identifier: vec![b'x'; 300],
        };
        assert!(!opt.fits());
        assert_eq!(opt.data_len(), 255);
        let opts = [opt];
        let len = options_len(&opts, 12);
        let mut buf = vec![0; len];
        assert_eq!(emit_options(&opts, &mut buf, 12), len);
    }
}
