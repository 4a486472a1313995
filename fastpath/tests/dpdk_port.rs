//! DPDK port, queue and lcore checks against virtual devices (`net_ring`,
//! `net_null`, `net_pcap`).
//!
//! The EAL can be initialised once per process, so this binary has a single
//! `#[test]` that runs every check in turn.

use std::path::Path;
use std::time::{Duration, Instant};

use fastpath::dpdk::{
    current_lcore, DpdkError, Eal, MbufBurst, Mempool, Port, PortConfig, SOCKET_ID_ANY,
};

const POOL_SIZE: u32 = 4095;

fn eal_args() -> Vec<String> {
    format!(
        "-l 0,1 --no-huge -m 1024 --no-pci --no-shconf --no-telemetry --file-prefix mobgw-test-port-{} \
         --vdev net_ring0 --vdev net_null0",
        std::process::id()
    )
    .split_whitespace()
    .map(str::to_owned)
    .collect()
}

fn frame(i: u8, len: usize) -> Vec<u8> {
    let mut f = vec![0u8; len];
    f[..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
    f[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    f[12..14].copy_from_slice(&[0x86, 0xdd]);
    for (k, b) in f[14..].iter_mut().enumerate() {
        *b = i.wrapping_add(k as u8);
    }
    f
}

/// Writes a classic little-endian pcap file (Ethernet link type).
fn write_pcap(path: &Path, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    std::fs::write(path, out).unwrap();
}

/// Reads the packets of a pcap file written by libpcap (either time precision).
fn read_pcap(path: &Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(path).unwrap();
    assert!(data.len() >= 24, "pcap too short");
    let magic = u32::from_le_bytes(data[0..4].try_into().unwrap());
    assert!(
        magic == 0xa1b2_c3d4 || magic == 0xa1b2_3c4d,
        "magic {magic:#x}"
    );
    let mut off = 24;
    let mut frames = Vec::new();
    while off + 16 <= data.len() {
        let incl = u32::from_le_bytes(data[off + 8..off + 12].try_into().unwrap()) as usize;
        off += 16;
        frames.push(data[off..off + incl].to_vec());
        off += incl;
    }
    frames
}

fn check_bad_devices(eal: &Eal) {
    for bad in ["net_bogus0,foo=bar", "", " ,x=1", "net_null9\0", "zz:zz.z"] {
        let t = Instant::now();
        let err = Port::attach(eal, bad).unwrap_err();
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{bad:?} took {:?}",
            t.elapsed()
        );
        let text = err.to_string();
        assert!(
            text.contains(bad.trim().split(['\0', ',']).next().unwrap()),
            "error names the device: {text}"
        );
    }
    // net_pcap with a missing input file fails at probe, quickly.
    let t = Instant::now();
    let err = Port::attach(eal, "net_pcap9,rx_pcap=/nonexistent/in.pcap").unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(err, DpdkError::Device { ref device, .. } if device.contains("net_pcap9")),
        "{err}"
    );
}

