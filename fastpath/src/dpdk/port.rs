//! Ethernet ports (`rte_ethdev`) and their RX/TX queues.

use std::cell::Cell;
use std::ffi::{c_char, CString};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use super::eal::Eal;
use super::error::{check_dev, DpdkError};
use super::mbuf::{Mbuf, MbufBurst};
use super::mempool::Mempool;

/// How often `TxQueue::tx_burst` retries packets the driver did not take
/// before it frees them and counts them as drops.
pub const TX_RETRIES: u32 = 4;

const ENODEV: i32 = 19;

/// Port configuration for [`Port::configure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortConfig {
    /// Number of RX queues (one per worker lcore).
    pub rx_queues: u16,
    /// Number of TX queues.
    pub tx_queues: u16,
    /// RX descriptors per queue (adjusted to the device's limits).
    pub rx_desc: u16,
    /// TX descriptors per queue (adjusted to the device's limits).
    pub tx_desc: u16,
    /// MTU to set, if any.
    pub mtu: Option<u16>,
    /// Spread flows over the RX queues by RSS on the outer IPv4/IPv6
    /// addresses (only with more than one RX queue).
    pub rss: bool,
}

impl Default for PortConfig {
    fn default() -> Self {
        Self {
            rx_queues: 1,
            tx_queues: 1,
            rx_desc: 1024,
            tx_desc: 1024,
            mtu: None,
            rss: true,
        }
    }
}

/// Basic port counters (`rte_eth_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortStats {
    /// Packets received.
    pub ipackets: u64,
    /// Packets sent.
    pub opackets: u64,
    /// Bytes received.
    pub ibytes: u64,
    /// Bytes sent.
    pub obytes: u64,
    /// Packets dropped by the hardware because no RX descriptor was free.
    pub imissed: u64,
    /// Erroneous received packets.
    pub ierrors: u64,
    /// Failed transmissions.
    pub oerrors: u64,
    /// RX mbuf allocation failures.
    pub rx_nombuf: u64,
}

/// Link state (`rte_eth_link`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStatus {
    /// Link is up.
    pub up: bool,
    /// Speed in Mbit/s (0 if unknown).
    pub speed_mbps: u32,
    /// Full duplex.
    pub full_duplex: bool,
    /// Autonegotiated.
    pub autoneg: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortState {
    Attached,
    Configured,
    Started,
}

/// What queues hold: keeps the port (and its mempools and the EAL) alive and
/// closes the port when the last holder goes.
#[derive(Debug)]
struct PortShared {
    id: u16,
    name: String,
    eal: Eal,
    /// RX mempools in use by the device; kept alive until the port is closed.
    pools: Mutex<Vec<Mempool>>,
    /// The device, when `attach` hot-plugged it: unplugged again after close,
    /// so the same device string can be attached again.
    hotplugged: Option<HotplugDevice>,
}

#[derive(Debug)]
struct HotplugDevice(std::ptr::NonNull<dpdk_sys::rte_device>);

// SAFETY: only the pointer value moves between threads; it is passed to
// rte_dev_remove once, from whichever thread drops the last port handle,
// while the EAL is alive (PortShared holds an Eal).
unsafe impl Send for HotplugDevice {}
// SAFETY: `&HotplugDevice` gives no access to the device.
unsafe impl Sync for HotplugDevice {}

impl Drop for PortShared {
    fn drop(&mut self) {
        // No queue handle is left (they hold this Arc), so nothing polls the
        // port. Errors are irrelevant at this point.
        // SAFETY: `id` is a valid port owned by this handle.
        let _ = unsafe { dpdk_sys::rte_eth_dev_stop(self.id) };
        // SAFETY: as above; close releases the queues and their mbufs.
        let _ = unsafe { dpdk_sys::rte_eth_dev_close(self.id) };
        if let Some(dev) = self.hotplugged.take() {
            // SAFETY: the device was probed by `attach` and its only port is
            // closed; removing it releases the vdev name for a later attach.
            let _ = unsafe { dpdk_sys::rte_dev_remove(dev.0.as_ptr()) };
        }
        self.pools
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.eal
            .inner
            .state()
            .attached_ports
            .retain(|&p| p != self.id);
    }
}

