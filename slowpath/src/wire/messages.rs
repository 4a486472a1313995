//! Message bodies (the part after the 6-octet common header) and PMIPv6 value types.
//!
//! Offsets are counted from the first octet of the MH (pmip-wire.md convention).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::time::{SystemTime, UNIX_EPOCH};

use super::options::{emit_options, options_len, parse_options, MobilityOption};
use super::{Error, Result};

fn be16(b: &[u8], r: Range<usize>) -> u16 {
    match b.get(r) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
        _ => 0,
    }
}

fn put16(b: &mut [u8], r: Range<usize>, v: u16) {
    b[r].copy_from_slice(&v.to_be_bytes());
}

/// Options area of a message: from `start` to the end of the MH.
fn options_of(mh: &[u8], start: usize) -> Result<Vec<MobilityOption>> {
    let area = mh.get(start..).ok_or(Error::Truncated)?;
    parse_options(area, start)
}

/// Handoff Indicator values (RFC 5213 §8.4; RFC 7864 §7 for 6).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct HandoffIndicator(pub u8);

impl HandoffIndicator {
    pub const RESERVED: Self = Self(0);
    pub const ATTACH_NEW_INTERFACE: Self = Self(1);
    pub const HANDOFF_BETWEEN_INTERFACES: Self = Self(2);
    pub const HANDOFF_BETWEEN_MAGS: Self = Self(3);
    pub const UNKNOWN: Self = Self(4);
    pub const NOT_CHANGED: Self = Self(5);
    pub const ATTACH_NEW_INTERFACE_SHARING_PREFIXES: Self = Self(6);
}

/// Access Technology Type values (RFC 5213 §8.5; 6–12 from later IANA additions).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct AccessTechnologyType(pub u8);

impl AccessTechnologyType {
    pub const RESERVED: Self = Self(0);
    pub const VIRTUAL: Self = Self(1);
    pub const PPP: Self = Self(2);
    pub const IEEE_802_3: Self = Self(3);
    pub const IEEE_802_11: Self = Self(4);
    pub const IEEE_802_16E: Self = Self(5);
    pub const GPP_GERAN: Self = Self(6);
    pub const GPP_UTRAN: Self = Self(7);
    pub const GPP_EUTRAN: Self = Self(8);
    pub const GPP2_EHRPD: Self = Self(9);
    pub const GPP2_HRPD: Self = Self(10);
    pub const GPP2_1XRTT: Self = Self(11);
    pub const GPP2_UMB: Self = Self(12);
}

/// PMIPv6 Timestamp (RFC 5213 §8.8): upper 48 bits seconds since 1970-01-01 UTC, lower 16
/// bits 1/65536 s. Not NTP (pmip-wire.md D1).
#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    const SECS_MASK: u64 = (1 << 48) - 1;

    pub fn from_unix_secs_frac(secs: u64, frac: u16) -> Self {
        Timestamp(((secs & Self::SECS_MASK) << 16) | u64::from(frac))
    }

    /// Milliseconds since the Unix epoch, rounded to the nearest 1/65536 s (exact round
    /// trip with [`Timestamp::to_millis`]).
    pub fn from_millis(ms: u64) -> Self {
        let frac = ((ms % 1000) * 65536 + 500) / 1000;
        Self::from_unix_secs_frac(ms / 1000, u16::try_from(frac).unwrap_or(u16::MAX))
    }

    pub fn to_millis(self) -> u64 {
        self.secs() * 1000 + ((u64::from(self.frac()) * 1000 + 32768) >> 16)
    }

    pub fn from_system_time(t: SystemTime) -> Self {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let frac = (u64::from(d.subsec_nanos()) << 16) / 1_000_000_000;
        Self::from_unix_secs_frac(d.as_secs(), u16::try_from(frac).unwrap_or(u16::MAX))
    }

    pub fn secs(self) -> u64 {
        self.0 >> 16
    }

    pub fn frac(self) -> u16 {
        (self.0 & 0xffff) as u16
    }
}

