//! Giving up root once every socket is bound. Ports 67, 80 and 443 need root (or
//! CAP_NET_BIND_SERVICE) only to bind; the service then runs as an unprivileged user.
//!
//! Linux clears the permitted, effective and ambient capability sets when a process whose
//! user IDs included 0 sets all of real, effective and saved to non-zero ones (capabilities(7),
//! "Effect of user ID changes on capabilities"), so `setresuid` alone drops every capability;
//! [`drop_to`] then checks that it did. glibc applies the set*id calls to every thread of the
//! process, the runtime's worker threads included.

use std::fmt;

use nix::unistd::{getegid, geteuid, getgid, getuid, Gid, Group, Uid, User};

/// The account to run as, resolved from names (or numeric IDs) before anything is bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user: String,
    pub uid: Uid,
    pub gid: Gid,
}

#[derive(Debug, thiserror::Error)]
pub enum PrivilegeError {
    #[error("user {0:?} does not exist on this host (create it, e.g. `useradd --system --no-create-home ucprov`, or name another in [service] user / --user)")]
    NoUser(String),
    #[error("group {0:?} does not exist on this host (create it or name another in [service] group / --group)")]
    NoGroup(String),
    #[error("cannot look up {what} {name:?}: {source}")]
    Lookup {
        what: &'static str,
        name: String,
        source: nix::Error,
    },
    #[error("user {0:?} is root: name an unprivileged account")]
    Root(String),
    #[error("running as uid {uid}: only root can switch to user {user:?} (start as root, or drop [service] user / --user)")]
    NotRoot { uid: Uid, user: String },
    #[error("{step} failed: {source}")]
    Call {
        step: &'static str,
        source: nix::Error,
    },
    #[error("after switching to uid {uid} the process still has {what}: refusing to serve")]
    Kept { uid: Uid, what: String },
}

/// Look `user` up (its primary group unless `group` names another). Numeric IDs are taken as
/// they are, for hosts where the account exists only as a number (containers).
pub fn resolve(user: &str, group: Option<&str>) -> Result<Account, PrivilegeError> {
    let (uid, primary) = match user.parse::<u32>() {
        Ok(n) => (
            Uid::from_raw(n),
            User::from_uid(Uid::from_raw(n))
                .ok()
                .flatten()
                .map(|u| u.gid),
        ),
        Err(_) => {
            let u = User::from_name(user)
                .map_err(|source| PrivilegeError::Lookup {
                    what: "user",
                    name: user.to_string(),
                    source,
                })?
                .ok_or_else(|| PrivilegeError::NoUser(user.to_string()))?;
            (u.uid, Some(u.gid))
        }
    };
    if uid.is_root() {
        return Err(PrivilegeError::Root(user.to_string()));
    }
    let gid = match group {
        Some(g) => match g.parse::<u32>() {
            Ok(n) => Gid::from_raw(n),
            Err(_) => {
                Group::from_name(g)
                    .map_err(|source| PrivilegeError::Lookup {
                        what: "group",
                        name: g.to_string(),
                        source,
                    })?
                    .ok_or_else(|| PrivilegeError::NoGroup(g.to_string()))?
                    .gid
            }
        },
        None => {
            primary.ok_or_else(|| PrivilegeError::NoGroup(format!("primary group of uid {uid}")))?
        }
    };
    Ok(Account {
        user: user.to_string(),
        uid,
        gid,
    })
}

/// Whether the process runs with effective uid 0.
pub fn is_root() -> bool {
    geteuid().is_root()
}

/// What the process runs as after [`drop_to`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    pub uid: Uid,
    pub gid: Gid,
}

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "uid {} gid {}", self.uid, self.gid)
    }
}

/// Set no_new_privs, so no exec can ever regain a privilege (a set-uid binary, file
/// capabilities). It is per thread and inherited: call it before the runtime starts its
/// threads, so every one of them has it.
pub fn forbid_new_privileges() -> Result<(), PrivilegeError> {
    nix::sys::prctl::set_no_new_privs().map_err(|source| PrivilegeError::Call {
        step: "prctl(PR_SET_NO_NEW_PRIVS)",
        source,
    })
}

/// Become `account`: supplementary groups replaced by its group alone, then gid, then uid
/// (the group calls need root, so they come first). Already being that account is fine; being another non-root one is an
/// error. Checks afterwards that uid 0 cannot be regained and no capability is left.
pub fn drop_to(account: &Account) -> Result<Dropped, PrivilegeError> {
    let call = |step| move |source| PrivilegeError::Call { step, source };
    if !geteuid().is_root() {
        if geteuid() == account.uid && getuid() == account.uid {
            return Ok(Dropped {
                uid: account.uid,
                gid: getegid(),
            });
        }
        return Err(PrivilegeError::NotRoot {
            uid: geteuid(),
            user: account.user.clone(),
        });
    }
    nix::unistd::setgroups(&[account.gid]).map_err(call("setgroups"))?;
    nix::unistd::setresgid(account.gid, account.gid, account.gid).map_err(call("setresgid"))?;
    nix::unistd::setresuid(account.uid, account.uid, account.uid).map_err(call("setresuid"))?;
    if nix::unistd::setuid(Uid::from_raw(0)).is_ok() || getuid().is_root() || geteuid().is_root() {
        return Err(PrivilegeError::Kept {
            uid: account.uid,
            what: "uid 0 within reach".into(),
        });
    }
    let caps = std::fs::read_to_string("/proc/self/status").map_err(|e| PrivilegeError::Kept {
        uid: account.uid,
        what: format!("capabilities that cannot be confirmed gone (/proc/self/status: {e})"),
    })?;
    if let Some(kept) = held_capabilities(&caps) {
        return Err(PrivilegeError::Kept {
            uid: account.uid,
            what: kept,
        });
    }
    Ok(Dropped {
        uid: getuid(),
        gid: getgid(),
    })
}

/// The first of CapInh/CapPrm/CapEff/CapAmb in a `/proc/PID/status` text that is not all
/// zero, as `CapEff 0000000000000400`.
pub fn held_capabilities(status: &str) -> Option<String> {
    status.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        let value = value.trim();
        let relevant = matches!(key, "CapInh" | "CapPrm" | "CapEff" | "CapAmb");
        (relevant && value.chars().any(|c| c != '0')).then(|| format!("{key} {value}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_are_read_from_the_status_lines() {
        let none = "Name:\tucprov\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n";
        assert_eq!(held_capabilities(none), None);
        let some = none.replace("CapEff:\t0000000000000000", "CapEff:\t0000000000000400");
        assert_eq!(
            held_capabilities(&some).as_deref(),
            Some("CapEff 0000000000000400")
        );
    }

    #[test]
    fn root_and_unknown_accounts_are_refused() {
        assert!(matches!(
            resolve("root", None),
            Err(PrivilegeError::Root(_))
        ));
        assert!(matches!(resolve("0", None), Err(PrivilegeError::Root(_))));
        assert!(matches!(
            resolve("no-such-user-ucprov", None),
            Err(PrivilegeError::NoUser(_))
        ));
        assert!(matches!(
            resolve("nobody", Some("no-such-group-ucprov")),
            Err(PrivilegeError::NoGroup(_))
        ));
        let nobody = resolve("nobody", None).unwrap();
        assert!(!nobody.uid.is_root());
    }
}