/// An Ethernet port: a vdev (`net_pcap0,rx_pcap=a.pcap`) or a PCI device.
///
/// Closed on drop (or by [`close`](Self::close)) once all its queues are gone.
#[derive(Debug)]
pub struct Port {
    shared: Arc<PortShared>,
    devargs: String,
    state: PortState,
    rx_taken: Vec<bool>,
    tx_taken: Vec<bool>,
    rss_hf: u64,
}

/// The ethdev name a device string will have: the part before the first
/// comma, with a short PCI address (`BB:DD.F`) widened to `0000:BB:DD.F`.
fn device_name(devargs: &str) -> &str {
    devargs.split(',').next().unwrap_or("").trim()
}

fn is_short_pci(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 7
        && b[2] == b':'
        && b[5] == b'.'
        && [0, 1, 3, 4, 6].iter().all(|&i| b[i].is_ascii_hexdigit())
}

fn c_name(bytes: &[c_char]) -> String {
    let b: Vec<u8> = bytes
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&b).into_owned()
}

impl Port {
    fn lookup(name: &CString) -> Option<u16> {
        let mut id = 0u16;
        // SAFETY: `name` is NUL-terminated; `id` is a valid out-pointer.
        let ret = unsafe { dpdk_sys::rte_eth_dev_get_port_by_name(name.as_ptr(), &mut id) };
        (ret == 0).then_some(id)
    }

    /// Attaches a device: a vdev string such as
    /// `net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap` (hot-plugged with
    /// `rte_dev_probe`) or a PCI address (`0000:01:00.0`, probed by the EAL or
    /// now). A device the EAL already probed (`--vdev`, `-a`) is found by name.
    pub fn attach(eal: &Eal, devargs: &str) -> Result<Port, DpdkError> {
        let devargs = devargs.trim();
        let invalid = |reason: String| DpdkError::InvalidArgument {
            what: "device string",
            reason,
        };
        let mut name = device_name(devargs).to_owned();
        if name.is_empty() {
            return Err(invalid(format!("{devargs:?} has no device name")));
        }
        if is_short_pci(&name) {
            name.insert_str(0, "0000:");
        }
        if name.len() >= dpdk_sys::RTE_ETH_NAME_MAX_LEN as usize {
            return Err(invalid(format!("device name {name:?} is too long")));
        }
        let cname = CString::new(name.clone())
            .map_err(|_| invalid(format!("{devargs:?} contains a NUL byte")))?;
        let mut probed = false;
        let id = match Self::lookup(&cname) {
            Some(id) => id,
            None => {
                probed = true;
                let cargs = CString::new(devargs)
                    .map_err(|_| invalid(format!("{devargs:?} contains a NUL byte")))?;
                // SAFETY: the EAL is initialised; `cargs` is NUL-terminated
                // and DPDK copies what it keeps.
                let ret = unsafe { dpdk_sys::rte_dev_probe(cargs.as_ptr()) };
                check_dev(devargs, "rte_dev_probe", ret)?;
                Self::lookup(&cname).ok_or_else(|| DpdkError::Device {
                    device: devargs.to_owned(),
                    op: "rte_eth_dev_get_port_by_name",
                    errno: ENODEV,
                    msg: format!("probed, but no ethdev port is named {name:?}"),
                })?
            }
        };
        {
            let mut st = eal.inner.state();
            if st.attached_ports.contains(&id) {
                return Err(DpdkError::PortState {
                    device: name,
                    reason: "already attached by another Port handle",
                });
            }
            st.attached_ports.push(id);
        }
        let hotplugged = if probed {
            let mut info = dpdk_sys::rte_eth_dev_info::default();
            // SAFETY: valid port id and out-pointer.
            let ret = unsafe { dpdk_sys::rte_eth_dev_info_get(id, &mut info) };
            if ret == 0 {
                std::ptr::NonNull::new(info.device).map(HotplugDevice)
            } else {
                None
            }
        } else {
            None
        };
        Ok(Port {
            shared: Arc::new(PortShared {
                id,
                name,
                eal: eal.clone(),
                pools: Mutex::new(Vec::new()),
                hotplugged,
            }),
            devargs: devargs.to_owned(),
            state: PortState::Attached,
            rx_taken: Vec::new(),
            tx_taken: Vec::new(),
            rss_hf: 0,
        })
    }