/// Binding Acknowledgement status codes (RFC 6275 §6.1.8 and extensions; pmip-wire.md
/// §1.6). Values below 128 mean accepted.
pub mod status {
    pub const ACCEPTED: u8 = 0;
    pub const ACCEPTED_PREFIX_DISCOVERY_NECESSARY: u8 = 1;
    pub const GRE_KEY_OPTION_NOT_REQUIRED: u8 = 2;
    pub const GRE_TUNNELING_BUT_TLV_HEADER_NOT_SUPPORTED: u8 = 3;
    pub const MCOA_NOTCOMPLETE: u8 = 4;
    pub const MCOA_RETURNHOME_WO_NDP: u8 = 5;
    pub const PBU_ACCEPTED_TB_IGNORED_SETTINGSMISMATCH: u8 = 6;
    pub const REASON_UNSPECIFIED: u8 = 128;
    pub const ADMINISTRATIVELY_PROHIBITED: u8 = 129;
    pub const INSUFFICIENT_RESOURCES: u8 = 130;
    pub const HOME_REGISTRATION_NOT_SUPPORTED: u8 = 131;
    pub const NOT_HOME_SUBNET: u8 = 132;
    pub const NOT_HOME_AGENT_FOR_THIS_MOBILE_NODE: u8 = 133;
    pub const DUPLICATE_ADDRESS_DETECTION_FAILED: u8 = 134;
    pub const SEQUENCE_NUMBER_OUT_OF_WINDOW: u8 = 135;
    pub const EXPIRED_HOME_NONCE_INDEX: u8 = 136;
    pub const EXPIRED_CARE_OF_NONCE_INDEX: u8 = 137;
    pub const EXPIRED_NONCES: u8 = 138;
    pub const REGISTRATION_TYPE_CHANGE_DISALLOWED: u8 = 139;
    pub const MOBILE_ROUTER_OPERATION_NOT_PERMITTED: u8 = 140;
    pub const INVALID_PREFIX: u8 = 141;
    pub const NOT_AUTHORIZED_FOR_PREFIX: u8 = 142;
    pub const FORWARDING_SETUP_FAILED: u8 = 143;
    pub const MIPV6_ID_MISMATCH: u8 = 144;
    pub const MIPV6_MESG_ID_REQD: u8 = 145;
    pub const MIPV6_AUTH_FAIL: u8 = 146;
    pub const PERMANENT_HOME_KEYGEN_TOKEN_UNAVAILABLE: u8 = 147;
    pub const CGA_AND_SIGNATURE_VERIFICATION_FAILED: u8 = 148;
    pub const PERMANENT_HOME_KEYGEN_TOKEN_EXISTS: u8 = 149;
    pub const NON_NULL_HOME_NONCE_INDEX_EXPECTED: u8 = 150;
    pub const SERVICE_AUTHORIZATION_FAILED: u8 = 151;
    pub const PROXY_REG_NOT_ENABLED: u8 = 152;
    pub const NOT_LMA_FOR_THIS_MOBILE_NODE: u8 = 153;
    pub const MAG_NOT_AUTHORIZED_FOR_PROXY_REG: u8 = 154;
    pub const NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX: u8 = 155;
    pub const TIMESTAMP_MISMATCH: u8 = 156;
    pub const TIMESTAMP_LOWER_THAN_PREV_ACCEPTED: u8 = 157;
    pub const MISSING_HOME_NETWORK_PREFIX_OPTION: u8 = 158;
    pub const BCE_PBU_PREFIX_SET_DO_NOT_MATCH: u8 = 159;
    pub const MISSING_MN_IDENTIFIER_OPTION: u8 = 160;
    pub const MISSING_HANDOFF_INDICATOR_OPTION: u8 = 161;
    pub const MISSING_ACCESS_TECH_TYPE_OPTION: u8 = 162;
    pub const GRE_KEY_OPTION_REQUIRED: u8 = 163;
    pub const NOT_AUTHORIZED_FOR_IPV4_MOBILITY_SERVICE: u8 = 170;
    pub const NOT_AUTHORIZED_FOR_IPV4_HOME_ADDRESS: u8 = 171;
    pub const NOT_AUTHORIZED_FOR_IPV6_MOBILITY_SERVICE: u8 = 172;
    pub const MULTIPLE_IPV4_HOME_ADDRESS_ASSIGNMENT_NOT_SUPPORTED: u8 = 173;
    pub const INVALID_CARE_OF_ADDRESS: u8 = 174;
    pub const INVALID_MOBILE_NODE_GROUP_IDENTIFIER: u8 = 175;
    pub const REINIT_SA_WITH_HAC: u8 = 176;
    pub const NOT_AUTHORIZED_FOR_DELEGATED_MNP: u8 = 177;
    pub const REQUESTED_DMNP_IN_USE: u8 = 178;
    pub const CANNOT_MEET_QOS_SERVICE_REQUEST: u8 = 179;
    pub const CANNOT_SUPPORT_MULTIPATH_BINDING: u8 = 180;

    /// RFC 6275 §6.1.8 / RFC 5213 §8.2: values ≥ 128 are rejections (pmip-wire.md D7).
    pub fn is_accepted(status: u8) -> bool {
        status < 128
    }
}

/// Binding Error status (RFC 6275 §6.1.9).
pub mod binding_error_status {
    pub const UNKNOWN_BINDING_FOR_HOME_ADDRESS_DESTINATION_OPTION: u8 = 1;
    pub const UNRECOGNIZED_MH_TYPE: u8 = 2;
}

