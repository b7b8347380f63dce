//! CPU time of a process from `/proc/PID/stat`: user + system time of all its threads.

use nix::unistd::{sysconf, SysconfVar};

/// Clock ticks per second of `/proc` times (USER_HZ).
fn ticks_per_second() -> f64 {
    match sysconf(SysconfVar::CLK_TCK) {
        Ok(Some(t)) if t > 0 => t as f64,
        // USER_HZ is 100 on every Linux architecture this runs on.
        _ => 100.0,
    }
}

/// `utime + stime` of `pid` in seconds.
pub fn cpu_seconds(pid: u32) -> Result<f64, String> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let ticks = parse_stat(&text).ok_or_else(|| format!("{path}: unexpected format"))?;
    Ok(ticks as f64 / ticks_per_second())
}

/// utime (field 14) + stime (field 15). The command name (field 2) is in parentheses and may
/// hold spaces or parentheses itself, so fields are counted after its last `)`.
fn parse_stat(text: &str) -> Option<u64> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_counted_after_the_command_name() {
        let line = "4242 (kea dhcp4) (x)) S 1 4242 4242 0 -1 4194560 900 0 0 0 123 45 0 0 20 0 1 0 100 0 0";
        assert_eq!(parse_stat(line), Some(168));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn our_own_cpu_time_reads() {
        assert!(cpu_seconds(std::process::id()).is_ok_and(|s| s >= 0.0));
    }
}