    /// The DPDK port id.
    pub fn port_id(&self) -> u16 {
        self.shared.id
    }

    /// The ethdev name (e.g. `net_pcap0`, `0000:01:00.0`).
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The device string the port was attached with.
    pub fn devargs(&self) -> &str {
        &self.devargs
    }

    /// Whether the port is started.
    pub fn is_started(&self) -> bool {
        self.state == PortState::Started
    }

    /// RSS hash functions in effect (`RTE_ETH_RSS_*` bits; 0 if RSS is off).
    pub fn rss_hash_functions(&self) -> u64 {
        self.rss_hf
    }

    fn check(&self, op: &'static str, ret: i32) -> Result<i32, DpdkError> {
        check_dev(&self.shared.name, op, ret)
    }

    fn no_queues_out(&self, reason: &'static str) -> Result<(), DpdkError> {
        if Arc::strong_count(&self.shared) > 1 {
            return Err(DpdkError::PortState {
                device: self.shared.name.clone(),
                reason,
            });
        }
        Ok(())
    }

    fn dev_info(&self) -> Result<dpdk_sys::rte_eth_dev_info, DpdkError> {
        let mut info = dpdk_sys::rte_eth_dev_info::default();
        // SAFETY: valid port id and out-pointer.
        let ret = unsafe { dpdk_sys::rte_eth_dev_info_get(self.shared.id, &mut info) };
        self.check("rte_eth_dev_info_get", ret)?;
        Ok(info)
    }

    /// Configures the queues (all RX queues take mbufs from `pool`), RSS
    /// and MTU. The port must be stopped and hold no queue handles.
    pub fn configure(&mut self, cfg: &PortConfig, pool: &Mempool) -> Result<(), DpdkError> {
        self.no_queues_out("cannot reconfigure while RX/TX queue handles exist")?;
        if self.state == PortState::Started {
            return Err(DpdkError::PortState {
                device: self.shared.name.clone(),
                reason: "cannot reconfigure a started port; stop it first",
            });
        }
        let info = self.dev_info()?;
        let bad = |reason: String| DpdkError::InvalidArgument {
            what: "port configuration",
            reason,
        };
        if cfg.rx_queues == 0 || cfg.rx_queues > info.max_rx_queues {
            return Err(bad(format!(
                "{}: rx_queues {} not in 1..={}",
                self.shared.name, cfg.rx_queues, info.max_rx_queues
            )));
        }
        if cfg.tx_queues == 0 || cfg.tx_queues > info.max_tx_queues {
            return Err(bad(format!(
                "{}: tx_queues {} not in 1..={}",
                self.shared.name, cfg.tx_queues, info.max_tx_queues
            )));
        }
        let mut conf = dpdk_sys::rte_eth_conf::default();
        // RSS on the outer L3 addresses, masked by what the device can hash;
        // a tunnel flow (same outer pair) stays on one worker, keeping order.
        self.rss_hf = 0;
        if cfg.rss && cfg.rx_queues > 1 {
            let hf = dpdk_sys::rss_hf_ip() & info.flow_type_rss_offloads;
            if hf != 0 {
                conf.rxmode.mq_mode = dpdk_sys::RTE_ETH_MQ_RX_RSS;
                conf.rx_adv_conf.rss_conf.rss_hf = hf;
                self.rss_hf = hf;
            }
        }
        if let Some(mtu) = cfg.mtu {
            conf.rxmode.mtu = u32::from(mtu);
        }
        // SAFETY: valid port id; `conf` is a fully initialised rte_eth_conf.
        let ret = unsafe {
            dpdk_sys::rte_eth_dev_configure(self.shared.id, cfg.rx_queues, cfg.tx_queues, &conf)
        };
        self.check("rte_eth_dev_configure", ret)?;
        let (mut nb_rxd, mut nb_txd) = (cfg.rx_desc, cfg.tx_desc);
        // SAFETY: valid port id and out-pointers.
        let ret = unsafe {
            dpdk_sys::rte_eth_dev_adjust_nb_rx_tx_desc(self.shared.id, &mut nb_rxd, &mut nb_txd)
        };
        self.check("rte_eth_dev_adjust_nb_rx_tx_desc", ret)?;
        // SAFETY: valid port id; a plain getter (-1 = any socket).
        let socket = unsafe { dpdk_sys::rte_eth_dev_socket_id(self.shared.id) };
        let socket = u32::try_from(socket).unwrap_or(dpdk_sys::SOCKET_ID_ANY as u32);
        for q in 0..cfg.rx_queues {
            // SAFETY: configured port, q < rx_queues; a NULL rxconf means the
            // driver default; `pool` is kept alive in `shared.pools` below
            // until the port is closed.
            let ret = unsafe {
                dpdk_sys::rte_eth_rx_queue_setup(
                    self.shared.id,
                    q,
                    nb_rxd,
                    socket,
                    std::ptr::null(),
                    pool.as_ptr(),
                )
            };
            self.check("rte_eth_rx_queue_setup", ret)?;
        }
        for q in 0..cfg.tx_queues {
            // SAFETY: configured port, q < tx_queues; NULL = default txconf.
            let ret = unsafe {
                dpdk_sys::rte_eth_tx_queue_setup(
                    self.shared.id,
                    q,
                    nb_txd,
                    socket,
                    std::ptr::null(),
                )
            };
            self.check("rte_eth_tx_queue_setup", ret)?;
        }
        self.shared
            .pools
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(pool.clone());
        self.rx_taken = vec![false; usize::from(cfg.rx_queues)];
        self.tx_taken = vec![false; usize::from(cfg.tx_queues)];
        self.state = PortState::Configured;
        Ok(())
    }