/// Revocation Trigger values (RFC 5846 §5.1).
pub mod revocation_trigger {
    pub const UNSPECIFIED: u8 = 0;
    pub const ADMINISTRATIVE_REASON: u8 = 1;
    pub const INTER_MAG_HANDOVER_SAME_ACCESS_TYPE: u8 = 2;
    pub const INTER_MAG_HANDOVER_DIFFERENT_ACCESS_TYPE: u8 = 3;
    pub const INTER_MAG_HANDOVER_UNKNOWN: u8 = 4;
    pub const USER_INITIATED_SESSION_TERMINATION: u8 = 5;
    pub const ACCESS_NETWORK_SESSION_TERMINATION: u8 = 6;
    pub const POSSIBLE_OUT_OF_SYNC_BCE_STATE: u8 = 7;
    pub const PER_PEER_POLICY: u8 = 128;
    pub const REVOKING_MOBILITY_NODE_LOCAL_POLICY: u8 = 129;
}

/// Binding Revocation Acknowledgement status (RFC 5846 §5.2).
pub mod revocation_status {
    pub const SUCCESS: u8 = 0;
    pub const PARTIAL_SUCCESS: u8 = 1;
    pub const BINDING_DOES_NOT_EXIST: u8 = 128;
    pub const IPV4_HOME_ADDRESS_OPTION_REQUIRED: u8 = 129;
    pub const GLOBAL_REVOCATION_NOT_AUTHORIZED: u8 = 130;
    pub const REVOKED_MOBILE_NODES_IDENTITY_REQUIRED: u8 = 131;
    pub const REVOCATION_FAILED_MN_IS_ATTACHED: u8 = 132;
    pub const REVOCATION_TRIGGER_NOT_SUPPORTED: u8 = 133;
    pub const REVOCATION_FUNCTION_NOT_SUPPORTED: u8 = 134;
    pub const PROXY_BINDING_REVOCATION_NOT_SUPPORTED: u8 = 135;
}

/// Localized Routing Acknowledgement status (RFC 6705 §10.2).
pub mod lra_status {
    pub const SUCCESS: u8 = 0;
    pub const LOCALIZED_ROUTING_NOT_ALLOWED: u8 = 128;
    pub const MN_NOT_ATTACHED: u8 = 129;
}

/// Option accessors shared by every message with an options list. RFC 5213 §8.1/§8.2
/// allow at most one MN-ID, HI, ATT, Timestamp, MN-LL-ID and LLA; the accessors return
/// the first one, and [`count_of`](BindingUpdate::count_of) serves the multiplicity checks.
macro_rules! option_accessors {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// Number of options of `option_type` (multiplicity checks, RFC 5213 §8.1).
            pub fn count_of(&self, option_type: u8) -> usize {
                self.options.iter().filter(|o| o.option_type() == option_type).count()
            }

            /// First option of `option_type`.
            pub fn find(&self, option_type: u8) -> Option<&MobilityOption> {
                self.options.iter().find(|o| o.option_type() == option_type)
            }

            /// Identifier of the first MN-ID option (RFC 4283), whatever its subtype.
            pub fn mn_identifier(&self) -> Option<&[u8]> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::MnIdentifier { identifier, .. } => Some(identifier.as_slice()),
                    _ => None,
                })
            }

            /// Subtype of the first MN-ID option.
            pub fn mn_identifier_subtype(&self) -> Option<u8> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::MnIdentifier { subtype, .. } => Some(*subtype),
                    _ => None,
                })
            }

            /// Every Home Network Prefix option, in order, as (prefix length, prefix).
            pub fn home_network_prefixes(&self) -> impl Iterator<Item = (u8, Ipv6Addr)> + '_ {
                self.options.iter().filter_map(|o| match o {
                    MobilityOption::HomeNetworkPrefix { prefix_len, prefix } => {
                        Some((*prefix_len, *prefix))
                    }
                    _ => None,
                })
            }

            pub fn handoff_indicator(&self) -> Option<HandoffIndicator> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::HandoffIndicator(hi) => Some(*hi),
                    _ => None,
                })
            }

            pub fn access_technology_type(&self) -> Option<AccessTechnologyType> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::AccessTechnologyType(att) => Some(*att),
                    _ => None,
                })
            }

            pub fn timestamp(&self) -> Option<Timestamp> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::Timestamp(ts) => Some(*ts),
                    _ => None,
                })
            }

            /// `Some(None)`: a GRE Key option without a key (Length 2, RFC 5845 §6.1).
            pub fn gre_key(&self) -> Option<Option<u32>> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::GreKey(k) => Some(*k),
                    _ => None,
                })
            }

            pub fn link_layer_identifier(&self) -> Option<&[u8]> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::MnLinkLayerIdentifier(id) => Some(id.as_slice()),
                    _ => None,
                })
            }

            pub fn link_local_address(&self) -> Option<Ipv6Addr> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::LinkLocalAddress(a) => Some(*a),
                    _ => None,
                })
            }

            pub fn alternate_care_of_address(&self) -> Option<Ipv6Addr> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::AlternateCareOfAddress(a) => Some(*a),
                    _ => None,
                })
            }

            pub fn restart_counter(&self) -> Option<u32> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::RestartCounter(rc) => Some(*rc),
                    _ => None,
                })
            }

            /// (prefix length, address) of the first IPv4 Home Address Request (RFC 5844).
            pub fn ipv4_home_address_request(&self) -> Option<(u8, Ipv4Addr)> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::Ipv4HomeAddressRequest { prefix_len, address } => {
                        Some((*prefix_len, *address))
                    }
                    _ => None,
                })
            }

            /// (status, prefix length, address) of the first IPv4 Home Address Reply.
            pub fn ipv4_home_address_reply(&self) -> Option<(u8, u8, Ipv4Addr)> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::Ipv4HomeAddressReply { status, prefix_len, address } => {
                        Some((*status, *prefix_len, *address))
                    }
                    _ => None,
                })
            }

            pub fn ipv4_default_router_address(&self) -> Option<Ipv4Addr> {
                self.options.iter().find_map(|o| match o {
                    MobilityOption::Ipv4DefaultRouterAddress(a) => Some(*a),
                    _ => None,
                })
            }
        }
    )*};
}

