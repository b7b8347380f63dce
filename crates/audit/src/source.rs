//! The files an audit reads, with their names and lines, and the include machinery every
//! parser shares: depth, cycle, file-count and size limits, and relative paths resolved
//! against the including file's directory (docs/audit.md §1).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{AuditError, ErrorKind};

/// Index of a file in [`Sources`].
pub type FileId = usize;

/// A file and 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: FileId,
    pub line: u32,
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub at: Loc,
}

impl<T> Located<T> {
    pub fn new(value: T, at: Loc) -> Self {
        Located { value, at }
    }
}

/// One file read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// As the user or the including line named it.
    pub name: String,
    pub path: PathBuf,
    pub text: String,
    /// The include line that brought it in.
    pub included_from: Option<Loc>,
}

/// Every file an audit read, in reading order.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

impl Sources {
    pub fn name(&self, id: FileId) -> &str {
        self.files.get(id).map_or("?", |f| f.name.as_str())
    }

    /// `loc` as the location a finding carries.
    pub fn location(&self, loc: Loc) -> ucprov_inspect::Location {
        ucprov_inspect::Location {
            file: self.name(loc.file).to_string(),
            line: loc.line,
        }
    }

    /// An error at `loc`.
    pub fn error(
        &self,
        kind: ErrorKind,
        loc: Loc,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> AuditError {
        AuditError::new(kind, self.name(loc.file), Some(loc.line), message, fix)
    }
}

/// Where files come from: the disk, or memory (tests, fuzzing, a Control Agent's answer).
pub trait FileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The entries of a directory, sorted by name.
    fn list(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// A name identifying the file whatever path reached it, for cycle detection.
    fn identity(&self, path: &Path) -> io::Result<PathBuf>;
}

/// The real file system.
pub struct RealFs;

impl FileSystem for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let meta = std::fs::metadata(path)?;
        if meta.len() > MAX_FILE_BYTES as u64 {
            return Err(io::Error::other(format!(
                "{} bytes, over the {MAX_FILE_BYTES}-byte limit for one configuration file",
                meta.len()
            )));
        }
        std::fs::read(path)
    }

    fn list(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<Vec<_>>>()?;
        out.sort();
        Ok(out)
    }

    fn identity(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// Files held in memory by path; nothing else exists.
#[derive(Debug, Clone, Default)]
pub struct MemFs {
    pub files: BTreeMap<PathBuf, String>,
}

impl MemFs {
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }
}

impl FileSystem for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .map(|t| t.clone().into_bytes())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn list(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let found: Vec<PathBuf> = self
            .files
            .keys()
            .filter(|p| p.parent() == Some(path))
            .cloned()
            .collect();
        if found.is_empty() {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"))
        } else {
            Ok(found)
        }
    }

    fn identity(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(path.to_path_buf())
    }
}

/// Deepest include nesting followed (the top file is depth 0).
pub const MAX_DEPTH: usize = 8;
/// Most files one audit reads.
pub const MAX_FILES: usize = 256;
/// Largest file read, in bytes.
pub const MAX_FILE_BYTES: usize = 4 << 20;

/// Reads files into [`Sources`] with the include limits; a parser calls [`Loader::enter`]
/// before parsing a file and [`Loader::leave`] after it.
pub struct Loader<'fs> {
    fs: &'fs dyn FileSystem,
    pub sources: Sources,
    stack: Vec<PathBuf>,
}

impl<'fs> Loader<'fs> {
    pub fn new(fs: &'fs dyn FileSystem) -> Self {
        Loader {
            fs,
            sources: Sources::default(),
            stack: Vec::new(),
        }
    }

    /// Resolve `name` as written on the include line at `from` (relative to that file's
    /// directory), or as given on the command line.
    pub fn resolve(&self, name: &str, from: Option<Loc>) -> PathBuf {
        let path = Path::new(name);
        match from.and_then(|l| self.sources.files.get(l.file)) {
            Some(parent) if path.is_relative() => parent
                .path
                .parent()
                .map_or_else(|| path.to_path_buf(), |d| d.join(path)),
            _ => path.to_path_buf(),
        }
    }

    fn fail(&self, from: Option<Loc>, name: &str, kind: ErrorKind, message: String) -> AuditError {
        let fix = match kind {
            ErrorKind::Limit => "flatten the includes, or audit the included file on its own",
            _ => "check the path (relative includes are read relative to the including file)",
        };
        match from {
            Some(at) => self
                .sources
                .error(kind, at, format!("{name}: {message}"), fix),
            None => AuditError::new(kind, name, None, message, fix),
        }
    }

