//! The probe's step vocabulary: the six steps, their status, every failure with its exit
//! code and fix, and one step's result. A leaf: the step modules (`dhcp`, `decode`, `chain`,
//! `tls`) speak it, and `report` only aggregates their steps.

use serde::Serialize;

/// The six things a device does, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    Dhcp,
    Decode,
    Dns,
    RootChain,
    Tls,
    Sip,
}

impl StepId {
    pub const ALL: [StepId; 6] = [
        StepId::Dhcp,
        StepId::Decode,
        StepId::Dns,
        StepId::RootChain,
        StepId::Tls,
        StepId::Sip,
    ];

    pub fn number(self) -> u8 {
        match self {
            StepId::Dhcp => 1,
            StepId::Decode => 2,
            StepId::Dns => 3,
            StepId::RootChain => 4,
            StepId::Tls => 5,
            StepId::Sip => 6,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            StepId::Dhcp => "DHCP",
            StepId::Decode => "Options 43 and 120",
            StepId::Dns => "DNS",
            StepId::RootChain => "Root chain",
            StepId::Tls => "TLS",
            StepId::Sip => "SIP REGISTER",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skipped,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skipped => "SKIP",
        }
    }
}

/// Why a step failed. Each kind has its own exit code so scripts can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    NoDhcpAnswer,
    Option43Missing,
    Malformed,
    ConflictingServers,
    Option120Missing,
    ChainUnreachable,
    ChainInvalid,
    ThumbprintMismatch,
    TlsUnreachable,
    TlsNotChained,
    TlsNameMismatch,
    TlsHandshake,
    DnsUnresolved,
    DnsNoSrv,
    DnsMismatch,
    DnsServerSilent,
    SipNoAnswer,
    SipNotSip,
    SipUnexpectedStatus,
    SipNoTlsDsk,
    SipStsMismatch,
    SipUnreachable,
}

impl Failure {
    pub const ALL: [Failure; 22] = [
        Failure::NoDhcpAnswer,
        Failure::Option43Missing,
        Failure::Malformed,
        Failure::ConflictingServers,
        Failure::Option120Missing,
        Failure::ChainUnreachable,
        Failure::ChainInvalid,
        Failure::ThumbprintMismatch,
        Failure::TlsUnreachable,
        Failure::TlsNotChained,
        Failure::TlsNameMismatch,
        Failure::TlsHandshake,
        Failure::DnsUnresolved,
        Failure::DnsNoSrv,
        Failure::DnsMismatch,
        Failure::DnsServerSilent,
        Failure::SipNoAnswer,
        Failure::SipNotSip,
        Failure::SipUnexpectedStatus,
        Failure::SipNoTlsDsk,
        Failure::SipStsMismatch,
        Failure::SipUnreachable,
    ];

