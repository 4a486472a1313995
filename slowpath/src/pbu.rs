//! One-pass views of the options of a Proxy Binding Update / Acknowledgement
//! (RFC 5213 §8.1, §8.2), shared by the LMA and MAG engines.

use std::net::Ipv6Addr;

use smallvec::SmallVec;

use crate::wire::{
    self, AccessTechnologyType, HandoffIndicator, MobilityOption, MobilityOptions, OptionType,
    Timestamp,
};

/// A Home Network Prefix option's value, as carried (RFC 5213 §8.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HnpValue {
    /// Prefix length.
    pub prefix_len: u8,
    /// Prefix; `::` is ALL_ZERO ("LMA please assign").
    pub prefix: Ipv6Addr,
}

impl HnpValue {
    /// ALL_ZERO (RFC 5213 §2.2): the MAG asks the LMA to assign.
    pub fn is_all_zero(&self) -> bool {
        self.prefix.is_unspecified()
    }
}

/// The PMIPv6 options of one message, gathered in a single pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PmipOptions<'a> {
    /// MN-ID option: subtype and identifier (RFC 4283).
    pub mn_id: Option<(u8, &'a [u8])>,
    /// Home Network Prefix options, in order (inline up to four: no
    /// allocation per message).
    pub hnps: SmallVec<[HnpValue; 4]>,
    /// Handoff Indicator option.
    pub handoff_indicator: Option<HandoffIndicator>,
    /// Access Technology Type option.
    pub access_technology: Option<AccessTechnologyType>,
    /// MN Link-layer Identifier option.
    pub link_layer_id: Option<&'a [u8]>,
    /// Link-local Address option.
    pub link_local: Option<Ipv6Addr>,
    /// Timestamp option.
    pub timestamp: Option<Timestamp>,
    /// GRE Key option (`Some(None)` = present without a key).
    pub gre_key: Option<Option<u32>>,
    /// Alternate Care-of Address option.
    pub alternate_coa: Option<Ipv6Addr>,
    /// A singleton option (MN-ID, HI, ATT, Timestamp, MN-LL-ID, LLA, GRE
    /// Key, Alt-CoA) appeared more than once (RFC 5213 §8.1, §8.2).
    pub duplicate: bool,
}

fn set_once<T>(slot: &mut Option<T>, value: T, duplicate: &mut bool) {
    if slot.is_some() {
        *duplicate = true;
    } else {
        *slot = Some(value);
    }
}