    /// Read `name` (from the include line at `from`, or the command line) and make it the
    /// current file.
    pub fn enter(&mut self, name: &str, from: Option<Loc>) -> Result<FileId, AuditError> {
        let path = self.resolve(name, from);
        if self.stack.len() > MAX_DEPTH {
            return Err(self.fail(
                from,
                name,
                ErrorKind::Limit,
                format!("includes nest deeper than {MAX_DEPTH} files"),
            ));
        }
        if self.sources.files.len() >= MAX_FILES {
            return Err(self.fail(
                from,
                name,
                ErrorKind::Limit,
                format!("more than {MAX_FILES} files included"),
            ));
        }
        let identity = self
            .fs
            .identity(&path)
            .map_err(|e| self.fail(from, name, ErrorKind::Io, e.to_string()))?;
        if self.stack.contains(&identity) {
            return Err(self.fail(
                from,
                name,
                ErrorKind::Limit,
                "include cycle: the file includes itself (directly or through others)".into(),
            ));
        }
        let bytes = self
            .fs
            .read(&path)
            .map_err(|e| self.fail(from, name, ErrorKind::Io, e.to_string()))?;
        if bytes.len() > MAX_FILE_BYTES {
            return Err(self.fail(
                from,
                name,
                ErrorKind::Limit,
                format!("over the {MAX_FILE_BYTES}-byte limit for one file"),
            ));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            AuditError::new(
                ErrorKind::Syntax,
                name,
                Some(u32::try_from(line).unwrap_or(u32::MAX)),
                format!("not UTF-8 text (byte {valid})"),
                "save the file as UTF-8 (or ASCII)",
            )
        })?;
        self.stack.push(identity);
        self.sources.files.push(SourceFile {
            name: name.to_string(),
            path,
            text,
            included_from: from,
        });
        Ok(self.sources.files.len() - 1)
    }

    /// Add a text that did not come from a file (a Control Agent answer) as current file.
    pub fn enter_text(&mut self, name: &str, text: String) -> FileId {
        self.stack.push(PathBuf::from(format!("\0{name}")));
        self.sources.files.push(SourceFile {
            name: name.to_string(),
            path: PathBuf::from(name),
            text,
            included_from: None,
        });
        self.sources.files.len() - 1
    }

    pub fn leave(&mut self) {
        self.stack.pop();
    }

    pub fn text(&self, id: FileId) -> &str {
        self.sources.files.get(id).map_or("", |f| f.text.as_str())
    }

    /// The sorted entries of directory `name` (dnsmasq `conf-dir`).
    pub fn list(&self, name: &str, from: Loc) -> Result<Vec<PathBuf>, AuditError> {
        let path = self.resolve(name, Some(from));
        self.fs
            .list(&path)
            .map_err(|e| self.fail(Some(from), name, ErrorKind::Io, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_is_an_error_at_the_include_line() {
        let fs = MemFs::default().with("/a.conf", "x");
        let mut l = Loader::new(&fs);
        let a = l.enter("/a.conf", None).unwrap();
        let e = l
            .enter("a.conf", Some(Loc { file: a, line: 7 }))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Limit);
        assert_eq!((e.file.as_str(), e.line), ("/a.conf", Some(7)));
        assert!(e.message.contains("cycle"), "{e}");
    }

    #[test]
    fn depth_and_missing_files_are_errors() {
        let mut fs = MemFs::default();
        for i in 0..=MAX_DEPTH + 1 {
            fs = fs.with(format!("/{i}"), "");
        }
        let mut l = Loader::new(&fs);
        let mut from = None;
        let mut last = Ok(0);
        for i in 0..=MAX_DEPTH + 1 {
            last = l.enter(&format!("/{i}"), from);
            match last {
                Ok(id) => from = Some(Loc { file: id, line: 1 }),
                Err(_) => break,
            }
        }
        assert_eq!(last.unwrap_err().kind, ErrorKind::Limit);
        let e = Loader::new(&fs).enter("/nope", None).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Io);
    }

    #[test]
    fn relative_includes_resolve_against_the_including_file() {
        let fs = MemFs::default()
            .with("/etc/kea/main.conf", "")
            .with("/etc/kea/sub.json", "");
        let mut l = Loader::new(&fs);
        let m = l.enter("/etc/kea/main.conf", None).unwrap();
        let s = l.enter("sub.json", Some(Loc { file: m, line: 2 })).unwrap();
        assert_eq!(l.sources.files[s].path, PathBuf::from("/etc/kea/sub.json"));
    }
}
