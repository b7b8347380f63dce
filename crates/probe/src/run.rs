//! The six steps in order; a step that depends on a failed one is skipped, not guessed.

use std::net::IpAddr;

use ucprov_wire::profile::Scheme;

use crate::chain::{self, ChainTarget};
use crate::decode::{self, ServerAnswer};
use crate::dhcp::{self, DhcpConfig, ExchangeSummary, Target};
use crate::dns::{self, DnsResult, LookupError, NameAnswer, Resolver, Source, SrvAnswer};
use crate::net::{Override, ResolveMap};
use crate::report::{Failure, Problem, Report, Status, Step, StepId};
use crate::sip::{self, Expected, SipCheck, SipTarget};
use crate::step::plural;
use crate::tls::{self, TlsCheck, TlsTarget};
use crate::{ProbeConfig, ProbeError};

/// A registrar to check over TLS and SIP: from option 120 or an SRV record.
#[derive(Debug, Clone)]
struct Registrar {
    role: String,
    host: String,
    port: u16,
}

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
            Step::skipped(StepId::Dns, "no names to resolve"),
            Step::skipped(StepId::RootChain, "no provisioning URL"),
            Step::skipped(StepId::Tls, "no root to trust"),
            Step::skipped(StepId::Sip, "no registrar"),
        ];
        return Ok(Report::new(steps, exchange, answers, None, Vec::new()));
    }
    let (s2, chosen) = decode_step(&answers);
    let Some(chosen) = chosen.map(|i| &answers[i]) else {
        let steps = vec![
            s1,
            s2,
            Step::skipped(StepId::Dns, "no valid option 43, so no names to resolve"),
            Step::skipped(
                StepId::RootChain,
                "no valid option 43, so no provisioning URL",
            ),
            Step::skipped(StepId::Tls, "no root to trust"),
            Step::skipped(StepId::Sip, "no registrar"),
        ];
        return Ok(Report::new(steps, exchange, answers, None, Vec::new()));
    };
    let Some(profile) = chosen.profile.as_ref() else {
        return Err(ProbeError::env("internal: chosen answer without a profile"));
    };
    let domain = cfg
        .sip_domain
        .clone()
        .or_else(|| dns::parent_domain(&profile.web_fqdn));
    let mut dns_result = DnsResult {
        domain: domain.clone(),
        ..DnsResult::default()
    };
    let (mut s3, registrars, resolve) = dns_step(
        cfg,
        &profile.web_fqdn,
        chosen,
        domain.as_deref(),
        &mut dns_result,
    );
    let url = profile.root_chain_url(cfg.http_port);
    let mut s4 = Step::new(StepId::RootChain);
    let chain = chain::check(
        &ChainTarget {
            url: &url,
            host: &profile.web_fqdn,
            port: cfg.http_port,
            path: &profile.path,
        },
        &resolve,
        cfg.io_timeout,
        cfg.expect_thumbprint.as_ref(),
        &mut s4,
    );
    let mut checks = Vec::new();
    let mut sips = Vec::new();
    let (s5, s6) = match &chain.root_der {
        // A pin mismatch still leaves a self-signed root to test against; anything else
        // wrong with the chain means there is nothing a device would trust.
        Some(root)
            if s4
                .problems
                .iter()
                .all(|p| p.kind == Failure::ThumbprintMismatch) =>
        {
            let s5 = tls_step(cfg, chosen, &registrars, &resolve, root, &mut checks);
            compare_addresses(&mut s3, &dns_result, &checks);
            let expected = Expected {
                web_fqdn: profile.web_fqdn.clone(),
                port: profile.port,
                path: profile.path.clone(),
            };
            let sip_domain = domain
                .clone()
                .or_else(|| registrars.first().map(|r| r.host.clone()))
                .unwrap_or_else(|| profile.web_fqdn.clone());
            let s6 = sip_step(
                cfg,
                &registrars,
                &checks,
                &resolve,
                root,
                &expected,
                &sip_domain,
                &mut sips,
            );
            (s5, s6)
        }
        _ => (
            Step::skipped(StepId::Tls, "no usable root downloaded in step 4"),
            Step::skipped(StepId::Sip, "no usable root downloaded in step 4"),
        ),
    };
    let mut report = Report::new(
        vec![s1, s2, s3, s4, s5, s6],
        exchange,
        answers,
        Some(chain),
        checks,
    );
    report.dns = Some(dns_result);
    report.sip = sips;
    Ok(report)
}

/// One DNS query's bound: the I/O timeout, at most 5 s (a phone's resolver gives up
/// sooner than a TLS handshake).
fn dns_timeout(cfg: &ProbeConfig) -> std::time::Duration {
    cfg.io_timeout.min(std::time::Duration::from_secs(5))
}