    /// Starts the port.
    pub fn start(&mut self) -> Result<(), DpdkError> {
        match self.state {
            PortState::Started => return Ok(()),
            PortState::Attached => {
                return Err(DpdkError::PortState {
                    device: self.shared.name.clone(),
                    reason: "configure the port before starting it",
                })
            }
            PortState::Configured => {}
        }
        // SAFETY: configured port.
        let ret = unsafe { dpdk_sys::rte_eth_dev_start(self.shared.id) };
        self.check("rte_eth_dev_start", ret)?;
        self.state = PortState::Started;
        Ok(())
    }

    /// Stops the port; all its queue handles must be dropped first.
    pub fn stop(&mut self) -> Result<(), DpdkError> {
        if self.state != PortState::Started {
            return Ok(());
        }
        self.no_queues_out("cannot stop while RX/TX queue handles exist (drop them first)")?;
        // SAFETY: started port; no queue handle exists, so nothing polls it.
        let ret = unsafe { dpdk_sys::rte_eth_dev_stop(self.shared.id) };
        self.check("rte_eth_dev_stop", ret)?;
        self.state = PortState::Configured;
        self.rx_taken.iter_mut().for_each(|t| *t = false);
        self.tx_taken.iter_mut().for_each(|t| *t = false);
        Ok(())
    }

    /// Stops and closes the port. With queue handles still alive, the close
    /// happens when the last of them is dropped.
    pub fn close(self) -> Result<(), DpdkError> {
        if Arc::strong_count(&self.shared) == 1 && self.state == PortState::Started {
            // SAFETY: started port; no queue handle exists.
            let ret = unsafe { dpdk_sys::rte_eth_dev_stop(self.shared.id) };
            self.check("rte_eth_dev_stop", ret)?;
        }
        // The rest (close, pool release) is `PortShared::drop`.
        Ok(())
    }

    /// Takes the handle of RX queue `queue` (once; again after `stop`).
    pub fn rx_queue(&mut self, queue: u16) -> Result<RxQueue, DpdkError> {
        take(&mut self.rx_taken, queue, &self.shared.name, "RX queue")?;
        Ok(RxQueue {
            port: Arc::clone(&self.shared),
            port_id: self.shared.id,
            queue_id: queue,
            _not_sync: PhantomData,
        })
    }

    /// Takes the handle of TX queue `queue` (once; again after `stop`).
    pub fn tx_queue(&mut self, queue: u16) -> Result<TxQueue, DpdkError> {
        take(&mut self.tx_taken, queue, &self.shared.name, "TX queue")?;
        Ok(TxQueue {
            port: Arc::clone(&self.shared),
            port_id: self.shared.id,
            queue_id: queue,
            drops: 0,
            _not_sync: PhantomData,
        })
    }

