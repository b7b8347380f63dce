//! The page's fields: the id the API names in `{"error", "field"}` (also the input's `name`
//! in assets/index.html), the label the admin reads, and the command-line flag of the same
//! input. The CLI's messages name flags; [`page_words`] says them with the page's labels, so
//! no message is written twice.

use crate::profile_args::ProfileField;

/// One input of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON field the API reads, and the `name` of the page's input.
    pub id: &'static str,
    /// The text of the input's `<label>` (before its `<small>` hint).
    pub label: &'static str,
    /// The flag of `ucprov encode`, `config` or `decode` for the same input.
    pub flag: Option<&'static str>,
}

/// The profile's fields: their labels and flags are [`ProfileField`]'s, the table the CLI's
/// input warnings use too.
const PROFILE: [(&str, ProfileField); 7] = [
    ("sip_servers", ProfileField::SipServers),
    ("web_server", ProfileField::WebServer),
    ("scheme", ProfileField::Scheme),
    ("port", ProfileField::Port),
    ("path", ProfileField::Path),
    ("subs", ProfileField::Subs),
    ("sip_server_ip", ProfileField::SipServerIp),
];

/// The fields of the Decode, Config and Capture tabs.
const OTHERS: [Field; 9] = [
    Field {
        id: "compress",
        label: "Option 120",
        flag: Some("--compress"),
    },
    Field {
        id: "hex",
        label: "Hex to decode",
        flag: None,
    },
    Field {
        id: "kind",
        label: "Decode as",
        flag: Some("--as"),
    },
    Field {
        id: "target",
        label: "Target",
        flag: Some("--target"),
    },
    Field {
        id: "scope",
        label: "Scope",
        flag: Some("--scope"),
    },
    Field {
        id: "class_name",
        label: "Class name",
        flag: Some("--class-name"),
    },
    Field {
        id: "interface",
        label: "Interface",
        flag: Some("--interface"),
    },
    Field {
        id: "full",
        label: "Full configuration",
        flag: Some("--full"),
    },
    Field {
        id: "capture",
        label: "Capture file",
        flag: None,
    },
];

/// Every field of the page.
pub fn all() -> impl Iterator<Item = Field> {
    PROFILE
        .iter()
        .map(|(id, f)| Field {
            id,
            label: f.label(),
            flag: Some(f.flag()),
        })
        .chain(OTHERS)
}

/// The field a profile error names.
pub fn of_profile(f: ProfileField) -> &'static str {
    PROFILE
        .iter()
        .find(|(_, p)| *p == f)
        .map(|(id, _)| *id)
        .unwrap_or("sip_servers")
}

fn by_flag(flag: &str) -> Option<Field> {
    all().find(|f| f.flag == Some(flag))
}

/// A CLI message with every flag it names said as the page's label:
/// `--port: 70000 is …` becomes `Port: 70000 is …`. A command line quoted in backticks
/// (`` `ucprov config --target cisco-ios-xe` ``) becomes the tab and its settings.
pub fn page_words(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find('`') {
        out.push_str(&flags_to_labels(&rest[..at]));
        let after = &rest[at + 1..];
        let Some(end) = after.find('`') else {
            out.push('`');
            rest = after;
            continue;
        };
        let span = &after[..end];
        match span.strip_prefix("ucprov ") {
            Some(command) => out.push_str(&command_line(command)),
            None => {
                out.push('`');
                out.push_str(span);
                out.push('`');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(&flags_to_labels(rest));
    out
}

/// The page's tab for a subcommand whose every input the tab has. Not `pcap`: the Capture tab
/// holds a file in memory and is bounded, so a message pointing at `ucprov pcap` means the
/// command.
const TABS: [(&str, &str); 3] = [
    ("encode", "Encode"),
    ("decode", "Decode"),
    ("config", "Config"),
];

/// `config --target cisco-ios-xe` → `Config with Target cisco-ios-xe`; a command without a
/// tab (`probe`, `serve`) stays a command line to type.
fn command_line(command: &str) -> String {
    let (name, args) = command.split_once(' ').unwrap_or((command, ""));
    match TABS.iter().find(|(c, _)| *c == name) {
        None => format!("`ucprov {command}`"),
        Some((_, tab)) if args.is_empty() => format!("the {tab} tab"),
        Some((_, tab)) => format!("{tab} with {}", flags_to_labels(args)),
    }
}

/// Replace each `--flag` token that names a page field by the field's label.
fn flags_to_labels(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("--") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let len = 2 + tail[2..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(tail.len() - 2);
        let token = &tail[..len];
        match by_flag(token) {
            Some(field) => out.push_str(field.label),
            None => out.push_str(token),
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_labels_and_longer_flags_are_not_split() {
        assert_eq!(
            page_words("--sip-server-ip cannot be used with --sip-server: give names or addresses"),
            "SIP server addresses cannot be used with SIP server FQDN(s): give names or addresses"
        );
        assert_eq!(
            page_words("--sub \"3=x\": codes 1-5 are the profile; use --scheme, --web-server, --port or --path"),
            "Extra sub-options \"3=x\": codes 1-5 are the profile; use Scheme, Web services FQDN, Port or Provisioning path"
        );
        assert_eq!(
            page_words("--scope \"10.20.0.1/24\": host bits"),
            "Scope \"10.20.0.1/24\": host bits"
        );
        // Text that is no flag stays as it is.
        assert_eq!(page_words("a -- b, --nope"), "a -- b, --nope");
    }

    #[test]
    fn a_quoted_command_line_becomes_the_tab_and_its_fields() {
        assert_eq!(
            page_words("on IOS-XE 3.2.1S+ run `ucprov config --target cisco-ios-xe` for the `option ext` form"),
            "on IOS-XE 3.2.1S+ run Config with Target cisco-ios-xe for the `option ext` form"
        );
        assert_eq!(page_words("an odd ` quote"), "an odd ` quote");
        assert_eq!(
            page_words("on this server (`ucprov config`), or run `ucprov serve --sip-server x`"),
            "on this server (the Config tab), or run `ucprov serve --sip-server x`"
        );
        assert_eq!(
            page_words("or read it with `ucprov pcap`, which takes any size"),
            "or read it with `ucprov pcap`, which takes any size"
        );
    }

    #[test]
    fn ids_and_flags_are_unique_and_every_label_is_on_the_page() {
        let html = include_str!("assets/index.html");
        let fields: Vec<Field> = all().collect();
        for (i, f) in fields.iter().enumerate() {
            assert!(
                fields[i + 1..]
                    .iter()
                    .all(|g| g.id != f.id && (g.flag.is_none() || g.flag != f.flag)),
                "{f:?} twice"
            );
            // The input carries the id as its name, and its label starts with the table's text.
            let name = format!("name=\"{}\"", f.id);
            let input_at = html
                .find(&name)
                .unwrap_or_else(|| panic!("no input named {} on the page", f.id));
            let tag_start = html[..input_at].rfind('<').unwrap_or(0);
            let tag = &html[tag_start..];
            let id_at = tag
                .find(" id=\"")
                .unwrap_or_else(|| panic!("{} has no id", f.id))
                + 5;
            let element = &tag[id_at..id_at + tag[id_at..].find('"').unwrap_or(0)];
            let label = format!("<label for=\"{element}\">{}", f.label);
            let span = format!("<span class=\"label\" id=\"{element}-label\">{}", f.label);
            assert!(
                html.contains(&label) || html.contains(&span),
                "the page's label for {} is not {:?}",
                f.id,
                f.label
            );
        }
        assert_eq!(of_profile(ProfileField::Port), "port");
    }
}