/// Who answers for `name`: an override, an IP literal, or DNS.
fn resolve_name(
    cfg: &ProbeConfig,
    resolver: &mut Option<Result<Resolver, String>>,
    role: &str,
    name: &str,
) -> (NameAnswer, Option<LookupError>) {
    let mut answer = NameAnswer {
        role: role.to_string(),
        name: name.to_string(),
        source: Source::Dns,
        addresses: Vec::new(),
        error: None,
    };
    if let Ok(ip) = name.parse::<IpAddr>() {
        answer.source = Source::Literal;
        answer.addresses.push(ip);
        return (answer, None);
    }
    if cfg.resolve.covers(name) {
        answer.source = Source::Override;
        // Port 0: any-port overrides; port-specific ones are listed too.
        answer.addresses = cfg
            .resolve
            .entries
            .iter()
            .filter(|o| {
                o.host.trim_end_matches('.') == name.trim_end_matches('.').to_ascii_lowercase()
            })
            .map(|o| o.address)
            .collect();
        return (answer, None);
    }
    let r = resolver.get_or_insert_with(|| Resolver::new(cfg.dns_server, dns_timeout(cfg)));
    let result = match r {
        Ok(r) => r.ip(name),
        Err(e) => Err(LookupError::Silent(e.clone())),
    };
    match result {
        Ok(addrs) => {
            answer.addresses = addrs;
            (answer, None)
        }
        Err(e) => {
            answer.error = Some(e.to_string());
            (answer, Some(e))
        }
    }
}

fn lookup_problem(
    cfg: &ProbeConfig,
    server: &str,
    role: &str,
    name: &str,
    e: &LookupError,
) -> Problem {
    match e {
        LookupError::NotFound(m) => Problem::new(
            Failure::DnsUnresolved,
            format!("{role} {name} does not resolve ({server}): {m}"),
            format!(
                "add an A record for {name} on the DNS server the phones use (DHCP option 6){}",
                if cfg.dns_server.is_none() {
                    "; if the phones use another server than this host, rerun with --dns-server"
                } else {
                    ""
                }
            ),
        ),
        LookupError::Silent(m) => Problem::new(
            Failure::DnsServerSilent,
            format!("{role} {name}: {server} gave no usable answer: {m}"),
            "check that the DNS server is up and answers this network (UDP and TCP 53), or give the phones' server with --dns-server IP[:PORT]",
        ),
    }
}

