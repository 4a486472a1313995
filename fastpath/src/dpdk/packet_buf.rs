//! [`PacketBuf`] for [`Mbuf`], so the pipeline runs on DPDK buffers.

use super::mbuf::{Mbuf, MbufError};
use crate::packet::{PacketBuf, PacketError};

impl From<MbufError> for PacketError {
    fn from(e: MbufError) -> Self {
        match e {
            MbufError::NoHeadroom { need, have } => PacketError::NoHeadroom { need, have },
            MbufError::NoTailroom { need, have } | MbufError::TooShort { need, have } => {
                PacketError::TooShort { need, have }
            }
            // Only single-segment mbufs are built by this project.
            MbufError::MultiSegment(_) => PacketError::TooShort { need: 0, have: 0 },
        }
    }
}

impl PacketBuf for Mbuf {
    #[inline]
    fn data(&self) -> &[u8] {
        Mbuf::data(self)
    }
    #[inline]
    fn data_mut(&mut self) -> &mut [u8] {
        Mbuf::data_mut(self)
    }
    #[inline]
    fn len(&self) -> usize {
        Mbuf::len(self)
    }
    #[inline]
    fn headroom(&self) -> usize {
        Mbuf::headroom(self)
    }
    #[inline]
    fn prepend(&mut self, n: usize) -> Result<&mut [u8], PacketError> {
        Mbuf::prepend(self, n).map_err(PacketError::from)
    }
    #[inline]
    fn adj(&mut self, n: usize) -> Result<(), PacketError> {
        Mbuf::adj(self, n).map_err(PacketError::from)
    }
    #[inline]
    fn trim(&mut self, n: usize) -> Result<(), PacketError> {
        Mbuf::trim(self, n).map_err(PacketError::from)
    }
    #[inline]
    fn port(&self) -> u16 {
        Mbuf::port(self)
    }
    #[inline]
    fn set_port(&mut self, port: u16) {
        Mbuf::set_port(self, port)
    }
}