impl<'a> PmipOptions<'a> {
    /// Gather the options. Unknown and unrelated options are skipped
    /// (RFC 5213 §8.1: "MUST ignore and skip any options that it does not understand").
    pub fn gather(options: &'a [MobilityOption]) -> PmipOptions<'a> {
        let mut v = PmipOptions::default();
        for opt in options {
            match opt {
                MobilityOption::MnIdentifier {
                    subtype,
                    identifier,
                } => v.mn_identifier(*subtype, identifier),
                MobilityOption::MnLinkLayerIdentifier(id) => v.link_layer_identifier(id),
                other => v.value(other),
            }
        }
        v
    }

    /// Gather the options straight from the options area of a received message
    /// (`base`: its offset in the MH), without building [`MobilityOption`]s for the
    /// identifiers: no allocation. Every option is checked as
    /// [`MhRepr::parse`](crate::wire::MhRepr::parse) checks it, so this fails exactly
    /// where that would, and otherwise equals `gather` of its options.
    pub fn parse(area: &'a [u8], base: usize) -> wire::Result<PmipOptions<'a>> {
        let mut v = PmipOptions::default();
        for raw in MobilityOptions::new(area, base) {
            let raw = raw?;
            raw.check_length()?;
            match raw.option_type {
                OptionType::MN_IDENTIFIER => {
                    if let Some((subtype, id)) = raw.mn_identifier() {
                        v.mn_identifier(subtype, id);
                    }
                }
                OptionType::MN_LINK_LAYER_IDENTIFIER => {
                    if let Some(id) = raw.link_layer_identifier() {
                        v.link_layer_identifier(id);
                    }
                }
                OptionType::HOME_NETWORK_PREFIX => {
                    let (prefix_len, prefix) = raw.prefix_value();
                    v.hnps.push(HnpValue { prefix_len, prefix });
                }
                OptionType::HANDOFF_INDICATOR => {
                    let hi = HandoffIndicator(raw.octet_value());
                    set_once(&mut v.handoff_indicator, hi, &mut v.duplicate)
                }
                OptionType::ACCESS_TECHNOLOGY_TYPE => {
                    let att = AccessTechnologyType(raw.octet_value());
                    set_once(&mut v.access_technology, att, &mut v.duplicate)
                }
                OptionType::LINK_LOCAL_ADDRESS => {
                    set_once(&mut v.link_local, raw.address_value(), &mut v.duplicate)
                }
                OptionType::TIMESTAMP => {
                    set_once(&mut v.timestamp, raw.timestamp_value(), &mut v.duplicate)
                }
                OptionType::GRE_KEY => {
                    set_once(&mut v.gre_key, raw.gre_key_value(), &mut v.duplicate)
                }
                OptionType::ALTERNATE_CARE_OF_ADDRESS => {
                    set_once(&mut v.alternate_coa, raw.address_value(), &mut v.duplicate)
                }
                // Others are skipped, once their Length checked.
                _ => {}
            }
        }
        Ok(v)
    }

    fn mn_identifier(&mut self, subtype: u8, id: &'a [u8]) {
        set_once(&mut self.mn_id, (subtype, id), &mut self.duplicate);
    }

    fn link_layer_identifier(&mut self, id: &'a [u8]) {
        set_once(&mut self.link_layer_id, id, &mut self.duplicate);
    }

    /// One option whose value holds no borrowed data; others are skipped.
    fn value(&mut self, opt: &MobilityOption) {
        let dup = &mut self.duplicate;
        match opt {
            MobilityOption::HomeNetworkPrefix { prefix_len, prefix } => self.hnps.push(HnpValue {
                prefix_len: *prefix_len,
                prefix: *prefix,
            }),
            MobilityOption::HandoffIndicator(hi) => set_once(&mut self.handoff_indicator, *hi, dup),
            MobilityOption::AccessTechnologyType(att) => {
                set_once(&mut self.access_technology, *att, dup)
            }
            MobilityOption::LinkLocalAddress(a) => set_once(&mut self.link_local, *a, dup),
            MobilityOption::Timestamp(ts) => set_once(&mut self.timestamp, *ts, dup),
            MobilityOption::GreKey(k) => set_once(&mut self.gre_key, *k, dup),
            MobilityOption::AlternateCareOfAddress(a) => set_once(&mut self.alternate_coa, *a, dup),
            _ => {}
        }
    }

    /// The MN link-layer identifier unless absent or ALL_ZERO (RFC 5213 §5.1).
    pub fn link_layer_id_non_zero(&self) -> Option<&'a [u8]> {
        self.link_layer_id.filter(|id| id.iter().any(|&b| b != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_and_flags_duplicates() {
        let opts = vec![
            MobilityOption::MnIdentifier {
                subtype: 1,
                identifier: b"mn@x".to_vec(),
            },
            MobilityOption::Unknown {
                option_type: 200,
                data: vec![1, 2],
            },
            MobilityOption::HomeNetworkPrefix {
                prefix_len: 64,
                prefix: Ipv6Addr::UNSPECIFIED,
            },
            MobilityOption::HandoffIndicator(HandoffIndicator(1)),
            MobilityOption::MnLinkLayerIdentifier(vec![0, 0, 0, 0, 0, 0]),
        ];
        let v = PmipOptions::gather(&opts);
        assert_eq!(v.mn_id, Some((1, &b"mn@x"[..])));
        assert_eq!(v.hnps.len(), 1);
        assert!(v.hnps[0].is_all_zero());
        assert!(!v.duplicate);
        assert_eq!(v.link_layer_id_non_zero(), None);

        let mut twice = opts.clone();
        twice.push(MobilityOption::HandoffIndicator(HandoffIndicator(2)));
        assert!(PmipOptions::gather(&twice).duplicate);
    }
}
