//! The `[service]` table: how the process itself runs (the account to switch to once every
//! socket is bound), as opposed to what it serves.

use serde::Deserialize;

/// `[service]` with the flags over it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    pub user: Option<String>,
    pub group: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceToml {
    user: Option<String>,
    group: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct FileToml {
    #[serde(default)]
    service: ServiceToml,
}

impl Service {
    /// The file's `[service]` table (absent: nothing configured); errors name the key.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: FileToml = toml::from_str(text).map_err(|e| format!("[service]: {e}"))?;
        let s = file.service;
        for (key, value) in [("user", &s.user), ("group", &s.group)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(format!(
                    "service.{key}: empty; name an account or leave the key out"
                ));
            }
        }
        if s.group.is_some() && s.user.is_none() {
            return Err("service.group: needs service.user (the group alone changes nothing a port bind needs)".into());
        }
        Ok(Service {
            user: s.user,
            group: s.group,
        })
    }

    /// The flags' values override the file's.
    pub fn overridden_by(self, user: Option<&str>, group: Option<&str>) -> Self {
        Service {
            user: user.map(str::to_string).or(self.user),
            group: group.map(str::to_string).or(self.group),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_optional_and_checked() {
        assert_eq!(
            Service::from_toml("[default]\nx = 1\n").unwrap(),
            Service::default()
        );
        let s = Service::from_toml("[service]\nuser = \"ucprov\"\ngroup = \"ucprov\"\n").unwrap();
        assert_eq!(s.user.as_deref(), Some("ucprov"));
        let e = Service::from_toml("[service]\nusr = \"x\"\n").unwrap_err();
        assert!(e.contains("usr"), "{e}");
        let e = Service::from_toml("[service]\nuser = \"\"\n").unwrap_err();
        assert!(e.starts_with("service.user"), "{e}");
        let e = Service::from_toml("[service]\ngroup = \"g\"\n").unwrap_err();
        assert!(e.starts_with("service.group"), "{e}");
        let s = s.overridden_by(Some("other"), None);
        assert_eq!(
            (s.user.as_deref(), s.group.as_deref()),
            (Some("other"), Some("ucprov"))
        );
    }
}