    /// The documented exit code (see the crate docs and `ucprov probe --help`).
    pub fn exit_code(self) -> u8 {
        match self {
            Failure::NoDhcpAnswer => 10,
            Failure::Option43Missing => 11,
            Failure::Malformed => 12,
            Failure::ConflictingServers => 13,
            Failure::Option120Missing => 14,
            Failure::ChainUnreachable => 20,
            Failure::ChainInvalid => 21,
            Failure::ThumbprintMismatch => 22,
            Failure::TlsUnreachable => 30,
            Failure::TlsNotChained => 31,
            Failure::TlsNameMismatch => 32,
            Failure::TlsHandshake => 33,
            Failure::DnsUnresolved => 40,
            Failure::DnsNoSrv => 41,
            Failure::DnsMismatch => 42,
            Failure::DnsServerSilent => 43,
            Failure::SipNoAnswer => 50,
            Failure::SipNotSip => 51,
            Failure::SipUnexpectedStatus => 52,
            Failure::SipNoTlsDsk => 53,
            Failure::SipStsMismatch => 54,
            Failure::SipUnreachable => 55,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Failure::NoDhcpAnswer => "no DHCP server answered the DHCPINFORM",
            Failure::Option43Missing => "no answer carried option 43 for MS-UC-Client",
            Failure::Malformed => "option 43 or 120 (or the whole reply) is malformed",
            Failure::ConflictingServers => "two servers answered with different options",
            Failure::Option120Missing => {
                "option 120 (SIP registrar) missing (reserved: a missing option 120 is now a note, and exit 41 when the DNS SRV fallback is missing too)"
            }
            Failure::ChainUnreachable => "the root chain URL did not answer with HTTP 200",
            Failure::ChainInvalid => "the root chain is not a valid PKCS#7 with a self-signed root",
            Failure::ThumbprintMismatch => "the root does not match --expect-thumbprint",
            Failure::TlsUnreachable => "a TLS endpoint could not be reached",
            Failure::TlsNotChained => "a TLS certificate does not chain to the downloaded root",
            Failure::TlsNameMismatch => "a TLS certificate does not match its host name",
            Failure::TlsHandshake => "a TLS handshake failed for another reason",
            Failure::DnsUnresolved => "the web services FQDN or a registrar does not resolve",
            Failure::DnsNoSrv => {
                "no option 120 and no _sipinternaltls._tcp SRV record to fall back to"
            }
            Failure::DnsMismatch => {
                "DNS answers differ from the address the TLS step reached"
            }
            Failure::DnsServerSilent => "the DNS server did not answer",
            Failure::SipNoAnswer => "a registrar did not answer the REGISTER",
            Failure::SipNotSip => "a registrar answered with something that is not SIP",
            Failure::SipUnexpectedStatus => {
                "a registrar answered the REGISTER with a status other than 401"
            }
            Failure::SipNoTlsDsk => "a registrar's 401 carries no usable TLS-DSK challenge",
            Failure::SipStsMismatch => {
                "the TLS-DSK sts-uri is not option 43's certificate provisioning service"
            }
            Failure::SipUnreachable => "a registrar could not be reached over TLS for SIP",
        }
    }

    pub fn step(self) -> StepId {
        use Failure::*;
        match self {
            NoDhcpAnswer => StepId::Dhcp,
            Option43Missing | Malformed | ConflictingServers | Option120Missing => StepId::Decode,
            ChainUnreachable | ChainInvalid | ThumbprintMismatch => StepId::RootChain,
            TlsUnreachable | TlsNotChained | TlsNameMismatch | TlsHandshake => StepId::Tls,
            DnsUnresolved | DnsNoSrv | DnsMismatch | DnsServerSilent => StepId::Dns,
            SipNoAnswer | SipNotSip | SipUnexpectedStatus | SipNoTlsDsk | SipStsMismatch
            | SipUnreachable => StepId::Sip,
        }
    }
}

/// Exit code when every step passed.
pub const EXIT_OK: u8 = 0;

/// The exit code table, as shown in `--help`.
pub fn exit_code_table() -> String {
    let mut out = format!("  {EXIT_OK:>2}  every step passed\n");
    out.push_str("   2  usage: the command line is wrong\n");
    out.push_str("   3  environment: no such interface, cannot bind the DHCP client port\n");
    for f in Failure::ALL {
        out.push_str(&format!(
            "  {:>2}  step {}: {}\n",
            f.exit_code(),
            f.step().number(),
            f.describe()
        ));
    }
    out
}

/// One reason a step failed, with what to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub kind: Failure,
    pub exit_code: u8,
    pub message: String,
    pub fix: String,
}

impl Problem {
    pub fn new(kind: Failure, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Problem {
            kind,
            exit_code: kind.exit_code(),
            message: message.into(),
            fix: fix.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: StepId,
    pub number: u8,
    pub title: &'static str,
    pub status: Status,
    pub summary: String,
    /// Human-readable lines; the structured data is in the report's typed fields.
    pub details: Vec<String>,
    pub problems: Vec<Problem>,
    /// Worth knowing, but not a failure.
    pub notes: Vec<String>,
}

impl Step {
    pub fn new(id: StepId) -> Self {
        Step {
            id,
            number: id.number(),
            title: id.title(),
            status: Status::Pass,
            summary: String::new(),
            details: Vec::new(),
            problems: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn skipped(id: StepId, why: impl Into<String>) -> Self {
        Step {
            status: Status::Skipped,
            summary: why.into(),
            ..Step::new(id)
        }
    }

    pub fn fail(&mut self, problem: Problem) {
        self.status = Status::Fail;
        self.problems.push(problem);
    }
}

/// `1 server`, `2 servers`: counts in messages.
pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
