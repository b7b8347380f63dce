//! The four steps in order; a step that depends on a failed one is skipped, not guessed.

use ucprov_wire::profile::Scheme;

use crate::chain::{self, ChainTarget};
use crate::decode::{self, ServerAnswer};
use crate::dhcp::{self, DhcpConfig, ExchangeSummary, Target};
use crate::report::{Failure, Problem, Report, Step, StepId};
use crate::step::plural;
use crate::tls::{self, TlsCheck, TlsTarget};
use crate::{ProbeConfig, ProbeError};

/// Run the probe. `Err` only when it cannot run at all (bad interface, port in use);
/// every failure of the network under test is a failed step in the report.
pub fn run(cfg: &ProbeConfig) -> Result<Report, ProbeError> {
    if cfg.request_list.is_empty() {
        return Err(ProbeError::usage(
            "the request list is empty; a device asks for at least 43 and 120",
        ));
    }
    let exchange = dhcp::exchange(&DhcpConfig {
        target: &cfg.target,
        client_port: cfg.client_port,
        vendor_class: cfg.vendor_class.as_bytes(),
        request_list: &cfg.request_list,
        window: cfg.timeout,
    })?;
    let answers = decode::group(&exchange.replies);
    let s1 = dhcp_step(cfg, &exchange, &answers);
    if answers.is_empty() {
        let steps = vec![
            s1,
            Step::skipped(StepId::Decode, "no answer to decode"),
            Step::skipped(StepId::RootChain, "no provisioning URL"),
            Step::skipped(StepId::Tls, "no root to trust"),
        ];
        return Ok(Report::new(steps, exchange, answers, None, Vec::new()));
    }
    let (s2, chosen) = decode_step(&answers);
    let Some(chosen) = chosen.map(|i| &answers[i]) else {
        let steps = vec![
            s1,
            s2,
            Step::skipped(
                StepId::RootChain,
                "no valid option 43, so no provisioning URL",
            ),
            Step::skipped(StepId::Tls, "no root to trust"),
        ];
        return Ok(Report::new(steps, exchange, answers, None, Vec::new()));
    };
    let Some(profile) = chosen.profile.as_ref() else {
        return Err(ProbeError::env("internal: chosen answer without a profile"));
    };
    let url = profile.root_chain_url(cfg.http_port);
    let mut s3 = Step::new(StepId::RootChain);
    let chain = chain::check(
        &ChainTarget {
            url: &url,
            host: &profile.web_fqdn,
            port: cfg.http_port,
            path: &profile.path,
        },
        &cfg.resolve,
        cfg.io_timeout,
        cfg.expect_thumbprint.as_ref(),
        &mut s3,
    );
    let mut checks = Vec::new();
    let s4 = match &chain.root_der {
        // A pin mismatch still leaves a self-signed root to test against; anything else
        // wrong with the chain means there is nothing a device would trust.
        Some(root)
            if s3
                .problems
                .iter()
                .all(|p| p.kind == Failure::ThumbprintMismatch) =>
        {
            tls_step(cfg, chosen, root, &mut checks)
        }
        _ => Step::skipped(StepId::Tls, "no usable root downloaded in step 3"),
    };
    Ok(Report::new(
        vec![s1, s2, s3, s4],
        exchange,
        answers,
        Some(chain),
        checks,
    ))
}

fn dhcp_step(cfg: &ProbeConfig, ex: &ExchangeSummary, answers: &[ServerAnswer]) -> Step {
    let mut s = Step::new(StepId::Dhcp);
    let who = ex.client.as_ref().map_or(String::new(), |c| {
        format!(" from {} ({})", c.address, c.mac_text())
    });
    let sent = format!(
        "DHCPINFORM xid 0x{:08x}{who}, {}, {} in {:.1} s",
        ex.xid,
        ex.mode,
        plural(ex.transmissions, "transmission"),
        cfg.timeout.as_secs_f32()
    );
    s.details.push(format!("sent {sent}"));
    if answers.is_empty() {
        s.summary = "no answer".into();
        let fix = match &cfg.target {
            Target::Interface(name) => format!(
                "make a DHCP server that answers DHCPINFORM serve the subnet on {name} (servers answer only for subnets they declare); across routers, relay with `ip helper-address`; `ucprov serve` answers INFORM next to an existing DHCP server"
            ),
            Target::Server(server) => format!(
                "check that {server} runs a DHCP server that answers DHCPINFORM for {}, and that its reply can reach this host on UDP port {}",
                ex.client.as_ref().map_or("this address".into(), |c| c.address.to_string()),
                ex.client_port
            ),
        };
        s.fail(Problem::new(
            Failure::NoDhcpAnswer,
            format!(
                "nobody answered within {:.1} s (UDP port {} stayed silent)",
                cfg.timeout.as_secs_f32(),
                ex.client_port
            ),
            fix,
        ));
        return s;
    }
    s.summary = format!("{} answered", plural(answers.len(), "server"));
    for a in answers {
        let has = |o: bool, n| {
            if o {
                format!("{n} yes")
            } else {
                format!("{n} no")
            }
        };
        s.details.push(format!(
            "server {} (from {}): {}, {}, {}{}",
            a.server,
            a.source,
            a.message_type,
            has(a.option43.is_some(), "option 43"),
            has(a.option120.is_some(), "option 120"),
            if a.replies > 1 {
                format!(", {} replies", a.replies)
            } else {
                String::new()
            }
        ));
    }
    if ex.ignored > 0 {
        s.notes.push(format!(
            "{} ignored on the client port (not replies to this INFORM)",
            plural(ex.ignored, "datagram")
        ));
    }
    s
}

