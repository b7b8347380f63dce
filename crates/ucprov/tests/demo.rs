//! `ucprov demo` end to end: the README's main command, on loopback, as a fresh user runs it.

mod common;

use common::ucprov;

#[test]
fn demo_runs_the_whole_system_and_passes() {
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().join("ca");
    let run = ucprov(&["demo", "--state-dir", dir.to_str().unwrap()]);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    for line in [
        "DHCPINFORM responder   udp 127.0.0.1:",
        "DHCPINFORM sent (unicast to 127.0.0.1:",
        "60    Vendor Class Identifier  12   1      4D532D55432D436C69656E74 \"MS-UC-Client\"",
        "DHCPACK from server 127.0.0.1",
        "3    WebServerFqdn    16",
        "MS-UC-Client profile: valid",
        "sip.ucprov-demo.test  no",
        "[1] DHCP                PASS  1 server answered",
        "[2] Options 43 and 120  PASS  https://ucprov-demo.test:",
        "registrar(s): sip.ucprov-demo.test",
        "DNS (demo zone)        udp 127.0.0.1:",
        "answers REGISTER with 401 TLS-DSK as a Lync front end does",
        "[3] DNS                 PASS  2 of 2 names resolved, asked 127.0.0.1:",
        "registrar (option 120) sip.ucprov-demo.test: 127.0.0.1",
        "[4] Root chain          PASS  1 certificate, root CN=ucprov demo CA",
        "SHA-256 ",
        "PASS web services (option 43) ucprov-demo.test:",
        "PASS registrar (option 120) sip.ucprov-demo.test:",
        "[6] SIP REGISTER        PASS  1 of 1 registrar answered 401 TLS-DSK for option 43's service",
        "TLS-DSK realm \"SIP Communications Service\", version 4, targetname sip.ucprov-demo.test",
        "sts-uri https://ucprov-demo.test:",
        "challenges: NTLM, Kerberos, TLS-DSK",
        "Result: PASS, every step passed (exit 0)",
        "All services stopped.",
    ] {
        assert!(run.stdout.contains(line), "no {line:?} in:\n{}", run.stdout);
    }
    // The demo CA was kept where asked, so a second run reuses it.
    assert!(dir.join("demo-ca.pem").exists());
    let again = ucprov(&["demo", "--state-dir", dir.to_str().unwrap()]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}

#[test]
fn demo_without_flags_cleans_up_its_temporary_state() {
    let run = ucprov(&["demo"]);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("demo CA   "))
        .unwrap();
    let dir = line.split_whitespace().nth(2).unwrap();
    assert!(line.contains("temporary"), "{line}");
    assert!(!std::path::Path::new(dir).exists(), "{dir} left behind");
}