fn check_ring_port(eal: &Eal, pool: &Mempool) {
    let mut port = Port::attach(eal, "net_ring0").unwrap();
    assert_eq!(port.name(), "net_ring0");
    assert!(matches!(
        Port::attach(eal, "net_ring0"),
        Err(DpdkError::PortState { .. })
    ));
    assert!(port.start().is_err(), "start before configure is refused");
    let too_many = PortConfig {
        rx_queues: 4096,
        ..PortConfig::default()
    };
    assert!(matches!(
        port.configure(&too_many, pool),
        Err(DpdkError::InvalidArgument { .. })
    ));

    port.configure(
        &PortConfig {
            rx_desc: 256,
            tx_desc: 256,
            ..PortConfig::default()
        },
        pool,
    )
    .unwrap();
    port.start().unwrap();
    assert!(port.is_started());
    assert_eq!(port.rss_hash_functions(), 0, "one queue: no RSS");
    assert_eq!(port.mac_addr().unwrap().len(), 6);
    assert!(port.link().unwrap().up, "ring ports are up once started");
    match port.promiscuous(true) {
        Ok(()) => {}
        Err(DpdkError::Device { errno, .. }) => assert_eq!(errno, 95, "only ENOTSUP is acceptable"),
        Err(e) => panic!("{e}"),
    }
    port.reset_stats().unwrap();

    let mut rxq = port.rx_queue(0).unwrap();
    let mut txq = port.tx_queue(0).unwrap();
    assert!(port.rx_queue(0).is_err(), "a queue has one owner");
    assert!(port.tx_queue(1).is_err(), "queue 1 does not exist");
    assert!(
        matches!(port.stop(), Err(DpdkError::PortState { .. })),
        "queues still out"
    );

    // net_ring0 loops its TX ring back to its RX ring.
    let mut burst: MbufBurst = MbufBurst::new();
    for i in 0..8u8 {
        let mut m = pool.alloc().unwrap();
        m.set_data(&frame(i, 60 + usize::from(i))).unwrap();
        burst.push(m).unwrap();
    }
    assert_eq!(txq.tx_burst(&mut burst), 8);
    assert!(burst.is_empty());
    assert_eq!(txq.tx_drops(), 0);

    let mut rx: MbufBurst = MbufBurst::new();
    assert_eq!(rxq.rx_burst(&mut rx), 8);
    for (i, m) in rx.iter().enumerate() {
        assert_eq!(m.data(), &frame(i as u8, 60 + i)[..]);
    }
    assert_eq!(rxq.rx_burst(&mut rx), 0);
    rx.clear();

    let st = port.stats().unwrap();
    assert_eq!((st.opackets, st.ipackets), (8, 8), "{st:?}");
    // net_ring counts packets only; byte counters are checked on net_pcap.
    let xs = port.xstats().unwrap();
    assert!(
        xs.iter().any(|(n, v)| n == "rx_good_packets" && *v == 8),
        "xstats: {xs:?}"
    );

    // Overfill the ring (1024 entries): what does not fit is retried, then
    // freed and counted, never leaked.
    let mut sent = 0;
    let mut dropped_before = txq.tx_drops();
    for _ in 0..40 {
        let mut b: MbufBurst<32> = MbufBurst::new();
        assert!(pool.alloc_bulk(&mut b, 32));
        for m in b.iter_mut() {
            m.set_data(&frame(9, 64)).unwrap();
        }
        sent += txq.tx_burst(&mut b);
        assert!(b.is_empty());
        assert!(txq.tx_drops() >= dropped_before);
        dropped_before = txq.tx_drops();
    }
    assert_eq!(sent as u64 + txq.tx_drops(), 40 * 32);
    assert!(txq.tx_drops() > 0, "ring of 1024 cannot take 1280");
    let mut drained = 0;
    loop {
        let mut b: MbufBurst<64> = MbufBurst::new();
        let k = rxq.rx_burst(&mut b);
        if k == 0 {
            break;
        }
        drained += k;
    }
    assert_eq!(drained, sent);

    drop((rxq, txq));
    port.stop().unwrap();
    assert!(!port.is_started());
    port.close().unwrap();
}

fn check_null_port_on_worker(eal: &Eal, pool: &Mempool) {
    let mut port = Port::attach(eal, "net_null0").unwrap();
    port.configure(&PortConfig::default(), pool).unwrap();
    port.start().unwrap();
    let mut rxq = port.rx_queue(0).unwrap();
    let mut txq = port.tx_queue(0).unwrap();

    // The queues move to worker lcore 1, which polls net_null (it makes
    // packets) and sends them back to it (it swallows them).
    let handle = eal
        .launch_on_lcore(1, move || {
            let mut got = 0usize;
            let mut sent = 0usize;
            let mut b: MbufBurst<32> = MbufBurst::new();
            while got < 1000 {
                got += rxq.rx_burst(&mut b);
                sent += txq.tx_burst(&mut b);
            }
            (current_lcore(), got, sent, txq.tx_drops())
        })
        .unwrap();
    let (lcore, got, sent, drops) = handle.join().unwrap();
    assert_eq!(lcore, Some(1));
    assert!(got >= 1000);
    assert_eq!(sent as u64 + drops, got as u64);

    let st = port.stats().unwrap();
    assert_eq!(st.ipackets, got as u64);
    assert_eq!(st.opackets, sent as u64);
    // Queue handles were dropped with the closure, so the port can stop.
    port.stop().unwrap();

    // A port reconfigured with two queues; RSS is masked by the device.
    let cfg = PortConfig {
        rx_queues: 2,
        tx_queues: 2,
        mtu: Some(1500),
        ..PortConfig::default()
    };
    port.configure(&cfg, pool).unwrap();
    port.start().unwrap();
    assert!(port.rx_queue(1).is_ok());
    drop(port);
}