fn decode_step(answers: &[ServerAnswer]) -> (Step, Option<usize>) {
    let mut s = Step::new(StepId::Decode);
    let verdict = decode::judge(answers);
    if let Some(c) = verdict.chosen.map(|i| &answers[i]) {
        s.details
            .push(format!("a device uses the answer from {}", c.server));
        if let Some(url) = &c.provisioning_url {
            s.details.push(format!("provisioning URL: {url}"));
        }
        if let Some(p) = &c.profile {
            s.details.push(format!("web services FQDN: {}", p.web_fqdn));
        }
        if !c.registrars.is_empty() {
            s.details
                .push(format!("registrar(s): {}", c.registrars.join(", ")));
        }
        s.summary = c
            .provisioning_url
            .clone()
            .unwrap_or_else(|| "decoded".into());
    }
    let provisioning = answers.iter().filter(|a| a.provisions()).count();
    if provisioning > 1
        && !verdict
            .problems
            .iter()
            .any(|p| p.kind == Failure::ConflictingServers)
    {
        s.details.push(format!(
            "{provisioning} servers send options 43/120 and agree"
        ));
    }
    for p in verdict.problems {
        s.fail(p);
    }
    if s.summary.is_empty() || !s.problems.is_empty() {
        s.summary = match s.problems.first() {
            Some(p) => p.kind.describe().to_string(),
            None => s.summary,
        };
    }
    (s, verdict.chosen)
}

fn tls_step(
    cfg: &ProbeConfig,
    chosen: &ServerAnswer,
    root: &[u8],
    checks: &mut Vec<TlsCheck>,
) -> Step {
    let mut s = Step::new(StepId::Tls);
    let config = match tls::client_config(root) {
        Ok(c) => c,
        Err(e) => {
            s.fail(Problem::new(
                Failure::TlsHandshake,
                e,
                "serve a root CA certificate a TLS client can use as a trust anchor",
            ));
            return s;
        }
    };
    let mut targets = Vec::new();
    if let Some(p) = &chosen.profile {
        if p.scheme == Scheme::Https {
            targets.push(TlsTarget {
                role: "web services (option 43)".into(),
                host: p.web_fqdn.clone(),
                port: p.port,
            });
        } else {
            s.notes.push(format!(
                "option 43 says {}://, so the web services URL is not checked over TLS",
                p.scheme
            ));
        }
    }
    for r in &chosen.registrars {
        targets.push(TlsTarget {
            role: "registrar (option 120)".into(),
            host: r.clone(),
            port: cfg.sip_port,
        });
    }
    for t in targets {
        let c = tls::check(t, &config, &cfg.resolve, cfg.io_timeout);
        let addr = c.address.map_or(String::new(), |a| format!(" ({a})"));
        let head = format!(
            "{} {}:{}{addr}",
            c.target.role, c.target.host, c.target.port
        );
        if c.ok {
            s.details.push(format!(
                "PASS {head}: {}, chains to the downloaded root, name matches",
                c.protocol.as_deref().unwrap_or("TLS")
            ));
        } else {
            s.details.push(format!("FAIL {head}"));
        }
        for p in &c.presented {
            s.details.push(format!("     presented {p}"));
        }
        if let Some(p) = &c.problem {
            s.fail(p.clone());
        }
        checks.push(c);
    }
    let ok = checks.iter().filter(|c| c.ok).count();
    s.summary = format!("{ok} of {} endpoints trusted", checks.len());
    s
}