/// Binding Update flags (RFC 6275 §6.1.7, RFC 5213 §8.1, RFC 5555, RFC 5845, RFC 6602).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct BindingUpdateFlags {
    pub ack: bool,
    pub home_registration: bool,
    pub link_local: bool,
    pub key_management: bool,
    pub map_registration: bool,
    pub mobile_router: bool,
    pub proxy: bool,
    pub force_udp: bool,
    pub tlv_header: bool,
    pub bulk: bool,
}

impl BindingUpdateFlags {
    pub const A: u16 = 0x8000;
    pub const H: u16 = 0x4000;
    pub const L: u16 = 0x2000;
    pub const K: u16 = 0x1000;
    pub const M: u16 = 0x0800;
    pub const R: u16 = 0x0400;
    pub const P: u16 = 0x0200;
    pub const F: u16 = 0x0100;
    pub const T: u16 = 0x0080;
    pub const B: u16 = 0x0040;

    /// The flags of a Proxy Binding Update: A = P = 1 (RFC 5213 §6.9.1.5).
    pub const PROXY: BindingUpdateFlags = BindingUpdateFlags {
        ack: true,
        home_registration: false,
        link_local: false,
        key_management: false,
        map_registration: false,
        mobile_router: false,
        proxy: true,
        force_udp: false,
        tlv_header: false,
        bulk: false,
    };

    /// Decodes the 16-bit flags word at offset 8; the 6 reserved bits are ignored.
    pub fn from_bits(w: u16) -> Self {
        BindingUpdateFlags {
            ack: w & Self::A != 0,
            home_registration: w & Self::H != 0,
            link_local: w & Self::L != 0,
            key_management: w & Self::K != 0,
            map_registration: w & Self::M != 0,
            mobile_router: w & Self::R != 0,
            proxy: w & Self::P != 0,
            force_udp: w & Self::F != 0,
            tlv_header: w & Self::T != 0,
            bulk: w & Self::B != 0,
        }
    }

    pub fn bits(&self) -> u16 {
        [
            (self.ack, Self::A),
            (self.home_registration, Self::H),
            (self.link_local, Self::L),
            (self.key_management, Self::K),
            (self.map_registration, Self::M),
            (self.mobile_router, Self::R),
            (self.proxy, Self::P),
            (self.force_udp, Self::F),
            (self.tlv_header, Self::T),
            (self.bulk, Self::B),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .fold(0, |acc, (_, m)| acc | m)
    }
}

/// Binding Update / Proxy Binding Update (MH type 5).
///
/// ```text
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |          Sequence #           |   6
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |A|H|L|K|M|R|P|F|T|B| Reserved  |            Lifetime           |   8, 10
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility options                       .  12
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingUpdate {
    pub sequence: u16,
    pub flags: BindingUpdateFlags,
    /// Units of 4 seconds; 0 = de-registration.
    pub lifetime: u16,
    pub options: Vec<MobilityOption>,
}

mod bu {
    use std::ops::Range;
    pub const SEQUENCE: Range<usize> = 6..8;
    pub const FLAGS: Range<usize> = 8..10;
    pub const LIFETIME: Range<usize> = 10..12;
    pub const OPTIONS: usize = 12;
}

impl BindingUpdate {
    pub const OPTIONS_OFFSET: usize = bu::OPTIONS;

    /// A Proxy Binding Update (P = 1, A = 1).
    pub fn is_proxy(&self) -> bool {
        self.flags.proxy
    }

