//! One error shape for everything that stops an audit: where (file and line), what, and the
//! fix. A file that cannot be read or understood is an error at its line, never a guess.

use core::fmt;

/// Why the configuration could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file (or an included one) could not be read.
    Io,
    /// The text does not follow the dialect's syntax.
    Syntax,
    /// Valid syntax ucprov cannot evaluate (a regular-expression class, an unknown
    /// expression): refused rather than guessed.
    Unsupported,
    /// An include cycle, include depth, file count or size limit.
    Limit,
    /// The dialect could not be told from the content, or the content fits several.
    Dialect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditError {
    pub kind: ErrorKind,
    /// The file as the user or the including file named it.
    pub file: String,
    /// 1-based line, when the problem is at one.
    pub line: Option<u32>,
    pub message: String,
    pub fix: String,
}

impl AuditError {
    pub fn new(
        kind: ErrorKind,
        file: impl Into<String>,
        line: Option<u32>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        AuditError {
            kind,
            file: file.into(),
            line,
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if !self.fix.is_empty() {
            write!(f, " (fix: {})", self.fix)?;
        }
        Ok(())
    }
}

impl std::error::Error for AuditError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_file_line_and_fix() {
        let e = AuditError::new(ErrorKind::Syntax, "a.conf", Some(3), "missing ;", "add ;");
        assert_eq!(e.to_string(), "a.conf:3: missing ; (fix: add ;)");
        let e = AuditError::new(ErrorKind::Io, "b.conf", None, "not found", "");
        assert_eq!(e.to_string(), "b.conf: not found");
    }
}
