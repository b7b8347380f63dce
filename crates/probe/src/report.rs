//! The step report: six steps, each pass, fail or skipped, with the problems that failed it
//! (each with its fix and exit code), rendered as text or serialised as JSON. The vocabulary
//! is [`crate::step`]'s; this module only aggregates.

use serde::Serialize;

use crate::chain::ChainResult;
use crate::decode::ServerAnswer;
use crate::dhcp::ExchangeSummary;
use crate::dns::DnsResult;
use crate::sip::SipCheck;
use crate::tls::TlsCheck;

pub use crate::step::{exit_code_table, Failure, Problem, Status, Step, StepId, EXIT_OK};

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsResult>,
    pub sip: Vec<SipCheck>,
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
            dns: None,
            sip: Vec::new(),
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
        assert!(text.contains("[4] Root chain          FAIL  download failed"));
        assert!(text.contains("error (20): connection refused"));
        assert!(text.contains("fix: start the service"));
        assert!(text.contains("Result: FAIL at step 4 (Root chain), exit 20"));
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