    /// Lifetime in seconds (RFC 6275 §6.1.7: 4-second units).
    pub fn lifetime_secs(&self) -> u32 {
        u32::from(self.lifetime) * 4
    }

    pub(crate) fn parse_body(mh: &[u8]) -> Result<Self> {
        let v = BindingUpdateView::parse(mh)?;
        Ok(BindingUpdate {
            sequence: v.sequence,
            flags: v.flags,
            lifetime: v.lifetime,
            options: parse_options(v.options, bu::OPTIONS)?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        bu::OPTIONS + options_len(&self.options, bu::OPTIONS)
    }

    pub(crate) fn emit_body(&self, mh: &mut [u8]) {
        put16(mh, bu::SEQUENCE, self.sequence);
        put16(mh, bu::FLAGS, self.flags.bits());
        put16(mh, bu::LIFETIME, self.lifetime);
        emit_options(&self.options, &mut mh[bu::OPTIONS..], bu::OPTIONS);
    }
}

/// A Binding Update read in place: the fixed fields decoded, the options area
/// borrowed, for receivers that walk the options with
/// [`MobilityOptions`](super::MobilityOptions) instead of allocating a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindingUpdateView<'a> {
    pub sequence: u16,
    pub flags: BindingUpdateFlags,
    /// Units of 4 seconds; 0 = de-registration.
    pub lifetime: u16,
    /// The options area, from MH offset [`BindingUpdate::OPTIONS_OFFSET`] to the end.
    pub options: &'a [u8],
}

impl<'a> BindingUpdateView<'a> {
    /// Reads the body of `mh`, a whole BU that passed
    /// [`MobilityHeader::check`](super::MobilityHeader::check). The options are not
    /// validated here.
    pub fn parse(mh: &'a [u8]) -> Result<Self> {
        Ok(BindingUpdateView {
            sequence: be16(mh, bu::SEQUENCE),
            flags: BindingUpdateFlags::from_bits(be16(mh, bu::FLAGS)),
            lifetime: be16(mh, bu::LIFETIME),
            options: mh.get(bu::OPTIONS..).ok_or(Error::Truncated)?,
        })
    }
}

/// Binding Acknowledgement flags (RFC 6275 §6.1.8, RFC 3963, RFC 5213 §8.2, RFC 5845
/// §6.3, RFC 6602 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct BindingAckFlags {
    pub key_management: bool,
    pub mobile_router: bool,
    pub proxy: bool,
    pub tlv_header: bool,
    pub bulk: bool,
}

impl BindingAckFlags {
    pub const K: u8 = 0x80;
    pub const R: u8 = 0x40;
    pub const P: u8 = 0x20;
    pub const T: u8 = 0x10;
    pub const B: u8 = 0x08;

    /// The flags of a Proxy Binding Acknowledgement: P = 1 (RFC 5213 §8.2).
    pub const PROXY: BindingAckFlags = BindingAckFlags {
        key_management: false,
        mobile_router: false,
        proxy: true,
        tlv_header: false,
        bulk: false,
    };

    pub fn from_bits(b: u8) -> Self {
        BindingAckFlags {
            key_management: b & Self::K != 0,
            mobile_router: b & Self::R != 0,
            proxy: b & Self::P != 0,
            tlv_header: b & Self::T != 0,
            bulk: b & Self::B != 0,
        }
    }

    pub fn bits(&self) -> u8 {
        (if self.key_management { Self::K } else { 0 })
            | (if self.mobile_router { Self::R } else { 0 })
            | (if self.proxy { Self::P } else { 0 })
            | (if self.tlv_header { Self::T } else { 0 })
            | (if self.bulk { Self::B } else { 0 })
    }
}

/// Binding Acknowledgement / Proxy Binding Acknowledgement (MH type 6).
///
/// ```text
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |    Status     |K|R|P|T|B|Res  |   6, 7
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Sequence #          |            Lifetime           |   8, 10
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility options                       .  12
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingAck {
    pub status: u8,
    pub flags: BindingAckFlags,
    pub sequence: u16,
    /// Units of 4 seconds.
    pub lifetime: u16,
    pub options: Vec<MobilityOption>,
}

mod ba {
    use std::ops::Range;
    pub const STATUS: usize = 6;
    pub const FLAGS: usize = 7;
    pub const SEQUENCE: Range<usize> = 8..10;
    pub const LIFETIME: Range<usize> = 10..12;
    pub const OPTIONS: usize = 12;
}

impl BindingAck {
    pub const OPTIONS_OFFSET: usize = ba::OPTIONS;

    pub fn is_proxy(&self) -> bool {
        self.flags.proxy
    }

    pub fn is_accepted(&self) -> bool {
        status::is_accepted(self.status)
    }

    pub fn lifetime_secs(&self) -> u32 {
        u32::from(self.lifetime) * 4
    }

