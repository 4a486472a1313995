//! `mobgw show ...`: asks a running gateway over its control socket and prints tables (or
//! the reply's JSON with `--json`).

use std::fmt::Write as _;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::control::Request;
use crate::telemetry::{
    fmt_secs, BindingPage, PortSnapshot, SignalingSnapshot, Snapshot, WorkerSnapshot,
};

/// Why a reply could not be shown.
#[derive(Debug, thiserror::Error)]
#[error("unexpected reply from mobgw (another version?): {0}")]
pub struct RenderError(#[from] serde_json::Error);

/// Render a reply's data for `req`.
pub fn render(req: &Request, data: Value, json: bool) -> Result<String, RenderError> {
    if json {
        return Ok(format!("{}\n", serde_json::to_string_pretty(&data)?));
    }
    Ok(match req {
        Request::Bindings(_) => bindings(&parse::<BindingPage>(data)?),
        Request::Ports => ports(&parse::<Vec<PortSnapshot>>(data)?),
        Request::Workers => workers(&parse::<Vec<WorkerSnapshot>>(data)?),
        Request::Signaling => signaling(&parse::<SignalingSnapshot>(data)?),
        Request::Stats => stats(&parse::<Snapshot>(data)?),
        Request::Help => format!("{}\n", data.as_str().unwrap_or_default()),
    })
}

fn parse<T: DeserializeOwned>(v: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(v)
}

/// Left-aligned text columns, two spaces apart.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let mut l = String::new();
        for (i, c) in cells.enumerate() {
            let width = w.get(i).copied().unwrap_or(0);
            let _ = write!(l, "{c:<width$}  ");
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied(), &mut out);
    for r in rows {
        line(&mut r.iter().map(String::as_str), &mut out);
    }
    out
}

fn mpps(pps: f64) -> String {
    format!("{:.3}", pps / 1e6)
}

fn mbps(bps: f64) -> String {
    format!("{:.1}", bps / 1e6)
}

fn bindings(p: &BindingPage) -> String {
    let rows: Vec<Vec<String>> = p
        .rows
        .iter()
        .map(|b| {
            vec![
                b.role.clone(),
                b.kind.clone(),
                b.mn_id.clone().unwrap_or_else(|| "-".into()),
                b.hnps.join(","),
                b.peer.clone(),
                b.tunnel.clone(),
                b.state.clone(),
                b.lifetime_seconds.map_or("-".into(), |s| format!("{s}s")),
                b.expires_in_seconds
                    .map_or("-".into(), |s| format!("{s:.0}s")),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "ROLE", "KIND", "MN-ID", "HNP", "PEER", "TUNNEL", "STATE", "LIFETIME", "EXPIRES",
        ],
        &rows,
    );
    let first = p.offset + 1;
    let last = p.offset + p.rows.len() as u64;
    if p.rows.is_empty() {
        let _ = writeln!(
            out,
            "no binding matches ({} matching of {} installed, offset {})",
            p.matched, p.total, p.offset
        );
    } else {
        let _ = writeln!(
            out,
            "bindings {first}-{last} of {} matching ({} installed)",
            p.matched, p.total
        );
    }
    if last < p.matched {
        let _ = writeln!(
            out,
            "more: --offset {last}; narrow with --mn-id ID or --prefix P"
        );
    }
    out
}

fn ports(ps: &[PortSnapshot]) -> String {
    let rows: Vec<Vec<String>> = ps
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.rx_packets.to_string(),
                p.tx_packets.to_string(),
                mpps(p.rx_pps),
                mpps(p.tx_pps),
                mbps(p.rx_bps),
                mbps(p.tx_bps),
                p.rx_missed.to_string(),
                p.rx_nombuf.to_string(),
                p.rx_errors.to_string(),
                p.tx_errors.to_string(),
            ]
        })
        .collect();
    table(
        &[
            "PORT", "RX-PKTS", "TX-PKTS", "RX-MPPS", "TX-MPPS", "RX-MBPS", "TX-MBPS", "MISSED",
            "NOMBUF", "RX-ERR", "TX-ERR",
        ],
        &rows,
    )
}

fn nonzero(v: &[crate::telemetry::Named]) -> String {
    let s: Vec<String> = v
        .iter()
        .filter(|n| n.value > 0)
        .map(|n| format!("{} {}", n.name, n.value))
        .collect();
    if s.is_empty() {
        "none".into()
    } else {
        s.join(", ")
    }
}