/// Step 3: resolve every name; without option 120 find the registrars by SRV. Returns the
/// registrars to check and the map every later connection resolves through.
fn dns_step(
    cfg: &ProbeConfig,
    web_fqdn: &str,
    chosen: &ServerAnswer,
    domain: Option<&str>,
    out: &mut DnsResult,
) -> (Step, Vec<Registrar>, ResolveMap) {
    let mut s = Step::new(StepId::Dns);
    let mut resolver: Option<Result<Resolver, String>> = None;
    let server_text = |r: &Option<Result<Resolver, String>>| match r {
        Some(Ok(r)) => r.server.clone(),
        Some(Err(_)) | None => cfg
            .dns_server
            .map_or("the system resolver".to_string(), |a| a.to_string()),
    };
    let mut registrars: Vec<Registrar> = chosen
        .registrars
        .iter()
        .map(|r| Registrar {
            role: "registrar (option 120)".into(),
            host: r.clone(),
            port: cfg.sip_port,
        })
        .collect();
    if registrars.is_empty() {
        s.notes.push(
            "no option 120: registrars come from DNS SRV, as Lync clients look them up".into(),
        );
        match domain {
            None => s.fail(Problem::new(
                Failure::DnsNoSrv,
                format!("no option 120, and the web services FQDN {web_fqdn} has no parent domain to look up SRV records in"),
                "configure option 120 with the registrar pool FQDN, or give the SIP domain with --sip-domain",
            )),
            Some(domain) => {
                let r = resolver.get_or_insert_with(|| Resolver::new(cfg.dns_server, dns_timeout(cfg)));
                let mut found: Option<(String, Vec<dns::SrvRecord>)> = None;
                let mut silent: Option<String> = None;
                for q in [format!("_sipinternaltls._tcp.{domain}"), format!("_sip._tls.{domain}")] {
                    let result = match r {
                        Ok(r) => r.srv(&q),
                        Err(e) => Err(LookupError::Silent(e.clone())),
                    };
                    let answer = match result {
                        Ok(records) => {
                            for rec in &records {
                                s.details.push(format!(
                                    "SRV {q}: priority {} weight {} port {} target {}",
                                    rec.priority, rec.weight, rec.port, rec.target
                                ));
                            }
                            if found.is_none() {
                                found = Some((q.clone(), records.clone()));
                            }
                            SrvAnswer { query: q.clone(), records, error: None }
                        }
                        Err(e) => {
                            s.details.push(format!("SRV {q}: {e}"));
                            let dead = matches!(e, LookupError::Silent(_));
                            if let LookupError::Silent(m) = &e {
                                silent.get_or_insert(m.clone());
                            }
                            out.srv.push(SrvAnswer {
                                query: q.clone(),
                                records: Vec::new(),
                                error: Some(e.to_string()),
                            });
                            if dead {
                                break; // the server is not answering: do not wait again
                            }
                            continue;
                        }
                    };
                    out.srv.push(answer);
                }
                match found {
                    Some((q, records)) => {
                        if !q.starts_with("_sipinternaltls.") {
                            s.notes.push(format!(
                                "no _sipinternaltls._tcp.{domain}: clients go on to {q} (meant for the Edge's external interface); publish _sipinternaltls._tcp.{domain} for internal phones"
                            ));
                        }
                        for rec in records.into_iter().filter(|r| !r.target.is_empty() && r.target != ".") {
                            if !registrars.iter().any(|x| x.host.eq_ignore_ascii_case(&rec.target) && x.port == rec.port) {
                                registrars.push(Registrar {
                                    role: format!("registrar (SRV {q})"),
                                    host: rec.target,
                                    port: rec.port,
                                });
                            }
                        }
                    }
                    None => {
                        let server = server_text(&resolver);
                        let problem = match silent {
                            Some(m) => Problem::new(
                                Failure::DnsServerSilent,
                                format!("no option 120, and {server} gave no usable answer for the SRV records: {m}"),
                                "check that the DNS server is up, or give the phones' server with --dns-server IP[:PORT]",
                            ),
                            None => Problem::new(
                                Failure::DnsNoSrv,
                                format!("no option 120, and neither _sipinternaltls._tcp.{domain} nor _sip._tls.{domain} has an SRV record ({server}); the phone has no registrar to sign in to"),
                                format!("configure option 120 with the registrar pool FQDN, or publish _sipinternaltls._tcp.{domain} SRV 0 0 5061 <pool FQDN> in DNS (if the SIP domain is not {domain}, say so with --sip-domain)"),
                            ),
                        };
                        s.fail(problem);
                    }
                }
            }
        }
    }
    let mut names: Vec<(String, String)> =
        vec![("web services (option 43)".into(), web_fqdn.to_string())];
    for r in &registrars {
        if !names.iter().any(|(_, n)| n.eq_ignore_ascii_case(&r.host)) {
            names.push((r.role.clone(), r.host.clone()));
        }
    }
    let mut resolve = cfg.resolve.clone();
    let mut asked = false;
    for (role, name) in names {
        let (answer, err) = resolve_name(cfg, &mut resolver, &role, &name);
        let shown: Vec<String> = answer.addresses.iter().map(ToString::to_string).collect();
        match (answer.source, &err) {
            (Source::Override, _) => s.details.push(format!(
                "{role} {name}: {} (resolved by override, --resolve; DNS not asked)",
                shown.join(", ")
            )),
            (Source::Literal, _) => s
                .details
                .push(format!("{role} {name}: an IP literal, nothing to resolve")),
            (Source::Dns, None) => {
                asked = true;
                s.details
                    .push(format!("{role} {name}: {}", shown.join(", ")));
            }
            (Source::Dns, Some(e)) => {
                asked = true;
                s.details.push(format!("{role} {name}: does not resolve"));
                let server = server_text(&resolver);
                s.fail(lookup_problem(cfg, &server, &role, &name, e));
            }
        }
        if cfg.dns_server.is_some() && answer.source == Source::Dns {
            for a in &answer.addresses {
                resolve.entries.push(Override {
                    host: name.to_ascii_lowercase(),
                    port: None,
                    address: *a,
                });
            }
        }
        out.names.push(answer);
    }
    if cfg.dns_server.is_some() {
        // Every connection uses that server's view; nothing leaks to this host's resolver.
        resolve.no_system = true;
    }
    out.server = if asked || resolver.is_some() {
        server_text(&resolver)
    } else {
        "not asked".into()
    };
    if out.server != "not asked" {
        s.details.insert(0, format!("asked {}", out.server));
    }
    let resolved = out.names.iter().filter(|n| n.error.is_none()).count();
    s.summary = match s.problems.first() {
        Some(p) => p.kind.describe().to_string(),
        None => format!(
            "{} of {} resolved{}",
            resolved,
            plural(out.names.len(), "name"),
            if asked {
                format!(", asked {}", out.server)
            } else {
                " by override".to_string()
            }
        ),
    };
    (s, registrars, resolve)
}