    pub(crate) fn parse_body(mh: &[u8]) -> Result<Self> {
        Ok(BindingAck {
            status: mh.get(ba::STATUS).copied().unwrap_or(0),
            flags: BindingAckFlags::from_bits(mh.get(ba::FLAGS).copied().unwrap_or(0)),
            sequence: be16(mh, ba::SEQUENCE),
            lifetime: be16(mh, ba::LIFETIME),
            options: options_of(mh, ba::OPTIONS)?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        ba::OPTIONS + options_len(&self.options, ba::OPTIONS)
    }

    pub(crate) fn emit_body(&self, mh: &mut [u8]) {
        emit_ba_fixed(mh, self.status, self.flags, self.sequence, self.lifetime);
        emit_options(&self.options, &mut mh[ba::OPTIONS..], ba::OPTIONS);
    }
}

/// The fixed part of a BA (Status to Lifetime) into `mh`.
pub(crate) fn emit_ba_fixed(
    mh: &mut [u8],
    status: u8,
    flags: BindingAckFlags,
    sequence: u16,
    lifetime: u16,
) {
    mh[ba::STATUS] = status;
    mh[ba::FLAGS] = flags.bits();
    put16(mh, ba::SEQUENCE, sequence);
    put16(mh, ba::LIFETIME, lifetime);
}

/// Binding Error (MH type 7, RFC 6275 §6.1.9).
///
/// ```text
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |     Status    |   Reserved    |   6, 7
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// +                          Home Address (16)                    +   8
/// .                        Mobility options                       .  24
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingError {
    pub status: u8,
    pub home_address: Ipv6Addr,
    pub options: Vec<MobilityOption>,
}

mod be {
    use std::ops::Range;
    pub const STATUS: usize = 6;
    pub const HOME_ADDRESS: Range<usize> = 8..24;
    pub const OPTIONS: usize = 24;
}

impl BindingError {
    pub const OPTIONS_OFFSET: usize = be::OPTIONS;

    pub(crate) fn parse_body(mh: &[u8]) -> Result<Self> {
        let mut hoa = [0u8; 16];
        hoa.copy_from_slice(mh.get(be::HOME_ADDRESS).ok_or(Error::Truncated)?);
        Ok(BindingError {
            status: mh.get(be::STATUS).copied().unwrap_or(0),
            home_address: Ipv6Addr::from(hoa),
            options: options_of(mh, be::OPTIONS)?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        be::OPTIONS + options_len(&self.options, be::OPTIONS)
    }

    pub(crate) fn emit_body(&self, mh: &mut [u8]) {
        mh[be::STATUS] = self.status;
        mh[be::STATUS + 1] = 0;
        mh[be::HOME_ADDRESS].copy_from_slice(&self.home_address.octets());
        emit_options(&self.options, &mut mh[be::OPTIONS..], be::OPTIONS);
    }
}

/// Binding Refresh Request (MH type 0, RFC 6275 §6.1.2): 2 reserved octets, options at 8.
pub(crate) mod brr {
    pub const RESERVED: std::ops::Range<usize> = 6..8;
    pub const OPTIONS: usize = 8;
}

pub(crate) fn parse_brr(mh: &[u8]) -> Result<Vec<MobilityOption>> {
    options_of(mh, brr::OPTIONS)
}

pub(crate) fn brr_body_len(options: &[MobilityOption]) -> usize {
    brr::OPTIONS + options_len(options, brr::OPTIONS)
}

pub(crate) fn emit_brr(options: &[MobilityOption], mh: &mut [u8]) {
    put16(mh, brr::RESERVED, 0);
    emit_options(options, &mut mh[brr::OPTIONS..], brr::OPTIONS);
}

/// Heartbeat (MH type 13, RFC 5847 §3.3).
///
/// ```text
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |   Reserved    |  Reserved |U|R|   6, 7
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Sequence Number (32)                    |   8
/// .                        Mobility options                       .  12
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// U: an unsolicited response, sent after a restart.
    pub unsolicited: bool,
    /// R: 0 = request, 1 = response.
    pub response: bool,
    pub sequence: u32,
    pub options: Vec<MobilityOption>,
}

mod hb {
    use std::ops::Range;
    pub const FLAGS: usize = 7;
    pub const U: u8 = 0x02;
    pub const R: u8 = 0x01;
    pub const SEQUENCE: Range<usize> = 8..12;
    pub const OPTIONS: usize = 12;
}

impl Heartbeat {
    pub const OPTIONS_OFFSET: usize = hb::OPTIONS;

    pub(crate) fn parse_body(mh: &[u8]) -> Result<Self> {
        let flags = mh.get(hb::FLAGS).copied().unwrap_or(0);
        let mut seq = [0u8; 4];
        seq.copy_from_slice(mh.get(hb::SEQUENCE).ok_or(Error::Truncated)?);
        Ok(Heartbeat {
            unsolicited: flags & hb::U != 0,
            response: flags & hb::R != 0,
            sequence: u32::from_be_bytes(seq),
            options: options_of(mh, hb::OPTIONS)?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        hb::OPTIONS + options_len(&self.options, hb::OPTIONS)
    }

    pub(crate) fn emit_body(&self, mh: &mut [u8]) {
        mh[hb::FLAGS - 1] = 0;
        mh[hb::FLAGS] =
            (if self.unsolicited { hb::U } else { 0 }) | (if self.response { hb::R } else { 0 });
        mh[hb::SEQUENCE].copy_from_slice(&self.sequence.to_be_bytes());
        emit_options(&self.options, &mut mh[hb::OPTIONS..], hb::OPTIONS);
    }
}

/// The two Binding Revocation messages sharing MH type 16 (RFC 5846 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationKind {
    /// B.R. Type 1, Binding Revocation Indication, with its Revocation Trigger.
    Indication { trigger: u8 },
    /// B.R. Type 2, Binding Revocation Acknowledgement, with its Status.
    Acknowledgement { status: u8 },
}

/// Binding Revocation Indication / Acknowledgement (MH type 16, RFC 5846 §5.1–5.2).
///
/// ```text
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |  B.R. Type    | Trigger/Status|   6, 7
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Sequence #            |P|V|G|        Reserved         |   8, 10
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility options                       .  12
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingRevocation {
    pub kind: RevocationKind,
    pub sequence: u16,
    /// P: proxy binding.
    pub proxy: bool,
    /// V: IPv4 HoA binding only.
    pub ipv4_hoa_only: bool,
    /// G: global revocation.
    pub global: bool,
    pub options: Vec<MobilityOption>,
}

mod br {
    use std::ops::Range;
    pub const TYPE: usize = 6;
    pub const TRIGGER_OR_STATUS: usize = 7;
    pub const SEQUENCE: Range<usize> = 8..10;
    pub const FLAGS: Range<usize> = 10..12;
    pub const P: u16 = 0x8000;
    pub const V: u16 = 0x4000;
    pub const G: u16 = 0x2000;
    pub const OPTIONS: usize = 12;
    pub const BRI: u8 = 1;
    pub const BRA: u8 = 2;
}

impl BindingRevocation {
    pub const OPTIONS_OFFSET: usize = br::OPTIONS;

    pub(crate) fn parse_body(mh: &[u8]) -> Result<Self> {
        let value = mh.get(br::TRIGGER_OR_STATUS).copied().unwrap_or(0);
        let kind = match mh.get(br::TYPE).copied().unwrap_or(0) {
            br::BRI => RevocationKind::Indication { trigger: value },
            br::BRA => RevocationKind::Acknowledgement { status: value },
            other => return Err(Error::BadRevocationType(other)),
        };
        let flags = be16(mh, br::FLAGS);
        Ok(BindingRevocation {
            kind,
            sequence: be16(mh, br::SEQUENCE),
            proxy: flags & br::P != 0,
            ipv4_hoa_only: flags & br::V != 0,
            global: flags & br::G != 0,
            options: options_of(mh, br::OPTIONS)?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        br::OPTIONS + options_len(&self.options, br::OPTIONS)
    }

    pub(crate) fn emit_body(&self, mh: &mut [u8]) {
        let (ty, value) = match self.kind {
            RevocationKind::Indication { trigger } => (br::BRI, trigger),
            RevocationKind::Acknowledgement { status } => (br::BRA, status),
        };
        mh[br::TYPE] = ty;
        mh[br::TRIGGER_OR_STATUS] = value;
        put16(mh, br::SEQUENCE, self.sequence);
        let flags = (if self.proxy { br::P } else { 0 })
            | (if self.ipv4_hoa_only { br::V } else { 0 })
            | (if self.global { br::G } else { 0 });
        put16(mh, br::FLAGS, flags);
        emit_options(&self.options, &mut mh[br::OPTIONS..], br::OPTIONS);
    }
}

/// Localized Routing Initiation (MH type 17, RFC 6705 §10.1).
///
/// ```text
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |           Sequence #          |   6
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Reserved              |           Lifetime            |   8, 10
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility options                       .  12
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedRoutingInitiation {
    pub sequence: u16,
    /// Seconds (not 4-s units); 0xFFFF = infinite, 0 = stop.
    pub lifetime: u16,
    pub options: Vec<MobilityOption>,
}

mod lr {
    use std::ops::Range;
    pub const SEQUENCE: Range<usize> = 6..8;
    pub const LRI_RESERVED: Range<usize> = 8..10;
    pub const LRA_FLAGS: usize = 8;
    pub const LRA_U: u8 = 0x80;
    pub const LRA_STATUS: usize = 9;
    pub const LIFETIME: Range<usize> = 10..12;
    pub const OPTIONS: usize = 12;
}

impl LocalizedRoutingInitiation {
    pub const OPTIONS_OFFSET: usize = lr::OPTIONS;

    pub(crate) fn parse_body(mh: &[u8]) -> Result<Self> {
        Ok(LocalizedRoutingInitiation {
            sequence: be16(mh, lr::SEQUENCE),
            lifetime: be16(mh, lr::LIFETIME),
            options: options_of(mh, lr::OPTIONS)?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        lr::OPTIONS + options_len(&self.options, lr::OPTIONS)
    }

    pub(crate) fn emit_body(&self, mh: &mut [u8]) {
        put16(mh, lr::SEQUENCE, self.sequence);
        put16(mh, lr::LRI_RESERVED, 0);
        put16(mh, lr::LIFETIME, self.lifetime);
        emit_options(&self.options, &mut mh[lr::OPTIONS..], lr::OPTIONS);
    }
}

/// Localized Routing Acknowledgement (MH type 18, RFC 6705 §10.2).
///
/// ```text
///                                 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///                                 |           Sequence #          |   6
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |U|  Reserved   |   Status      |           Lifetime            |   8, 9, 10
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                        Mobility options                       .  12
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedRoutingAck {
    pub sequence: u16,
    /// U: sent unsolicited.
    pub unsolicited: bool,
    pub status: u8,
    /// Seconds.
    pub lifetime: u16,
    pub options: Vec<MobilityOption>,
}

impl LocalizedRoutingAck {
    pub const OPTIONS_OFFSET: usize = lr::OPTIONS;

    pub(crate) fn parse_body(mh: &[u8]) -> Result<Self> {
        Ok(LocalizedRoutingAck {
            sequence: be16(mh, lr::SEQUENCE),
            unsolicited: mh.get(lr::LRA_FLAGS).copied().unwrap_or(0) & lr::LRA_U != 0,
            status: mh.get(lr::LRA_STATUS).copied().unwrap_or(0),
            lifetime: be16(mh, lr::LIFETIME),
            options: options_of(mh, lr::OPTIONS)?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        lr::OPTIONS + options_len(&self.options, lr::OPTIONS)
    }

    pub(crate) fn emit_body(&self, mh: &mut [u8]) {
        put16(mh, lr::SEQUENCE, self.sequence);
        mh[lr::LRA_FLAGS] = if self.unsolicited { lr::LRA_U } else { 0 };
        mh[lr::LRA_STATUS] = self.status;
        put16(mh, lr::LIFETIME, self.lifetime);
        emit_options(&self.options, &mut mh[lr::OPTIONS..], lr::OPTIONS);
    }
}

option_accessors!(
    BindingUpdate,
    BindingAck,
    BindingError,
    Heartbeat,
    BindingRevocation,
    LocalizedRoutingInitiation,
    LocalizedRoutingAck
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bu_flag_bits_round_trip() {
        let all = BindingUpdateFlags::from_bits(0xffc0);
        assert_eq!(all.bits(), 0xffc0);
        assert_eq!(
            BindingUpdateFlags::from_bits(0x003f),
            BindingUpdateFlags::default()
        );
        assert_eq!(BindingUpdateFlags::PROXY.bits(), 0x8200);
    }

    #[test]
    fn ba_flag_bits_round_trip() {
        assert_eq!(BindingAckFlags::from_bits(0xff).bits(), 0xf8);
        assert_eq!(BindingAckFlags::PROXY.bits(), 0x20);
    }

    #[test]
    fn timestamp_lab_value() {
        // pmip-wire.md §1.11: 1700000000.5 -> 0x6553f1008000.
        let ts = Timestamp::from_unix_secs_frac(1_700_000_000, 0x8000);
        assert_eq!(ts.0, 0x6553_f100_8000);
        assert_eq!(ts.to_millis(), 1_700_000_000_500);
        assert_eq!(Timestamp::from_millis(1_700_000_000_500), ts);
    }

    #[test]
    fn timestamp_millis_round_trip_every_fraction() {
        for ms in 0..1000u64 {
            let t = 1_600_000_000_000 + ms;
            assert_eq!(Timestamp::from_millis(t).to_millis(), t);
        }
    }

    #[test]
    fn timestamp_orders_by_time() {
        assert!(Timestamp::from_millis(1001) > Timestamp::from_millis(1000));
        assert!(Timestamp::from_unix_secs_frac(2, 0) > Timestamp::from_unix_secs_frac(1, 0xffff));
    }

    #[test]
    fn status_acceptance_boundary() {
        assert!(status::is_accepted(
            status::PBU_ACCEPTED_TB_IGNORED_SETTINGSMISMATCH
        ));
        assert!(!status::is_accepted(status::REASON_UNSPECIFIED));
    }
}