    /// The port's MAC address.
    pub fn mac_addr(&self) -> Result<[u8; 6], DpdkError> {
        let mut addr = dpdk_sys::rte_ether_addr::default();
        // SAFETY: valid port id and out-pointer.
        let ret = unsafe { dpdk_sys::rte_eth_macaddr_get(self.shared.id, &mut addr) };
        self.check("rte_eth_macaddr_get", ret)?;
        Ok(addr.addr_bytes)
    }

    /// Link state, without waiting for autonegotiation.
    pub fn link(&self) -> Result<LinkStatus, DpdkError> {
        let mut link = dpdk_sys::rte_eth_link::default();
        // SAFETY: valid port id and out-pointer.
        let ret = unsafe { dpdk_sys::rte_eth_link_get_nowait(self.shared.id, &mut link) };
        self.check("rte_eth_link_get_nowait", ret)?;
        Ok(LinkStatus {
            up: link.link_status() != 0,
            speed_mbps: link.link_speed,
            full_duplex: link.link_duplex() != 0,
            autoneg: link.link_autoneg() != 0,
        })
    }

    /// Basic counters.
    pub fn stats(&self) -> Result<PortStats, DpdkError> {
        let mut s = dpdk_sys::rte_eth_stats::default();
        // SAFETY: valid port id and out-pointer.
        let ret = unsafe { dpdk_sys::rte_eth_stats_get(self.shared.id, &mut s) };
        self.check("rte_eth_stats_get", ret)?;
        Ok(PortStats {
            ipackets: s.ipackets,
            opackets: s.opackets,
            ibytes: s.ibytes,
            obytes: s.obytes,
            imissed: s.imissed,
            ierrors: s.ierrors,
            oerrors: s.oerrors,
            rx_nombuf: s.rx_nombuf,
        })
    }

    /// Resets the basic counters.
    pub fn reset_stats(&self) -> Result<(), DpdkError> {
        // SAFETY: valid port id.
        let ret = unsafe { dpdk_sys::rte_eth_stats_reset(self.shared.id) };
        self.check("rte_eth_stats_reset", ret).map(drop)
    }

    /// Extended counters as (name, value), in the driver's order.
    pub fn xstats(&self) -> Result<Vec<(String, u64)>, DpdkError> {
        // SAFETY: valid port id; NULL/0 asks for the count.
        let n =
            unsafe { dpdk_sys::rte_eth_xstats_get_names(self.shared.id, std::ptr::null_mut(), 0) };
        let n = self.check("rte_eth_xstats_get_names", n)? as u32;
        let mut names = vec![dpdk_sys::rte_eth_xstat_name::default(); n as usize];
        // SAFETY: `names` has room for `n` entries.
        let got =
            unsafe { dpdk_sys::rte_eth_xstats_get_names(self.shared.id, names.as_mut_ptr(), n) };
        let got = (self.check("rte_eth_xstats_get_names", got)? as u32).min(n);
        let mut vals = vec![dpdk_sys::rte_eth_xstat::default(); got as usize];
        // SAFETY: `vals` has room for `got` entries.
        let m = unsafe { dpdk_sys::rte_eth_xstats_get(self.shared.id, vals.as_mut_ptr(), got) };
        let m = (self.check("rte_eth_xstats_get", m)? as u32).min(got);
        Ok(vals[..m as usize]
            .iter()
            .filter_map(|x| {
                let name = names.get(usize::try_from(x.id).ok()?)?;
                Some((c_name(&name.name), x.value))
            })
            .collect())
    }

    /// Enables or disables promiscuous mode.
    pub fn promiscuous(&self, on: bool) -> Result<(), DpdkError> {
        let ret = if on {
            // SAFETY: valid port id.
            unsafe { dpdk_sys::rte_eth_promiscuous_enable(self.shared.id) }
        } else {
            // SAFETY: valid port id.
            unsafe { dpdk_sys::rte_eth_promiscuous_disable(self.shared.id) }
        };
        self.check("rte_eth_promiscuous_enable/disable", ret)
            .map(drop)
    }

    /// Sets the MTU.
    pub fn set_mtu(&self, mtu: u16) -> Result<(), DpdkError> {
        // SAFETY: valid port id.
        let ret = unsafe { dpdk_sys::rte_eth_dev_set_mtu(self.shared.id, mtu) };
        self.check("rte_eth_dev_set_mtu", ret).map(drop)
    }

