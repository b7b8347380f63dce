//! The step report: four steps, each pass, fail or skipped, with the problems that failed it
//! (each with its fix and exit code), rendered as text or serialised as JSON.

use serde::Serialize;

use crate::chain::ChainResult;
use crate::decode::ServerAnswer;
use crate::dhcp::ExchangeSummary;
use crate::tls::TlsCheck;

/// The four things a device does, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    Dhcp,
    Decode,
    RootChain,
    Tls,
}

impl StepId {
    pub const ALL: [StepId; 4] = [StepId::Dhcp, StepId::Decode, StepId::RootChain, StepId::Tls];

    pub fn number(self) -> u8 {
        match self {
            StepId::Dhcp => 1,
            StepId::Decode => 2,
            StepId::RootChain => 3,
            StepId::Tls => 4,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            StepId::Dhcp => "DHCP",
            StepId::Decode => "Options 43 and 120",
            StepId::RootChain => "Root chain",
            StepId::Tls => "TLS",
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
    fn label(self) -> &'static str {
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
}

impl Failure {
    pub const ALL: [Failure; 12] = [
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
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Failure::NoDhcpAnswer => "no DHCP server answered the DHCPINFORM",
            Failure::Option43Missing => "no answer carried option 43 for MS-UC-Client",
            Failure::Malformed => "option 43 or 120 (or the whole reply) is malformed",
            Failure::ConflictingServers => "two servers answered with different options",
            Failure::Option120Missing => "option 120 (SIP registrar) missing",
            Failure::ChainUnreachable => "the root chain URL did not answer with HTTP 200",
            Failure::ChainInvalid => "the root chain is not a valid PKCS#7 with a self-signed root",
            Failure::ThumbprintMismatch => "the root does not match --expect-thumbprint",
            Failure::TlsUnreachable => "a TLS endpoint could not be reached",
            Failure::TlsNotChained => "a TLS certificate does not chain to the downloaded root",
            Failure::TlsNameMismatch => "a TLS certificate does not match its host name",
            Failure::TlsHandshake => "a TLS handshake failed for another reason",
        }
    }

    pub fn step(self) -> StepId {
        use Failure::*;
        match self {
            NoDhcpAnswer => StepId::Dhcp,
            Option43Missing | Malformed | ConflictingServers | Option120Missing => StepId::Decode,
            ChainUnreachable | ChainInvalid | ThumbprintMismatch => StepId::RootChain,
            TlsUnreachable | TlsNotChained | TlsNameMismatch | TlsHandshake => StepId::Tls,
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

/// Everything the probe saw. `steps` is the verdict; the other fields carry the data behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub passed: bool,
    pub exit_code: u8,
    pub steps: Vec<Step>,
    pub dhcp: ExchangeSummary,
    pub servers: Vec<ServerAnswer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainResult>,
    pub tls: Vec<TlsCheck>,
}

/// The exit code of the first failing step (its first problem), or 0.
pub fn exit_code(steps: &[Step]) -> u8 {
    steps
        .iter()
        .find_map(|s| s.problems.first())
        .map_or(EXIT_OK, |p| p.exit_code)
}

impl Report {
    pub fn new(
        steps: Vec<Step>,
        dhcp: ExchangeSummary,
        servers: Vec<ServerAnswer>,
        chain: Option<ChainResult>,
        tls: Vec<TlsCheck>,
    ) -> Self {
        let code = exit_code(&steps);
        Report {
            passed: code == EXIT_OK,
            exit_code: code,
            steps,
            dhcp,
            servers,
            chain,
            tls,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"serialising the report: {e}\"}}"))
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for s in &self.steps {
            out.push_str(&format!(
                "[{}] {:<19} {}  {}\n",
                s.number,
                s.title,
                s.status.label(),
                s.summary
            ));
            for d in &s.details {
                out.push_str(&format!("      {d}\n"));
            }
            for n in &s.notes {
                out.push_str(&format!("      note: {n}\n"));
            }
            for p in &s.problems {
                out.push_str(&format!("      error ({}): {}\n", p.exit_code, p.message));
                out.push_str(&format!("        fix: {}\n", p.fix));
            }
        }
        out.push('\n');
        match self.steps.iter().find(|s| s.status == Status::Fail) {
            None => out.push_str("Result: PASS, every step passed (exit 0)\n"),
            Some(s) => out.push_str(&format!(
                "Result: FAIL at step {} ({}), exit {}\n",
                s.number, s.title, self.exit_code
            )),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_unique_and_grouped_by_step() {
        let mut codes: Vec<u8> = Failure::ALL.iter().map(|f| f.exit_code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Failure::ALL.len());
        assert_eq!(Failure::NoDhcpAnswer.step(), StepId::Dhcp);
        assert_eq!(Failure::Option43Missing.step(), StepId::Decode);
        assert_eq!(Failure::Option120Missing.step(), StepId::Decode);
        assert_eq!(Failure::ThumbprintMismatch.step(), StepId::RootChain);
        assert_eq!(Failure::TlsNameMismatch.step(), StepId::Tls);
    }

    #[test]
    fn first_failing_step_decides_the_exit_code() {
        let mut dhcp = Step::new(StepId::Dhcp);
        dhcp.summary = "1 server".into();
        let mut chain = Step::new(StepId::RootChain);
        chain.fail(Problem::new(Failure::ThumbprintMismatch, "pin", "fix"));
        let mut tls = Step::new(StepId::Tls);
        tls.fail(Problem::new(Failure::TlsNotChained, "chain", "fix"));
        let steps = vec![dhcp, Step::new(StepId::Decode), chain, tls];
        assert_eq!(exit_code(&steps), 22);
        assert_eq!(exit_code(&steps[..2]), 0);
    }

    #[test]
    fn text_names_the_failing_step_and_the_fix() {
        let mut chain = Step::new(StepId::RootChain);
        chain.summary = "download failed".into();
        chain.fail(Problem::new(
            Failure::ChainUnreachable,
            "connection refused",
            "start the service",
        ));
        let report = Report::new(
            vec![Step::new(StepId::Dhcp), chain],
            ExchangeSummary::default(),
            Vec::new(),
            None,
            Vec::new(),
        );
        let text = report.render_text();
        assert!(text.contains("[3] Root chain          FAIL  download failed"));
        assert!(text.contains("error (20): connection refused"));
        assert!(text.contains("fix: start the service"));
        assert!(text.contains("Result: FAIL at step 3 (Root chain), exit 20"));
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["exit_code"], 20);
        assert_eq!(json["steps"][1]["status"], "fail");
        assert_eq!(json["steps"][1]["problems"][0]["kind"], "chain_unreachable");
    }

    #[test]
    fn the_help_table_lists_every_code() {
        let table = exit_code_table();
        for f in Failure::ALL {
            assert!(table.contains(&format!("{:>2}  step", f.exit_code())));
        }
    }
}
