//! The packet-buffer abstraction the pipeline is generic over.
//!
//! The DPDK `Mbuf` implements [`PacketBuf`] in `dpdk/`; [`VecPacket`] is a `Vec<u8>`-backed buffer
//! with the same head-room semantics for tests and benchmarks. The pipeline uses static dispatch
//! only (`P: PacketBuf`), so the trait costs nothing per packet.

/// Errors from head/tail adjustments of a packet buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// `prepend` asked for more bytes than the buffer has in front of its data.
    #[error("not enough headroom: need {need}, have {have}")]
    NoHeadroom {
        /// Bytes requested.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// `adj`/`trim` asked to remove more bytes than the packet holds.
    #[error("packet too short: need {need}, have {have}")]
    TooShort {
        /// Bytes requested.
        need: usize,
        /// Bytes available.
        have: usize,
    },
}

/// A contiguous packet buffer with head-room, in the shape of a single-segment DPDK mbuf.
pub trait PacketBuf {
    /// The packet bytes (from the current start of data to its end).
    fn data(&self) -> &[u8];
    /// The packet bytes, writable.
    fn data_mut(&mut self) -> &mut [u8];
    /// Length of the packet data in bytes.
    fn len(&self) -> usize {
        self.data().len()
    }
    /// Whether the packet holds no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Bytes free in front of the data (what `prepend` can take).
    fn headroom(&self) -> usize;
    /// Grow the packet by `n` bytes at the front; returns the new (uninitialised-content) front
    /// `n` bytes. Fails without changing the packet when the head-room is too small.
    fn prepend(&mut self, n: usize) -> Result<&mut [u8], PacketError>;
    /// Remove `n` bytes from the front.
    fn adj(&mut self, n: usize) -> Result<(), PacketError>;
    /// Remove `n` bytes from the end.
    fn trim(&mut self, n: usize) -> Result<(), PacketError>;
    /// The port the packet was received on, or is to be sent on.
    fn port(&self) -> u16;
    /// Set the port (the egress port once a forwarding decision is made).
    fn set_port(&mut self, port: u16);
}

/// Default head-room of a [`VecPacket`], the same as DPDK's `RTE_PKTMBUF_HEADROOM`.
pub const DEFAULT_HEADROOM: usize = 128;

/// A `Vec<u8>`-backed [`PacketBuf`] for tests and benchmarks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecPacket {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    port: u16,
}

impl VecPacket {
    /// A packet holding a copy of `data` with [`DEFAULT_HEADROOM`] bytes in front.
    pub fn new(data: &[u8]) -> Self {
        Self::with_headroom(DEFAULT_HEADROOM, data)
    }

    /// A packet holding a copy of `data` with `headroom` bytes in front.
    pub fn with_headroom(headroom: usize, data: &[u8]) -> Self {
        let mut buf = vec![0u8; headroom + data.len()];
        buf[headroom..].copy_from_slice(data);
        Self {
            buf,
            start: headroom,
            end: headroom + data.len(),
            port: 0,
        }
    }

    /// Refill this packet in place with `data` behind `headroom` bytes; allocates only when the
    /// buffer is too small, so benchmarks can recycle packets like a mempool.
    pub fn reset(&mut self, headroom: usize, data: &[u8], port: u16) {
        let need = headroom + data.len();
        if self.buf.len() < need {
            self.buf.resize(need, 0);
        }
        self.buf[headroom..need].copy_from_slice(data);
        self.start = headroom;
        self.end = need;
        self.port = port;
    }

    /// Builder-style port setter.
    pub fn on_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
}

impl PacketBuf for VecPacket {
    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..self.end]
    }

    fn len(&self) -> usize {
        self.end - self.start
    }

    fn headroom(&self) -> usize {
        self.start
    }

    fn prepend(&mut self, n: usize) -> Result<&mut [u8], PacketError> {
        if n > self.start {
            return Err(PacketError::NoHeadroom {
                need: n,
                have: self.start,
            });
        }
        self.start -= n;
        Ok(&mut self.buf[self.start..self.start + n])
    }

    fn adj(&mut self, n: usize) -> Result<(), PacketError> {
        if n > self.len() {
            return Err(PacketError::TooShort {
                need: n,
                have: self.len(),
            });
        }
        self.start += n;
        Ok(())
    }

    fn trim(&mut self, n: usize) -> Result<(), PacketError> {
        if n > self.len() {
            return Err(PacketError::TooShort {
                need: n,
                have: self.len(),
            });
        }
        self.end -= n;
        Ok(())
    }

    fn port(&self) -> u16 {
        self.port
    }

    fn set_port(&mut self, port: u16) {
        self.port = port;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepend_adj_trim_move_the_window() {
        let mut p = VecPacket::with_headroom(8, &[1, 2, 3, 4]);
        assert_eq!(p.headroom(), 8);
        p.prepend(2).unwrap().copy_from_slice(&[9, 9]);
        assert_eq!(p.data(), &[9, 9, 1, 2, 3, 4]);
        assert_eq!(p.headroom(), 6);
        p.adj(3).unwrap();
        assert_eq!(p.data(), &[2, 3, 4]);
        p.trim(1).unwrap();
        assert_eq!(p.data(), &[2, 3]);
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn out_of_range_adjustments_fail_and_leave_the_packet_alone() {
        let mut p = VecPacket::with_headroom(2, &[1, 2, 3]);
        assert_eq!(
            p.prepend(3).unwrap_err(),
            PacketError::NoHeadroom { need: 3, have: 2 }
        );
        assert_eq!(
            p.adj(4).unwrap_err(),
            PacketError::TooShort { need: 4, have: 3 }
        );
        assert_eq!(
            p.trim(4).unwrap_err(),
            PacketError::TooShort { need: 4, have: 3 }
        );
        assert_eq!(p.data(), &[1, 2, 3]);
        assert_eq!(p.headroom(), 2);
    }

    #[test]
    fn reset_recycles_and_sets_port() {
        let mut p = VecPacket::new(&[0; 100]);
        p.adj(50).unwrap();
        p.reset(16, &[7, 8], 3);
        assert_eq!(p.data(), &[7, 8]);
        assert_eq!(p.headroom(), 16);
        assert_eq!(p.port(), 3);
        p.set_port(5);
        assert_eq!(p.port(), 5);
    }
}
