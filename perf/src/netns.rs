//! Shell-outs for the namespace benchmarks (`kernel`, `mag-load`): run a
//! command with a one-line error, delete namespaces on the way out.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// Runs `args[0]` with the rest as arguments; a failure names the command
/// line and carries its stderr.
pub fn sh(args: &[&str]) -> Result<()> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", args[0]))?;
    if !out.status.success() {
        bail!(
            "{}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Deletes the namespaces, ignoring ones already gone (clean-up path).
pub fn delete<'a>(names: impl IntoIterator<Item = &'a str>) {
    for n in names {
        let _ = Command::new("ip")
            .args(["netns", "del", n])
            .stderr(Stdio::null())
            .status();
    }
}