/// After step 5: a name DNS answered whose reached address is not among the answers.
fn compare_addresses(s: &mut Step, dns: &DnsResult, checks: &[TlsCheck]) {
    for c in checks {
        let Some(reached) = c.address else { continue };
        let Some(n) = dns.names.iter().find(|n| {
            n.source == Source::Dns
                && n.error.is_none()
                && n.name.eq_ignore_ascii_case(&c.target.host)
        }) else {
            continue;
        };
        if !n.addresses.contains(&reached.ip()) {
            let answered: Vec<String> = n.addresses.iter().map(ToString::to_string).collect();
            s.fail(Problem::new(
                Failure::DnsMismatch,
                format!(
                    "{} resolves to {} in DNS ({}), but the TLS step reached {} through this host's resolver (/etc/hosts or another server)",
                    n.name, answered.join(", "), dns.server, reached.ip()
                ),
                format!("make DNS and this host agree on {} (a stale /etc/hosts entry, split DNS), or probe with --dns-server set to the phones' DNS server so every step uses it", n.name),
            ));
            if s.summary.is_empty() || s.problems.len() == 1 {
                s.summary = Failure::DnsMismatch.describe().to_string();
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn sip_step(
    cfg: &ProbeConfig,
    registrars: &[Registrar],
    checks: &[TlsCheck],
    resolve: &ResolveMap,
    root: &[u8],
    expected: &Expected,
    domain: &str,
    out: &mut Vec<SipCheck>,
) -> Step {
    if registrars.is_empty() {
        return Step::skipped(StepId::Sip, "no registrar to REGISTER with");
    }
    let mut s = Step::new(StepId::Sip);
    let config = match tls::client_config(root) {
        Ok(c) => c,
        Err(e) => return Step::skipped(StepId::Sip, e),
    };
    let mut skipped = 0;
    for r in registrars {
        let tls_ok = checks
            .iter()
            .find(|c| c.target.host.eq_ignore_ascii_case(&r.host) && c.target.port == r.port)
            .is_some_and(|c| c.ok);
        if !tls_ok {
            skipped += 1;
            s.details.push(format!(
                "SKIP {} {}:{}: its TLS check failed in step 5",
                r.role, r.host, r.port
            ));
            continue;
        }
        let c = sip::check(
            SipTarget {
                role: r.role.clone(),
                host: r.host.clone(),
                port: r.port,
            },
            domain,
            &config,
            resolve,
            expected,
            cfg.io_timeout,
        );
        let addr = c.address.map_or(String::new(), |a| format!(" ({a})"));
        let head = format!("{} {}:{}{addr}", r.role, r.host, r.port);
        match (&c.problem, &c.tls_dsk) {
            (None, Some(d)) => {
                s.details.push(format!(
                    "PASS {head}: {}",
                    c.status_line.as_deref().unwrap_or("")
                ));
                let v = |o: &Option<String>| o.clone().unwrap_or_else(|| "(none)".into());
                s.details.push(format!(
                    "     TLS-DSK realm {:?}, version {}, targetname {}",
                    v(&d.realm),
                    v(&d.version),
                    v(&d.targetname)
                ));
                s.details.push(format!(
                    "     sts-uri {} = option 43's provisioning service",
                    v(&d.sts_uri)
                ));
            }
            _ => s.details.push(format!(
                "FAIL {head}{}",
                c.status_line
                    .as_deref()
                    .map_or(String::new(), |l| format!(": {l}"))
            )),
        }
        if !c.challenges.is_empty() {
            s.details
                .push(format!("     challenges: {}", c.challenges.join(", ")));
        }
        s.notes.extend(c.notes.iter().cloned());
        if let Some(p) = &c.problem {
            s.fail(p.clone());
        }
        out.push(c);
    }
    if out.is_empty() {
        let mut skip = Step::skipped(StepId::Sip, "no registrar passed the TLS step");
        skip.details = s.details;
        return skip;
    }
    let ok = out.iter().filter(|c| c.ok).count();
    s.summary = format!(
        "{ok} of {} answered 401 TLS-DSK for option 43's service{}",
        plural(out.len(), "registrar"),
        if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        }
    );
    if s.status == Status::Pass && ok == 0 {
        s.status = Status::Skipped;
    }
    s
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
        if c.registrars.is_empty() {
            s.notes.push(format!(
                "server {} sent no option 120: the device falls back to the DNS SRV record (step 3)",
                c.server
            ));
        } else {
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
    registrars: &[Registrar],
    resolve: &ResolveMap,
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
    for r in registrars {
        targets.push(TlsTarget {
            role: r.role.clone(),
            host: r.host.clone(),
            port: r.port,
        });
    }
    for t in targets {
        let c = tls::check(t, &config, resolve, cfg.io_timeout);
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
