//! `mobgw`: the mobility gateway binary.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use gateway::config::{Config, ConfigError};
use gateway::run;

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
        /// Print per-port packet rates every SECS seconds.
        #[arg(long, value_name = "SECS")]
        stats_period: Option<u64>,
    },
    /// Validate a configuration file and report every problem found.
    CheckConfig {
        /// TOML configuration file.
        file: PathBuf,
    },
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
