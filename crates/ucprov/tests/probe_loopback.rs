//! `ucprov probe` against labs on loopback: it passes a good one and fails each broken one at
//! the right step, with the right message and exit code. Unprivileged: the probe unicasts
//! to the lab's responder and listens on an ephemeral port.

mod common;
mod lab;

use common::{ucprov, Run};
use lab::{closed_tcp_port, dhcp, http, lync_options, probe_args, silent_udp, tls, Ca, Lab};
use ucprov_wire::message::code;

fn probe(args: Vec<String>, extra: &[&str]) -> Run {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend_from_slice(extra);
    ucprov(&all)
}

fn assert_fails(run: &Run, code: i32, step_line: &str, message: &str) {
    assert_eq!(
        run.code, code,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains(step_line),
        "no {step_line:?} in:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(message),
        "no {message:?} in:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("exit {code}")),
        "no exit line in:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("fix: "), "no fix in:\n{}", run.stdout);
}

#[test]
fn a_good_lab_passes_every_step() {
    let lab = Lab::good();
    let server = dhcp(vec![lab.answer()]);
    let pin = lab.ca.sha1();
    let run = probe(
        probe_args(server, lab.http, lab.sip),
        &["--expect-thumbprint", &pin],
    );
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    for line in [
        "[1] DHCP                PASS  1 server answered",
        "[2] Options 43 and 120  PASS  https://web.lab.test:",
        "registrar(s): sip.lab.test",
        "[4] Root chain          PASS  1 certificate",
        &format!("SHA-1   {pin}"),
        "root matches --expect-thumbprint",
        "[5] TLS                 PASS  2 of 2 endpoints trusted",
        "Result: PASS",
    ] {
        assert!(run.stdout.contains(line), "no {line:?} in:\n{}", run.stdout);
    }
}

#[test]
fn no_dhcp_answer_fails_step_1_with_exit_10() {
    let run = probe(probe_args(silent_udp(), 1, 1), &[]);
    assert_fails(
        &run,
        10,
        "[1] DHCP                FAIL",
        "nobody answered within 1.0 s",
    );
    assert!(run.stdout.contains("[5] TLS                 SKIP"));
}

#[test]
fn option_43_missing_fails_step_2_with_exit_11() {
    let lab = Lab::good();
    let mut answer = lab.answer();
    answer.options.retain(|(c, _)| *c != code::VENDOR_SPECIFIC);
    let run = probe(probe_args(dhcp(vec![answer]), lab.http, lab.sip), &[]);
    assert_fails(
        &run,
        11,
        "[2] Options 43 and 120  FAIL",
        "no answer carried option 43",
    );
}

#[test]
fn a_wrong_length_byte_in_option_43_fails_step_2_with_exit_12_and_the_offset() {
    let lab = Lab::good();
    let mut answer = lab.answer();
    // 53 (3 bytes) and 54 (6 bytes) start at 240, so 43's data starts at 251; sub-option 1's
    // length byte is 252. Claim more than the option holds.
    answer.patch = Some((252, 0xF0));
    let run = probe(probe_args(dhcp(vec![answer]), lab.http, lab.sip), &[]);
    assert_fails(
        &run,
        12,
        "[2] Options 43 and 120  FAIL",
        "option 43: byte 252: sub-option 1: length 240 (0xF0) runs past the end",
    );
}

#[test]
fn two_servers_answering_differently_fail_with_exit_13_naming_both() {
    let lab = Lab::good();
    let mut rogue = lab.answer();
    rogue.server_id = [127, 0, 0, 2];
    rogue.options = lync_options(8443);
    let run = probe(
        probe_args(dhcp(vec![lab.answer(), rogue]), lab.http, lab.sip),
        &[],
    );
    assert!(run.stdout.contains("2 servers answered"), "{}", run.stdout);
    assert_fails(
        &run,
        13,
        "[2] Options 43 and 120  FAIL",
        &format!(
            "servers 127.0.0.1 and 127.0.0.2 answer differently: option 43 sub-option 4 (WebServerPort): \"{}\" vs \"8443\"",
            lab.https
        ),
    );
}

#[test]
fn an_unreachable_root_chain_url_fails_step_4_with_exit_20() {
    let lab = Lab::good();
    let closed = closed_tcp_port();
    let run = probe(probe_args(dhcp(vec![lab.answer()]), closed, lab.sip), &[]);
    assert_fails(
        &run,
        20,
        "[4] Root chain          FAIL",
        &format!(
            "http://web.lab.test:{closed}/CertProv/CertProvisioningService.svc: connect to 127.0.0.1:{closed}: Connection refused"
        ),
    );
    assert!(run.stdout.contains("[5] TLS                 SKIP"));
}

#[test]
fn a_404_at_the_root_chain_url_fails_step_4_with_exit_20() {
    let lab = Lab::good();
    let not_found = http("404 Not Found", Vec::new());
    let run = probe(
        probe_args(dhcp(vec![lab.answer()]), not_found, lab.sip),
        &[],
    );
    assert_fails(
        &run,
        20,
        "[4] Root chain          FAIL",
        "answered `HTTP/1.1 404 Not Found`, expected 200",
    );
}

#[test]
fn a_body_that_is_not_a_chain_fails_step_4_with_exit_21() {
    let lab = Lab::good();
    let junk = http("200 OK", b"<html>IIS default page</html>".to_vec());
    let run = probe(probe_args(dhcp(vec![lab.answer()]), junk, lab.sip), &[]);
    assert_fails(
        &run,
        21,
        "[4] Root chain          FAIL",
        "the body is not a certificate chain",
    );
}

#[test]
fn a_pinned_thumbprint_mismatch_fails_step_4_with_exit_22() {
    let lab = Lab::good();
    let other = Ca::new().sha1();
    // Pins are accepted with colons and in lower case, as other tools print them.
    let pretty: Vec<String> = other
        .to_lowercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let run = probe(
        probe_args(dhcp(vec![lab.answer()]), lab.http, lab.sip),
        &["--expect-thumbprint", &pretty.join(":")],
    );
    assert_fails(
        &run,
        22,
        "[4] Root chain          FAIL",
        &format!("(SHA-1 {}, SHA-256", lab.ca.sha1()),
    );
    assert!(
        run.stdout.contains(&format!("not the pinned {other}")),
        "{}",
        run.stdout
    );
}

#[test]
fn a_registrar_certificate_from_another_ca_fails_step_5_with_exit_31() {
    let lab = Lab::good();
    let foreign = tls(&Ca::new().issue(lab::SIP));
    let run = probe(probe_args(dhcp(vec![lab.answer()]), lab.http, foreign), &[]);
    assert_fails(
        &run,
        31,
        "[5] TLS                 FAIL",
        &format!(
            "registrar (option 120) sip.lab.test:{foreign}: the certificate does not chain to the root downloaded in step 3"
        ),
    );
    assert!(
        run.stdout.contains("PASS web services (option 43)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_registrar_certificate_for_another_name_fails_step_5_with_exit_32() {
    let lab = Lab::good();
    let wrong = tls(&lab.ca.issue("other.lab.test"));
    let run = probe(probe_args(dhcp(vec![lab.answer()]), lab.http, wrong), &[]);
    assert_fails(
        &run,
        32,
        "[5] TLS                 FAIL",
        "the certificate chains to the root but is not valid for sip.lab.test",
    );
}

#[test]
fn json_carries_the_same_verdict() {
    let lab = Lab::good();
    let mut answer = lab.answer();
    answer.options.retain(|(c, _)| *c != code::VENDOR_SPECIFIC);
    let run = probe(
        probe_args(dhcp(vec![answer]), lab.http, lab.sip),
        &["--json"],
    );
    assert_eq!(run.code, 11, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["exit_code"], 11);
    assert_eq!(v["steps"][1]["status"], "fail");
    assert_eq!(v["steps"][1]["problems"][0]["kind"], "option43_missing");
    assert_eq!(v["steps"][3]["status"], "skipped");
    assert_eq!(v["servers"][0]["server"], "127.0.0.1");
    assert_eq!(v["servers"][0]["registrars"][0], "sip.lab.test");
}

#[test]
fn usage_errors_exit_2() {
    let run = ucprov(&["probe", "--timeout", "1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = ucprov(&[
        "probe",
        "--server",
        "127.0.0.1",
        "--expect-thumbprint",
        "abcd",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("40 (SHA-1) or 64 (SHA-256) hex digits"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_interface_is_an_environment_error() {
    let run = ucprov(&["probe", "--interface", "nonexistent-if0", "--timeout", "1"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no interface named \"nonexistent-if0\""),
        "{}",
        run.stderr
    );
}

#[test]
fn the_good_lab_shows_the_dns_and_sip_steps() {
    let lab = Lab::good();
    let run = probe(probe_args(dhcp(vec![lab.answer()]), lab.http, lab.sip), &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for line in [
        "[3] DNS                 PASS  2 of 2 names resolved by override",
        "web services (option 43) web.lab.test: 127.0.0.1 (resolved by override, --resolve; DNS not asked)",
        "[6] SIP REGISTER        PASS  1 of 1 registrar answered 401 TLS-DSK for option 43's service",
        "TLS-DSK realm \"SIP Communications Service\", version 4, targetname sip.lab.test",
        "challenges: NTLM, TLS-DSK",
    ] {
        assert!(run.stdout.contains(line), "no {line:?} in:\n{}", run.stdout);
    }
}

#[test]
fn the_json_report_carries_the_dns_and_sip_data() {
    let lab = Lab::good();
    let run = probe(
        probe_args(dhcp(vec![lab.answer()]), lab.http, lab.sip),
        &["--json"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["steps"][2]["id"], "dns");
    assert_eq!(v["steps"][5]["id"], "sip");
    assert_eq!(v["dns"]["server"], "not asked");
    assert_eq!(v["dns"]["names"][0]["name"], "web.lab.test");
    assert_eq!(v["dns"]["names"][0]["source"], "override");
    assert_eq!(v["sip"][0]["status_line"], "SIP/2.0 401 Unauthorized");
    assert_eq!(
        v["sip"][0]["tls_dsk"]["realm"],
        "SIP Communications Service"
    );
    assert_eq!(v["sip"][0]["tls_dsk"]["version"], "4");
    assert_eq!(v["sip"][0]["tls_dsk"]["targetname"], "sip.lab.test");
    assert_eq!(v["sip"][0]["challenges"][1], "TLS-DSK");
}

#[test]
fn a_registrar_port_that_answers_http_fails_step_6_with_exit_51() {
    let lab = Lab::good();
    let web = lab::tls_reply(
        &lab.ca.issue(lab::SIP),
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
    );
    let run = probe(probe_args(dhcp(vec![lab.answer()]), lab.http, web), &[]);
    assert_fails(
        &run,
        51,
        "[6] SIP REGISTER        FAIL",
        "the answer is not SIP: \"HTTP/1.1 400 Bad Request",
    );
}

#[test]
fn a_registrar_that_answers_403_fails_step_6_with_exit_52() {
    let lab = Lab::good();
    let refusing = lab::tls_reply(
        &lab.ca.issue(lab::SIP),
        "SIP/2.0 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
    );
    let run = probe(
        probe_args(dhcp(vec![lab.answer()]), lab.http, refusing),
        &[],
    );
    assert_fails(
        &run,
        52,
        "[6] SIP REGISTER        FAIL",
        "answered REGISTER with \"SIP/2.0 403 Forbidden\", not 401 Unauthorized",
    );
}

#[test]
fn a_401_without_tls_dsk_fails_step_6_with_exit_53() {
    let lab = Lab::good();
    let ntlm_only = lab::tls_reply(
        &lab.ca.issue(lab::SIP),
        "SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: NTLM realm=\"SIP Communications Service\", version=4\r\nContent-Length: 0\r\n\r\n",
    );
    let run = probe(
        probe_args(dhcp(vec![lab.answer()]), lab.http, ntlm_only),
        &[],
    );
    assert_fails(
        &run,
        53,
        "[6] SIP REGISTER        FAIL",
        "401 without a TLS-DSK challenge (WWW-Authenticate schemes: NTLM)",
    );
}

#[test]
fn a_registrar_that_says_nothing_after_tls_fails_step_6_with_exit_50() {
    let lab = Lab::good();
    // TLS with the right certificate, then silence: not a SIP registrar.
    let mute = tls(&lab.ca.issue(lab::SIP));
    let run = probe(probe_args(dhcp(vec![lab.answer()]), lab.http, mute), &[]);
    assert_fails(
        &run,
        50,
        "[6] SIP REGISTER        FAIL",
        "the server closed the connection without answering the REGISTER",
    );
    assert!(run.stdout.contains("[5] TLS                 PASS"));
}

#[test]
fn an_sts_uri_pointing_elsewhere_fails_step_6_with_exit_54() {
    let lab = Lab::good();
    let elsewhere = lab::registrar(
        &lab.ca.issue(lab::SIP),
        "https://pool2.lab.test/CertProv/CertProvisioningService.svc",
    );
    let run = probe(
        probe_args(dhcp(vec![lab.answer()]), lab.http, elsewhere),
        &[],
    );
    assert_fails(
        &run,
        54,
        "[6] SIP REGISTER        FAIL",
        "the TLS-DSK sts-uri https://pool2.lab.test/CertProv/CertProvisioningService.svc points at host pool2.lab.test",
    );
}

#[test]
fn no_option_120_and_a_silent_dns_server_fails_step_3_with_exit_43() {
    let lab = Lab::good();
    let mut answer = lab.answer();
    answer.options.retain(|(c, _)| *c != code::SIP_SERVERS);
    // A loopback port nobody listens on: the resolver gets no answer.
    let dead = silent_udp();
    let run = probe(
        probe_args(dhcp(vec![answer]), lab.http, lab.sip),
        &["--dns-server", &dead.to_string()],
    );
    assert_fails(
        &run,
        43,
        "[3] DNS                 FAIL",
        "gave no usable answer for the SRV records",
    );
    assert!(run
        .stdout
        .contains("no option 120: registrars come from DNS SRV"));
    assert!(run.stdout.contains("[6] SIP REGISTER        SKIP"));
}
