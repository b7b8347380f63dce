//! `ucprov completions`, `ucprov man` and `--version` as a packager runs them: the completion
//! script and the man page are rendered from the parser, so every subcommand is in both, and
//! the version names the build.

use std::process::Command;

/// Every top-level subcommand `--help` lists.
const SUBCOMMANDS: &[&str] = &[
    "encode",
    "decode",
    "config",
    "probe",
    "demo",
    "cert",
    "serve",
    "pcap",
    "web",
    "watch",
    "completions",
    "man",
];

fn ucprov(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running ucprov {args:?}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_lists_exactly_the_subcommands_this_test_knows() {
    let (code, help, stderr) = ucprov(&["--help"]);
    assert_eq!(code, 0, "{stderr}");
    for sub in SUBCOMMANDS {
        assert!(
            help.contains(&format!("  {sub}")),
            "--help lacks {sub}:\n{help}"
        );
    }
}

#[test]
fn bash_completion_defines_a_completion_for_ucprov_listing_every_subcommand() {
    let (code, script, stderr) = ucprov(&["completions", "bash"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    assert!(script.contains("_ucprov() {"), "{script}");
    assert!(script.contains("complete -F _ucprov"), "{script}");
    for sub in SUBCOMMANDS {
        assert!(
            script.contains(&format!("ucprov,{sub})")),
            "bash completion lacks subcommand {sub}"
        );
    }
}

#[test]
fn every_shell_gets_a_script_and_an_unknown_shell_is_a_usage_error() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, script, stderr) = ucprov(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(script.contains("ucprov"), "{shell}");
        assert!(script.contains("encode"), "{shell}");
    }
    let (code, _, stderr) = ucprov(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn man_prints_the_main_page_as_roff_with_every_subcommand() {
    let (code, page, stderr) = ucprov(&["man"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(page.contains(".TH UCPROV 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("ucprov\\-{sub}(1)")),
            "man page lacks {sub}:\n{page}"
        );
    }
}

#[test]
fn man_out_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("man1");
    let (code, listing, stderr) = ucprov(&["man", "--out", out.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "{stderr}");
    let mut pages = vec!["ucprov.1".to_owned(), "ucprov-cert-inspect.1".to_owned()];
    pages.extend(SUBCOMMANDS.iter().map(|s| format!("ucprov-{s}.1")));
    for page in pages {
        let path = out.join(&page);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{page}: {e}"));
        let title = format!(".TH {} 1", page.trim_end_matches(".1").to_uppercase());
        assert!(text.contains(&title), "{page} lacks {title}");
        assert!(listing.contains(&path.display().to_string()), "{listing}");
    }
    assert!(
        !out.join("ucprov-help.1").exists(),
        "no page for clap's help subcommand"
    );
}

#[test]
fn version_names_the_git_revision_and_the_build_date() {
    let (code, version, stderr) = ucprov(&["--version"]);
    assert_eq!(code, 0, "{stderr}");
    let version = version.trim_end();
    let rest = version
        .strip_prefix(&format!("ucprov {} (", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version: {version:?}"));
    let (rev, date) = rest
        .split_once(", built ")
        .unwrap_or_else(|| panic!("no build date: {version:?}"));
    // A source tarball has no repository: then the revision is unknown, and says so.
    let in_git = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .any(|d| d.join(".git").exists());
    match rev.strip_prefix("git ") {
        Some(hash) => {
            let hash = hash.strip_suffix("-dirty").unwrap_or(hash);
            assert_eq!(hash.len(), 12, "{version:?}");
            assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{version:?}");
        }
        None => {
            assert!(
                !in_git,
                "built in a git work tree, yet no revision: {version:?}"
            );
            assert_eq!(rev, "unknown revision", "{version:?}");
        }
    }
    let d: Vec<&str> = date.split('-').collect();
    assert!(
        d.len() == 3
            && [4, 2, 2] == [d[0].len(), d[1].len(), d[2].len()]
            && d.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())),
        "build date is not YYYY-MM-DD: {version:?}"
    );
}