    /// The current MTU.
    pub fn mtu(&self) -> Result<u16, DpdkError> {
        let mut mtu = 0u16;
        // SAFETY: valid port id and out-pointer.
        let ret = unsafe { dpdk_sys::rte_eth_dev_get_mtu(self.shared.id, &mut mtu) };
        self.check("rte_eth_dev_get_mtu", ret)?;
        Ok(mtu)
    }

    /// The NUMA socket of the device, if known.
    pub fn socket_id(&self) -> Option<u32> {
        // SAFETY: valid port id; a plain getter.
        let s = unsafe { dpdk_sys::rte_eth_dev_socket_id(self.shared.id) };
        u32::try_from(s).ok()
    }
}

fn take(taken: &mut [bool], queue: u16, name: &str, what: &str) -> Result<(), DpdkError> {
    match taken.get_mut(usize::from(queue)) {
        Some(t) if !*t => {
            *t = true;
            Ok(())
        }
        Some(_) => Err(DpdkError::InvalidArgument {
            what: "queue",
            reason: format!("{name}: {what} {queue} is already taken"),
        }),
        None => Err(DpdkError::InvalidArgument {
            what: "queue",
            reason: format!(
                "{name}: {what} {queue} does not exist ({} configured)",
                taken.len()
            ),
        }),
    }
}

/// One RX queue of a port, owned by one lcore (`Send`, not `Sync`).
#[derive(Debug)]
pub struct RxQueue {
    port: Arc<PortShared>,
    port_id: u16,
    queue_id: u16,
    // DPDK queues are not thread-safe: one poller at a time.
    _not_sync: PhantomData<Cell<()>>,
}

impl RxQueue {
    /// Receives into `out`'s free slots; returns the number received.
    #[inline]
    pub fn rx_burst<const N: usize>(&mut self, out: &mut MbufBurst<N>) -> usize {
        let room = u16::try_from(out.free_slots()).unwrap_or(u16::MAX);
        if room == 0 {
            return 0;
        }
        let dst = out.free_slots_ptr();
        // SAFETY: the port is configured with this queue and stays open while
        // `self` lives; `&mut self` makes us the only poller; `dst` has room
        // for `room` pointers, and the `k` written are owned mbufs.
        let k = unsafe { dpdk_sys::shim_rte_eth_rx_burst(self.port_id, self.queue_id, dst, room) };
        out.commit_filled(usize::from(k));
        usize::from(k)
    }

    /// Receives up to `max` packets straight into the spare capacity of `out`
    /// (never reallocating it: at most `out.capacity() - out.len()`); returns
    /// how many were appended. No copy through an intermediate burst.
    #[inline]
    pub fn rx_burst_vec(&mut self, out: &mut Vec<Mbuf>, max: usize) -> usize {
        let room = (out.capacity() - out.len()).min(max);
        let room = u16::try_from(room).unwrap_or(u16::MAX);
        if room == 0 {
            return 0;
        }
        let len = out.len();
        let dst = out
            .spare_capacity_mut()
            .as_mut_ptr()
            .cast::<*mut dpdk_sys::rte_mbuf>();
        // SAFETY: as in `rx_burst`; `dst` has room for `room` pointers (`Mbuf` is a
        // repr(transparent) non-null `*mut rte_mbuf`), and the `k` the driver wrote are
        // owned, non-NULL mbufs, so `len + k` elements are initialized.
        let k = usize::from(unsafe {
            dpdk_sys::shim_rte_eth_rx_burst(self.port_id, self.queue_id, dst, room)
        });
        // SAFETY: see above; `k <= room`, within the capacity.
        unsafe { out.set_len(len + k) };
        k
    }

    /// Port id.
    pub fn port_id(&self) -> u16 {
        self.port_id
    }

    /// Queue id.
    pub fn queue_id(&self) -> u16 {
        self.queue_id
    }

    /// Port name.
    pub fn port_name(&self) -> &str {
        &self.port.name
    }
}