fn check_hotplug_pcap(eal: &Eal, pool: &Mempool) {
    let dir = std::env::temp_dir().join(format!("mobgw-dpdk-port-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.pcap");
    let output = dir.join("out.pcap");
    let frames: Vec<Vec<u8>> = (0..5u8).map(|i| frame(i, 80 + usize::from(i))).collect();
    write_pcap(&input, &frames);

    let devargs = format!(
        "net_pcap0,rx_pcap={},tx_pcap={}",
        input.display(),
        output.display()
    );
    let mut port = Port::attach(eal, &devargs).unwrap();
    assert_eq!(port.name(), "net_pcap0");
    assert_eq!(port.devargs(), devargs);
    port.configure(&PortConfig::default(), pool).unwrap();
    port.start().unwrap();
    let mut rxq = port.rx_queue(0).unwrap();
    let mut txq = port.tx_queue(0).unwrap();

    let mut b: MbufBurst = MbufBurst::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while b.len() < 5 && Instant::now() < deadline {
        rxq.rx_burst(&mut b);
    }
    let got: Vec<Vec<u8>> = b.iter().map(|m| m.data().to_vec()).collect();
    assert_eq!(got, frames);
    // Rewrite the first byte and send them out to the capture file.
    for m in b.iter_mut() {
        m.data_mut()[0] = 0x0a;
    }
    assert_eq!(txq.tx_burst(&mut b), 5);
    let st = port.stats().unwrap();
    let bytes: u64 = frames.iter().map(|f| f.len() as u64).sum();
    assert_eq!(
        (st.ipackets, st.opackets, st.ibytes, st.obytes),
        (5, 5, bytes, bytes)
    );
    drop((rxq, txq));
    port.close().unwrap(); // closing flushes the tx pcap

    let written = read_pcap(&output);
    assert_eq!(written.len(), 5);
    for (w, f) in written.iter().zip(&frames) {
        assert_eq!(w[0], 0x0a);
        assert_eq!(&w[1..], &f[1..]);
    }

    // The hot-plugged vdev was unplugged on close: the same string attaches again.
    let again = Port::attach(eal, &devargs).unwrap();
    assert_eq!(again.name(), "net_pcap0");
    drop(again);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn check_lcores(eal: &Eal) {
    assert_eq!(eal.main_lcore(), 0);
    assert_eq!(eal.worker_lcores(), vec![1]);
    assert_eq!(eal.lcore_count(), 2);
    assert_eq!(current_lcore(), Some(0));

    let h = eal.launch_on_lcore(1, || 6 * 7).unwrap();
    assert_eq!(h.lcore(), 1);
    assert_eq!(h.join().unwrap(), 42);

    // A second launch while the lcore is busy is refused, not queued.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let busy = eal.launch_on_lcore(1, move || rx.recv().is_ok()).unwrap();
    assert!(matches!(
        eal.launch_on_lcore(1, || 0),
        Err(DpdkError::Lcore { lcore: 1, .. })
    ));
    tx.send(()).unwrap();
    assert!(busy.join().unwrap());

    assert!(matches!(
        eal.launch_on_lcore(0, || 0),
        Err(DpdkError::Lcore { lcore: 0, .. })
    ));
    assert!(eal.launch_on_lcore(5, || 0).is_err());
    assert!(eal.launch_on_lcore(u32::MAX, || 0).is_err());

    // A panicking job is reported, and the lcore is usable afterwards.
    let h = eal
        .launch_on_lcore(1, || -> u32 { panic!("boom") })
        .unwrap();
    let err = h.join().unwrap_err();
    assert!(err.to_string().contains("boom"), "{err}");
    let v = String::from("owned");
    assert_eq!(
        eal.launch_on_lcore(1, move || v.len())
            .unwrap()
            .join()
            .unwrap(),
        5
    );
}

/// Removes the (empty) EAL runtime directory of `prefix`, which DPDK leaves
/// behind even with `--no-shconf`; best effort, only if empty.
fn remove_runtime_dir(prefix: &str) {
    let mut bases = vec![
        std::path::PathBuf::from("/var/run/dpdk"),
        std::env::temp_dir().join("dpdk"),
    ];
    if let Some(x) = std::env::var_os("XDG_RUNTIME_DIR") {
        bases.push(std::path::PathBuf::from(x).join("dpdk"));
    }
    for b in bases {
        let _ = std::fs::remove_dir(b.join(prefix));
    }
}

#[test]
fn dpdk_port_suite() {
    let eal = Eal::init(&eal_args()).expect("EAL init (--no-huge, 2 lcores)");
    let pool = Mempool::new(&eal, "port_pool", POOL_SIZE, 64, 2176, SOCKET_ID_ANY).unwrap();

    check_bad_devices(&eal);
    check_lcores(&eal);
    check_ring_port(&eal, &pool);
    check_null_port_on_worker(&eal, &pool);
    check_hotplug_pcap(&eal, &pool);

    // Every port is closed: all their RX descriptors' mbufs are back.
    assert_eq!(pool.available(), POOL_SIZE);
    drop(pool);
    drop(eal); // last handle: rte_eal_cleanup
    remove_runtime_dir(&format!("mobgw-test-port-{}", std::process::id()));
}
