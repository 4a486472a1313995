//! `mobgw`: the mobility gateway binary.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use gateway::config::{Config, ConfigError};
use gateway::control::{self, Request};
use gateway::telemetry::BindingQuery;
use gateway::{run, show};

#[derive(Debug, Parser)]
#[command(
    name = "mobgw",
    version,
    about = "DPDK mobility gateway (PMIPv6 LMA/MAG)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the gateway with a configuration file.
    Run {
        /// TOML configuration (see deploy/config/); MOBGW_SECTION__KEY overrides.
        #[arg(long, short)]
        config: PathBuf,
        /// Print per-port rates and a testpmd-like block (workers' busy % and cycles per
        /// packet, bindings, signaling rates) every SECS seconds.
        #[arg(long, value_name = "SECS")]
        stats_period: Option<u64>,
    },
    /// Ask a running gateway over its control socket.
    Show(ShowArgs),
    /// Validate a configuration file and report every problem found.
    CheckConfig {
        /// TOML configuration file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The control socket ([control] socket of the running gateway).
    #[arg(long, global = true, value_name = "PATH", conflicts_with = "config")]
    socket: Option<PathBuf>,
    /// Find the control socket in this configuration file.
    #[arg(long, short, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the reply as JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    what: ShowWhat,
}

#[derive(Debug, Subcommand)]
enum ShowWhat {
    /// Installed bindings (static and signaled), a page at a time.
    Bindings {
        /// Only this mobile node (MN-ID as shown: text or 0x-hex).
        #[arg(long, value_name = "ID", conflicts_with = "prefix")]
        mn_id: Option<String>,
        /// Only bindings whose home network prefix is inside (or covers) P.
        #[arg(long, value_name = "P")]
        prefix: Option<ipnet::Ipv6Net>,
        /// Rows per page (at most 10000).
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Skip this many matching bindings.
        #[arg(long, default_value_t = 0)]
        offset: usize,
    },
    /// Ports, workers, bindings and signaling in one view.
    Stats,
    /// Per-port counters and rates.
    Ports,
    /// Per-worker counters, busy %, cycles per packet, table generation.
    Workers,
    /// Signaling counters and PBU processing time.
    Signaling,
}

fn show_cmd(args: ShowArgs) -> ExitCode {
    let socket = match (args.socket, args.config) {
        (Some(s), _) => s,
        (None, Some(file)) => match Config::load(&file) {
            Ok(cfg) => match cfg.control {
                Some(c) => c.socket,
                None => {
                    eprintln!("mobgw: {}: no [control] socket configured", file.display());
                    return ExitCode::from(2);
                }
            },
            Err(e) => return report_config_error(&file, &e),
        },
        (None, None) => {
            eprintln!("mobgw: show: give --socket PATH or --config FILE");
            return ExitCode::from(2);
        }
    };
    let req = match args.what {
        ShowWhat::Bindings {
            mn_id,
            prefix,
            limit,
            offset,
        } if mn_id
            .as_ref()
            .is_none_or(|id| !id.contains(char::is_whitespace)) =>
        {
            Request::Bindings(BindingQuery {
                mn_id,
                prefix,
                limit,
                offset,
            })
        }
        ShowWhat::Bindings { .. } => {
            eprintln!("mobgw: show bindings: an MN-ID with white space is given as 0x-hex");
            return ExitCode::from(2);
        }
        ShowWhat::Stats => Request::Stats,
        ShowWhat::Ports => Request::Ports,
        ShowWhat::Workers => Request::Workers,
        ShowWhat::Signaling => Request::Signaling,
    };
    let data = match control::request(&socket, &req, Duration::from_secs(10)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("mobgw: {e}");
            return ExitCode::FAILURE;
        }
    };
    match show::render(&req, data, args.json) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mobgw: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MOBGW_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    match cli.command {
        Command::Show(args) => show_cmd(args),
        Command::CheckConfig { file } => match Config::load(&file) {
            Ok(cfg) => {
                println!(
                    "{}: ok (node {}, roles {}, {} ports, {} workers)",
                    file.display(),
                    cfg.gateway.node_id,
                    cfg.gateway
                        .roles
                        .iter()
                        .map(|r| r.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                    cfg.ports.len(),
                    cfg.dpdk.worker_lcores.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => report_config_error(&file, &e),
        },
        Command::Run {
            config,
            stats_period,
        } => {
            let cfg = match Config::load(&config) {
                Ok(cfg) => cfg,
                Err(e) => return report_config_error(&config, &e),
            };
            match run::run(cfg, stats_period.filter(|s| *s > 0)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("mobgw: error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn report_config_error(file: &std::path::Path, e: &ConfigError) -> ExitCode {
    match e {
        ConfigError::Invalid { problems } => {
            for p in problems {
                eprintln!("mobgw: {}: {p}", file.display());
            }
        }
        other => eprintln!("mobgw: {other}"),
    }
    ExitCode::from(2)
}
