//! Probes the system DPDK with pkg-config, generates bindings with bindgen and
//! compiles the C shim over DPDK's static-inline functions.

use std::env;
use std::path::PathBuf;
use std::process::Command;

const MIN_VERSION: &str = "22.11";
const MISSING: &str =
    "dpdk-sys: libdpdk-dev (DPDK >= 22.11) not found by pkg-config; run deploy/install-deps.sh";

fn fail(detail: &str) -> ! {
    eprintln!("{MISSING} ({detail})");
    std::process::exit(1);
}

/// One clear line when libdpdk is missing or too old (pkg-config's own
/// multi-line explanation adds nothing).
fn fail_probe() -> ! {
    match pkg_var_modversion() {
        Some(v) => {
            eprintln!("dpdk-sys: DPDK {v} is too old, libdpdk-dev (DPDK >= {MIN_VERSION}) is needed; run deploy/install-deps.sh");
        }
        None => eprintln!("{MISSING}"),
    }
    std::process::exit(1);
}

fn pkg_var_modversion() -> Option<String> {
    let out = Command::new(pkg_config_bin())
        .args(["--modversion", "libdpdk"])
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !s.is_empty()).then_some(s)
}

fn pkg_config_bin() -> String {
    env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_owned())
}

/// The full `pkg-config --cflags libdpdk`: it carries `-include rte_config.h`
/// and `-march=...`, which the `pkg-config` crate's `Library` does not keep.
fn dpdk_cflags() -> Vec<String> {
    let out = Command::new(pkg_config_bin())
        .args(["--cflags", "libdpdk"])
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run pkg-config: {e}")));
    if !out.status.success() {
        fail(String::from_utf8_lossy(&out.stderr).trim());
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn pkg_var(var: &str) -> Option<String> {
    let out = Command::new(pkg_config_bin())
        .args([&format!("--variable={var}"), "libdpdk"])
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !s.is_empty()).then_some(s)
}

/// Where the EAL loads its PMDs from (`<libdir>/dpdk/pmds-<abi>`), so callers
/// can pass `-d` when the built-in plugin path is not the one wanted.
fn pmd_dir(libdirs: &[PathBuf]) -> Option<PathBuf> {
    if let Some(d) = pkg_var("pmdsdir") {
        return Some(PathBuf::from(d));
    }
    let mut dirs: Vec<PathBuf> = libdirs.to_vec();
    if let Some(d) = pkg_var("libdir") {
        dirs.push(PathBuf::from(d));
    }
    dirs.iter().find_map(|lib| {
        let base = lib.join("dpdk");
        let mut found: Vec<PathBuf> = std::fs::read_dir(&base)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("pmds-"))
                    && p.join("librte_net_null.so").exists()
            })
            .collect();
        found.sort();
        found.pop()
    })
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=wrapper.h");
    println!("cargo:rerun-if-changed=shim.h");
    println!("cargo:rerun-if-changed=shim.c");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG");

    let lib = pkg_config::Config::new()
        .atleast_version(MIN_VERSION)
        .probe("libdpdk")
        .unwrap_or_else(|_| fail_probe());
    let cflags = dpdk_cflags();

    if let Some(dir) = pmd_dir(&lib.link_paths) {
        println!("cargo:rustc-env=DPDK_PMD_DIR={}", dir.display());
        println!("cargo:pmd_dir={}", dir.display());
    }
    println!("cargo:rustc-env=DPDK_VERSION={}", lib.version);
    println!("cargo:version={}", lib.version);

    let manifest =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut cc = cc::Build::new();
    cc.file(manifest.join("shim.c"))
        .include(&manifest)
        .opt_level(3)
        .warnings(true);
    for f in &cflags {
        cc.flag(f);
    }
    cc.compile("mobgw_dpdk_shim");

    let bindings = bindgen::Builder::default()
        .header(manifest.join("wrapper.h").to_string_lossy())
        .clang_args(&cflags)
        .clang_arg(format!("-I{}", manifest.display()))
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .derive_debug(true)
        .derive_default(true)
        .impl_debug(false)
        .layout_tests(true)
        .generate_comments(false)
        .prepend_enum_name(false)
        .default_enum_style(bindgen::EnumVariation::Consts)
        .allowlist_function(
            "shim_.*|rte_eal_init|rte_eal_cleanup|rte_strerror|rte_exit\
             |rte_lcore_count|rte_lcore_is_enabled|rte_get_main_lcore|rte_get_next_lcore\
             |rte_lcore_to_socket_id|rte_socket_id|rte_eal_remote_launch|rte_eal_wait_lcore\
             |rte_eal_get_lcore_state|rte_get_tsc_hz\
             |rte_dev_probe|rte_dev_remove\
             |rte_eth_dev_configure|rte_eth_dev_info_get|rte_eth_rx_queue_setup|rte_eth_tx_queue_setup\
             |rte_eth_dev_start|rte_eth_dev_stop|rte_eth_dev_close|rte_eth_dev_get_port_by_name\
             |rte_eth_dev_get_name_by_port|rte_eth_dev_is_valid_port|rte_eth_dev_socket_id\
             |rte_eth_dev_count_avail|rte_eth_find_next_owned_by|rte_eth_dev_adjust_nb_rx_tx_desc\
             |rte_eth_macaddr_get|rte_eth_link_get|rte_eth_link_get_nowait\
             |rte_eth_stats_get|rte_eth_stats_reset|rte_eth_xstats_get|rte_eth_xstats_get_names\
             |rte_eth_xstats_reset|rte_eth_dev_rss_hash_conf_get|rte_eth_dev_rss_hash_update\
             |rte_eth_dev_set_mtu|rte_eth_dev_get_mtu\
             |rte_eth_promiscuous_enable|rte_eth_promiscuous_disable|rte_eth_promiscuous_get\
             |rte_pktmbuf_pool_create|rte_pktmbuf_free_bulk|rte_mempool_free|rte_mempool_lookup\
             |rte_mempool_avail_count|rte_mempool_in_use_count\
             |rte_ring_create|rte_ring_free|rte_ring_lookup",
        )
        .allowlist_type(
            "rte_mbuf|rte_mempool|rte_ring|rte_ether_hdr|rte_ether_addr|rte_ipv4_hdr|rte_ipv6_hdr\
             |rte_eth_conf|rte_eth_dev_info|rte_eth_stats|rte_eth_xstat|rte_eth_xstat_name|rte_eth_link\
             |rte_eth_rss_conf|rte_eth_rx_mq_mode|rte_eth_tx_mq_mode|rte_lcore_state_t|lcore_function_t",
        )
        .allowlist_var(
            "RTE_MAX_LCORE|RTE_MAX_ETHPORTS|RTE_MAX_QUEUES_PER_PORT|RTE_ETH_NAME_MAX_LEN\
             |RTE_PKTMBUF_HEADROOM|RTE_MBUF_DEFAULT_BUF_SIZE|RTE_MBUF_DEFAULT_DATAROOM\
             |RTE_ETHER_ADDR_LEN|RTE_ETHER_HDR_LEN|RTE_ETHER_TYPE_.*|RTE_ETH_XSTATS_NAME_SIZE\
             |RTE_MEMPOOL_NAMESIZE|RTE_RING_NAMESIZE|RING_F_.*|SOCKET_ID_ANY|LCORE_ID_ANY\
             |RTE_ETH_LINK_.*|RTE_ETH_MQ_.*|RTE_MEMPOOL_CACHE_MAX_SIZE|RTE_MBUF_F_.*",
        )
        .generate()
        .unwrap_or_else(|e| fail(&format!("bindgen failed on the DPDK headers: {e}")));

    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindings
        .write_to_file(out.join("bindings.rs"))
        .unwrap_or_else(|e| fail(&format!("cannot write bindings: {e}")));
}