/// One TX queue of a port, owned by one lcore (`Send`, not `Sync`).
#[derive(Debug)]
pub struct TxQueue {
    port: Arc<PortShared>,
    port_id: u16,
    queue_id: u16,
    drops: u64,
    _not_sync: PhantomData<Cell<()>>,
}

impl TxQueue {
    /// Sends every mbuf of `pkts`; returns how many the driver took. What it
    /// still refuses after [`TX_RETRIES`] retries is freed and counted in
    /// [`tx_drops`](Self::tx_drops). `pkts` is empty afterwards.
    #[inline]
    pub fn tx_burst<const N: usize>(&mut self, pkts: &mut MbufBurst<N>) -> usize {
        let mut sent = 0;
        for _ in 0..=TX_RETRIES {
            if pkts.is_empty() {
                break;
            }
            let n = u16::try_from(pkts.len()).unwrap_or(u16::MAX);
            let src = pkts.held_ptr();
            // SAFETY: the port is configured with this queue and stays open
            // while `self` lives; `&mut self` makes us the only sender; `src`
            // holds `n` owned mbufs, of which the driver takes the first `k`.
            let k = unsafe { dpdk_sys::shim_rte_eth_tx_burst(self.port_id, self.queue_id, src, n) };
            pkts.consume_front(usize::from(k));
            sent += usize::from(k);
        }
        self.drops += pkts.len() as u64;
        pkts.clear();
        sent
    }

    /// [`tx_burst`](Self::tx_burst) straight from a `Vec` (no copy through an
    /// intermediate burst); `pkts` is empty afterwards, its capacity kept.
    #[inline]
    pub fn tx_burst_vec(&mut self, pkts: &mut Vec<Mbuf>) -> usize {
        let total = pkts.len();
        let base = pkts.as_mut_ptr().cast::<*mut dpdk_sys::rte_mbuf>();
        // SAFETY: the `total` mbufs become ours to send or free below; the Vec forgets them
        // first, so nothing is freed twice. Nothing in between can unwind (FFI calls only).
        unsafe { pkts.set_len(0) };
        let mut off = 0usize;
        for _ in 0..=TX_RETRIES {
            if off == total {
                break;
            }
            let n = u16::try_from(total - off).unwrap_or(u16::MAX);
            // SAFETY: as in `tx_burst`; `base + off` holds `n` owned mbufs (the Vec's
            // buffer is still allocated), of which the driver takes the first `k`.
            let k = unsafe {
                dpdk_sys::shim_rte_eth_tx_burst(
                    self.port_id,
                    self.queue_id,
                    base.wrapping_add(off),
                    n,
                )
            };
            off += usize::from(k);
        }
        if off < total {
            let rest = total - off;
            self.drops += rest as u64;
            // SAFETY: the `rest` mbufs from `off` are still owned here (the driver refused
            // them) and are freed exactly once.
            unsafe { dpdk_sys::shim_rte_pktmbuf_free_bulk(base.wrapping_add(off), rest as u32) };
        }
        off
    }

    /// Packets freed because the driver would not take them.
    pub fn tx_drops(&self) -> u64 {
        self.drops
    }

    /// Port id.
    pub fn port_id(&self) -> u16 {
        self.port_id
    }

    /// Queue id.
    pub fn queue_id(&self) -> u16 {
        self.queue_id
    }

    /// Port name.
    pub fn port_name(&self) -> &str {
        &self.port.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names() {
        assert_eq!(device_name("net_pcap0,rx_pcap=a.pcap"), "net_pcap0");
        assert_eq!(device_name(" net_null0 "), "net_null0");
        assert_eq!(device_name(""), "");
        assert!(is_short_pci("01:00.0"));
        assert!(!is_short_pci("0000:01:00.0"));
        assert!(!is_short_pci("net_n0."));
    }

    #[test]
    fn queue_take_once() {
        let mut t = vec![false; 2];
        assert!(take(&mut t, 1, "p", "RX queue").is_ok());
        assert!(take(&mut t, 1, "p", "RX queue").is_err());
        assert!(take(&mut t, 2, "p", "RX queue").is_err());
    }

    #[test]
    fn c_names() {
        let raw: Vec<c_char> = b"rx_good_packets\0junk"
            .iter()
            .map(|&b| b as c_char)
            .collect();
        assert_eq!(c_name(&raw), "rx_good_packets");
    }
}