fn workers(ws: &[WorkerSnapshot]) -> String {
    let rows: Vec<Vec<String>> = ws
        .iter()
        .map(|w| {
            vec![
                w.lcore.to_string(),
                w.rx_packets.to_string(),
                mpps(w.rx_pps),
                format!("{:.1}", w.busy_ratio * 100.0),
                format!("{:.0}", w.cycles_per_packet),
                w.table_generation.to_string(),
                w.table_updates.to_string(),
                w.drops.iter().map(|d| d.value).sum::<u64>().to_string(),
                w.punts.iter().map(|d| d.value).sum::<u64>().to_string(),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "LCORE",
            "RX-PKTS",
            "RX-MPPS",
            "BUSY%",
            "CYCLES/PKT",
            "TABLE-GEN",
            "UPDATES",
            "DROPS",
            "PUNTS",
        ],
        &rows,
    );
    for w in ws {
        let _ = writeln!(
            out,
            "lcore {}: actions: {}; drops: {}; punts: {}",
            w.lcore,
            nonzero(&w.actions),
            nonzero(&w.drops),
            nonzero(&w.punts)
        );
    }
    out
}

fn signaling(s: &SignalingSnapshot) -> String {
    let rows: Vec<Vec<String>> = s
        .messages
        .iter()
        .map(|m| {
            vec![
                m.kind.clone(),
                m.direction.clone(),
                m.status.to_string(),
                m.count.to_string(),
                format!("{:.1}", m.per_sec),
            ]
        })
        .collect();
    let mut out = table(&["TYPE", "DIR", "STATUS", "COUNT", "PER-SEC"], &rows);
    let p = &s.pbu_processing;
    let _ = writeln!(
        out,
        "sessions {}, neighbors {}; pbu processing: {} timed, mean {}, p50 <= {}, p99 <= {}",
        s.sessions,
        s.neighbors,
        p.count,
        fmt_secs((p.count > 0).then(|| p.sum_seconds / p.count as f64)),
        fmt_secs(p.p50_le_seconds),
        fmt_secs(p.p99_le_seconds)
    );
    let _ = writeln!(out, "engine drops: {}", nonzero(&s.drops));
    let shell: Vec<String> = s
        .shell
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        out,
        "shell: {}",
        if shell.is_empty() {
            "none".into()
        } else {
            shell.join(", ")
        }
    );
    out
}

fn stats(s: &Snapshot) -> String {
    let mut out = format!(
        "mobgw {} node {} roles {} up {:.0}s\n",
        s.version,
        s.node_id,
        s.roles.join(","),
        s.uptime_seconds
    );
    let b: Vec<String> = s
        .bindings
        .iter()
        .map(|b| format!("{} {} {}", b.role, b.kind, b.count))
        .collect();
    let _ = writeln!(
        out,
        "bindings: {}; table generation {} (backlog {}, rejected {})\n",
        b.join(", "),
        s.tables.published_generation,
        s.tables.backlog,
        s.tables.rejected
    );
    out.push_str(&ports(&s.ports));
    out.push('\n');
    out.push_str(&workers(&s.workers));
    if let Some(sig) = &s.signaling {
        out.push('\n');
        out.push_str(&signaling(sig));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::BindingRow;

    #[test]
    fn tables_align_and_bindings_say_how_to_page() {
        let row = |i: u64| BindingRow {
            role: "lma".into(),
            kind: "pmipv6".into(),
            session: Some(i),
            mn_id: Some(format!("mn{i}@x")),
            hnps: vec![format!("2001:db8:1000:{i}::/64")],
            peer: "2001:db8:100::2".into(),
            tunnel: "ip6ip6".into(),
            state: "active".into(),
            lifetime_seconds: Some(3600),
            expires_in_seconds: Some(3599.4),
        };
        let page = BindingPage {
            total: 10,
            matched: 10,
            offset: 0,
            rows: (1..=2).map(row).collect(),
        };
        let text = render(
            &Request::Bindings(Default::default()),
            serde_json::to_value(&page).unwrap(),
            false,
        )
        .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ROLE  KIND    MN-ID"), "{text}");
        assert_eq!(lines[0].find("HNP"), lines[1].find("2001:db8:1000:1::/64"));
        assert!(
            lines[1].contains("mn1@x") && lines[1].contains("3599s"),
            "{text}"
        );
        assert!(
            text.contains("bindings 1-2 of 10 matching (10 installed)"),
            "{text}"
        );
        assert!(text.contains("more: --offset 2"), "{text}");
        let json = render(
            &Request::Bindings(Default::default()),
            serde_json::to_value(&page).unwrap(),
            true,
        )
        .unwrap();
        let back: BindingPage = serde_json::from_str(&json).unwrap();
        assert_eq!(back, page);
    }

    #[test]
    fn a_reply_of_the_wrong_shape_is_an_error() {
        let e = render(&Request::Workers, serde_json::json!({"x": 1}), false).unwrap_err();
        assert!(e.to_string().contains("unexpected reply"), "{e}");
    }
}
