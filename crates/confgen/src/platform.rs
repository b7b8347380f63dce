//! One row of facts per DHCP server: everything the generic helpers need (comments, hex
//! notation, vendor-class matching, limits, traps) so a renderer only writes its own syntax.
//! Sources and evidence labels are in `docs/dhcp-servers.md` (§3 per server, §5 table, §6
//! sources).
//!
//! This module is pure data and imports nothing else from the crate: which renderer writes a
//! row's syntax is the registry's business ([`crate::targets::TARGETS`]), so facts never point
//! at renderers.

use ucprov_wire::hex::HexStyle;

/// How a server can restrict options to clients whose option 60 is `MS-UC-Client`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VciMatch {
    /// Only `MS-UC-Client` itself.
    Exact,
    /// Any vendor class containing `MS-UC-Client` (`xxMS-UC-Clientyy` too).
    Substring,
    /// Any vendor class starting with `MS-UC-Client`.
    Prefix,
    /// Matches option 60, but whether exactly or by substring is not documented.
    Unspecified,
    /// Cannot look at option 60: every client of the pool gets the options.
    None,
}

impl VciMatch {
    /// Every variant, in `--help` order.
    pub const ALL: [VciMatch; 5] = [
        VciMatch::Exact,
        VciMatch::Substring,
        VciMatch::Prefix,
        VciMatch::Unspecified,
        VciMatch::None,
    ];

    pub fn label(self) -> &'static str {
        match self {
            VciMatch::Exact => "exact",
            VciMatch::Substring => "substring",
            VciMatch::Prefix => "prefix",
            VciMatch::Unspecified => "exactness unconfirmed",
            VciMatch::None => "none",
        }
    }
}

/// How option 120 gets into the server's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt120 {
    /// The server knows option 120 by name.
    Builtin,
    /// Sent by raw code with a hex value; no definition needed.
    ByCode,
    /// The server needs a definition of code 120 before a value can be set.
    MustDefine,
    /// No documented way; the generated line is a best guess and says so.
    Unconfirmed,
}

/// What a server does with a value beyond one of its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Splits an option over 255 bytes into several instances (RFC 3396).
    SplitsRfc3396,
    /// Continues an option over 255 bytes in option 250 instances ([MS-DHCPE] §2.2.9).
    MsOption250,
    /// Rejects the configuration line.
    Refuses,
    /// Accepts the line and silently sends a shortened value.
    Truncates,
    /// Not documented.
    Unknown,
}

impl Overflow {
    /// What happens to the value, for `--help`.
    pub fn describe(self) -> &'static str {
        match self {
            Overflow::SplitsRfc3396 => "split into several instances (RFC 3396)",
            Overflow::MsOption250 => "continued in option 250 ([MS-DHCPE])",
            Overflow::Refuses => "refused",
            Overflow::Truncates => "silently truncated",
            Overflow::Unknown => "not documented",
        }
    }
}

/// Option data a single DHCP option holds; longer values need RFC 3396 splitting.
pub const OPTION_MAX: usize = 255;

impl Limits {
    /// The limit a value meets first and what the server does beyond it, for `--help`. A hex
    /// limit of at most 510 characters (255 bytes) is always met before the option size.
    pub fn describe(&self) -> String {
        match self.hex_chars {
            Some((max, overflow)) if max / 2 <= OPTION_MAX => {
                format!("over {max} hex characters, {}", overflow.describe())
            }
            Some((max, overflow)) => format!(
                "over {max} hex characters, {}; over {OPTION_MAX} bytes, {}",
                overflow.describe(),
                self.long.describe()
            ),
            None => format!("over {OPTION_MAX} bytes, {}", self.long.describe()),
        }
    }
}

/// Per-option value limits. Both apply to option 43 and option 120 alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest value the configuration command takes, in hex characters, and what happens
    /// beyond it. `None` when only the 255-byte option size limits.
    pub hex_chars: Option<(usize, Overflow)>,
    /// What the server does with an option value over 255 bytes.
    pub long: Overflow,
    /// Where the limit comes from, for the message.
    pub source: &'static str,
    /// The platform's own way out, appended to every limit finding.
    pub workaround: &'static str,
}

/// The facts about one target. One `const` row each in [`PLATFORMS`].
#[derive(Debug, Clone, Copy)]
pub struct Platform {
    /// `--target` value and file stem.
    pub id: &'static str,
    pub name: &'static str,
    /// Line comment marker of the configuration syntax.
    pub comment: &'static str,
    /// Hex notation the value lines use.
    pub hex: HexStyle,
    pub vci: VciMatch,
    /// What the configuration uses to match option 60, or why it cannot.
    pub vci_note: &'static str,
    pub opt120: Opt120,
    pub limits: Limits,
    /// Mistakes admins make on this server that the output avoids; listed in the header.
    pub traps: &'static [&'static str],
    /// File extension for `--out`.
    pub ext: &'static str,
    /// Name of the class, tag, option set or pool when `--class-name` is not given.
    pub default_name: &'static str,
    /// Interface (or interface section) when `--interface` is not given, if the syntax needs one.
    pub default_interface: Option<&'static str>,
    /// Whether the output can be a complete runnable configuration (`--full`) instead of a
    /// fragment to merge into the admin's own.
    pub full_config: bool,
}

/// `0x010C4D53…`: MikroTik's `value=` form, one group for the whole value.
const MIKROTIK_HEX: HexStyle = HexStyle::new("0x", "", usize::MAX, true);

const NO_SPLIT_KNOWN: &str = "RFC 3396 splitting by this server is not documented";

pub const WINDOWS_NETSH: Platform = Platform {
    id: "windows-netsh",
    name: "Windows Server DHCP (netsh)",
    comment: "@REM",
    hex: HexStyle::CONTIGUOUS,
    vci: VciMatch::Exact,
    vci_note: "vendor class MSUCClient with data MS-UC-Client: Windows builds option 43 from the vendor sub-options only for clients sending that vendor class (exact match believed, unconfirmed); option 120 is a standard option and reaches every client of the scope",
    opt120: Opt120::MustDefine,
    limits: Limits {
        hex_chars: None,
        long: Overflow::MsOption250,
        source: "Windows DHCP",
        workaround: "",
    },
    traps: &[
        "every value is type Binary: String values break the phones",
        "the class data is MS-UC-Client (case-sensitive); MSUCClient is only the class name",
        "option 43 is set through vendor sub-options 1-5, never as one option 43 value, so it reaches MS-UC-Client devices only",
        "the hex carries values only: no option or sub-option code and length",
    ],
    ext: "cmd",
    default_name: "MSUCClient",
    default_interface: None,
    full_config: false,
};

pub const WINDOWS_POWERSHELL: Platform = Platform {
    id: "windows-powershell",
    name: "Windows Server DHCP (PowerShell DhcpServer module)",
    comment: "#",
    hex: HexStyle::POWERSHELL,
    traps: &[
        "every value is type BinaryData given as a byte array: a string breaks the phones",
        "the class data is MS-UC-Client (case-sensitive); MSUCClient is only the class name",
        "option 43 is set through vendor sub-options 1-5, never as one option 43 value, so it reaches MS-UC-Client devices only",
        "the byte arrays carry values only: no option or sub-option code and length",
    ],
    ext: "ps1",
    ..WINDOWS_NETSH
};

pub const ISC_DHCPD: Platform = Platform {
    id: "isc-dhcpd",
    name: "ISC DHCP server (dhcpd 4.x)",
    comment: "#",
    hex: HexStyle::COLON,
    vci: VciMatch::Exact,
    vci_note: "class with match if option vendor-class-identifier = \"MS-UC-Client\" (exact)",
    opt120: Opt120::MustDefine,
    limits: Limits {
        hex_chars: None,
        long: Overflow::SplitsRfc3396,
        source: "ISC dhcpd",
        workaround: "",
    },
    traps: &[
        "authoritative; is required or DHCPINFORM is dropped (\"not authoritative for subnet\")",
        "option 120 is not predefined in ISC DHCP 4.x: it is declared as a string option",
        "string values are quoted text or colon-separated octets, never 0x or contiguous hex",
        "the subnet declaration must contain the phones' addresses, or their INFORMs go unanswered",
    ],
    ext: "conf",
    default_name: "MS-UC-Client",
    default_interface: None,
    full_config: false,
};

pub const KEA: Platform = Platform {
    id: "kea",
    name: "ISC Kea DHCPv4",
    comment: "//",
    hex: HexStyle::COLON,
    vci: VciMatch::Exact,
    vci_note: "client class tested with option[vendor-class-identifier].text == 'MS-UC-Client' (exact)",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: None,
        long: Overflow::SplitsRfc3396,
        source: "Kea 2.1.6 and later (2.2.0 puts each sub-option in an option 43 instance of its own, observed)",
        workaround: "",
    },
    traps: &[
        "option 43 is always given an option-def (type empty, encapsulating the sub-option space): Kea's built-in last-resort definition breaks raw values",
        "the sub-option space name does not start with vendor- (that routes into option 125)",
        "option 120 has no definition in Kea: it is sent by code with csv-format false",
        "options are sent only when the client requests them in option 55 (Lync devices do)",
    ],
    ext: "json",
    default_name: "ms-uc-client",
    default_interface: Some("eth0"),
    full_config: true,
};

pub const DNSMASQ: Platform = Platform {
    id: "dnsmasq",
    name: "dnsmasq",
    comment: "#",
    hex: HexStyle::COLON,
    vci: VciMatch::Substring,
    vci_note: "dhcp-vendorclass tag: dnsmasq matches a substring, so vendor classes like xxMS-UC-Clientyy match too",
    opt120: Opt120::Builtin,
    limits: Limits {
        hex_chars: None,
        long: Overflow::Refuses,
        source: "dnsmasq (\"dhcp-option too long\", observed with 2.90)",
        workaround: "serve these phones from ISC dhcpd or Kea, which split long options (RFC 3396)",
    },
    traps: &[
        "hex is colon-separated, one byte per group: contiguous hex becomes text (for 120 even a DNS name)",
        "option 43 is raw bytes behind a vendor-class tag: the vendor: form reverses the sub-options and appends FF",
        "numbers in vendor: sub-options need quotes (\"443\"), or 443 becomes a 2-byte integer",
        "INFORM needs a dhcp-range (static is enough) for the phones' subnet",
    ],
    ext: "conf",
    default_name: "lync",
    default_interface: None,
    full_config: false,
};

pub const OPENWRT: Platform = Platform {
    id: "openwrt",
    name: "OpenWrt (dnsmasq through uci)",
    vci_note: "uci vendorclass section (dnsmasq dhcp-vendorclass): substring match, so xxMS-UC-Clientyy matches too",
    limits: Limits {
        source: "dnsmasq on OpenWrt",
        workaround: "serve these phones from a server that splits long options (ISC dhcpd, Kea)",
        ..DNSMASQ.limits
    },
    traps: &[
        "hex is colon-separated, one byte per group: contiguous hex becomes text",
        "option 43 is raw bytes behind the vendorclass tag: the vendor: form reverses the sub-options and appends FF",
        "OpenWrt adds the interface tag to dhcp_option entries; both tags must match, so the options are set on the phones' interface",
    ],
    ext: "sh",
    default_interface: Some("lan"),
    ..DNSMASQ
};

pub const UDHCPD: Platform = Platform {
    id: "udhcpd",
    name: "busybox udhcpd",
    comment: "#",
    hex: HexStyle::CONTIGUOUS,
    vci: VciMatch::None,
    vci_note: "udhcpd cannot match option 60 and sends every configured option to every client, requested or not",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: None,
        long: Overflow::Refuses,
        source: "udhcpd (hex2bin takes at most 255 bytes)",
        workaround: "serve these phones from ISC dhcpd or Kea, which split long options (RFC 3396)",
    },
    traps: &[
        "the named sipsrv option does not work in udhcpd.conf: 120 is given by code",
        "hex has no spaces: contiguous or colon-separated bytes",
    ],
    ext: "conf",
    default_name: "lync",
    default_interface: Some("eth0"),
    full_config: false,
};

pub const CISCO_IOS: Platform = Platform {
    id: "cisco-ios",
    name: "Cisco IOS DHCP server",
    comment: "!",
    hex: HexStyle::CISCO,
    vci: VciMatch::None,
    vci_note: "IOS DHCP pools cannot match option 60 (ip dhcp class matches relay option 82 only): every client of the pool gets the options",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: Some((180, Overflow::Truncates)),
        long: Overflow::Refuses,
        source: "Cisco IOS 15.1(3)S and later",
        workaround: "on IOS-XE 3.2.1S+ run `ucprov config --target cisco-ios-xe` for the `option ext` form (up to 255 bytes), or serve DHCP from another server",
    },
    traps: &[
        "IOS 15.1(3)S+ silently truncates option hex beyond 180 hex characters (90 bytes): checked below",
        "the hex carries the value only: IOS writes the option code and length itself",
    ],
    ext: "ios",
    default_name: "LYNC-VOICE",
    default_interface: None,
    full_config: false,
};

pub const CISCO_IOS_XE: Platform = Platform {
    id: "cisco-ios-xe",
    name: "Cisco IOS-XE DHCP server (option ext)",
    limits: Limits {
        hex_chars: Some((510, Overflow::Refuses)),
        long: Overflow::Refuses,
        source: "IOS-XE option ext (255 bytes of hex)",
        workaround: "serve these phones from a server that splits long options (ISC dhcpd, Kea)",
    },
    traps: &[
        "option ext (IOS-XE 3.2.1S+) avoids the silent 180-character truncation of option hex",
        "the hex carries the value only: IOS writes the option code and length itself",
    ],
    ..CISCO_IOS
};

pub const JUNIPER: Platform = Platform {
    id: "juniper",
    name: "Juniper Junos (address-assignment pool)",
    comment: "#",
    hex: HexStyle::JUNOS,
    vci: VciMatch::None,
    vci_note: "Junos local-server pools select by option 82, not option 60 (relay-option-60 exists for relaying only): every client of the pool gets the options",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: None,
        long: Overflow::Unknown,
        source: "Junos (limits unconfirmed)",
        workaround: NO_SPLIT_KNOWN,
    },
    traps: &["byte-stream takes quoted, space-separated 0x bytes"],
    ext: "set",
    default_name: "LYNC-VOICE",
    default_interface: None,
    full_config: false,
};

pub const MIKROTIK: Platform = Platform {
    id: "mikrotik",
    name: "MikroTik RouterOS (v7 matcher, v6 per network)",
    comment: "#",
    hex: MIKROTIK_HEX,
    vci: VciMatch::Exact,
    vci_note: "RouterOS v7 dhcp-server matcher on code 60, matching-type=exact; RouterOS v6 has no matcher and sends the option set to the whole network",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: None,
        long: Overflow::Unknown,
        source: "RouterOS (maximum value length unconfirmed)",
        workaround: NO_SPLIT_KNOWN,
    },
    traps: &[
        "values are 0x-prefixed contiguous hex: a bare word may be parsed differently by v6 and v7",
    ],
    ext: "rsc",
    default_name: "ms-uc-client",
    default_interface: None,
    full_config: false,
};

pub const FORTIGATE: Platform = Platform {
    id: "fortigate",
    name: "Fortinet FortiGate (FortiOS 7.2+)",
    comment: "#",
    hex: HexStyle::CONTIGUOUS,
    vci: VciMatch::Unspecified,
    vci_note: "per-option vci-match / vci-string \"MS-UC-Client\" (FortiOS 7.2+; exact or substring unconfirmed); older FortiOS sends the options to every client",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: Some((312, Overflow::Refuses)),
        long: Overflow::Unknown,
        source: "FortiOS (option value 0-312 characters)",
        workaround: "serve these phones from another DHCP server",
    },
    traps: &["type hex takes contiguous hex; separators are unconfirmed"],
    ext: "conf",
    default_name: "ms-uc-client",
    default_interface: None,
    full_config: false,
};

pub const HUAWEI: Platform = Platform {
    id: "huawei",
    name: "Huawei VRP (ip pool)",
    comment: "#",
    hex: HexStyle::CONTIGUOUS,
    vci: VciMatch::None,
    vci_note: "a VRP ip pool cannot match option 60 (NetEngine BRAS has dhcp client-option 60, not used here): every client of the pool gets the options",
    opt120: Opt120::Unconfirmed,
    limits: Limits {
        hex_chars: Some((254, Overflow::Refuses)),
        long: Overflow::Unknown,
        source: "Huawei VRP option command (hex 1-254 characters)",
        workaround: "the sub-option form (option 43 sub-option N ascii, up to 253 characters each) avoids the hex limit on campus devices",
    },
    traps: &[
        "the sub-option and hex forms of option 43 overwrite each other: configure one",
        "CloudEngine excludes code 120 from the option command; the campus command for 120 is unconfirmed",
    ],
    ext: "vrp",
    default_name: "LYNC-VOICE",
    default_interface: None,
    full_config: false,
};

pub const HPE_COMWARE: Platform = Platform {
    id: "hpe-comware",
    name: "HPE FlexNetwork / H3C Comware",
    comment: "#",
    hex: HexStyle::CONTIGUOUS,
    vci: VciMatch::Exact,
    vci_note: "dhcp class with if-match rule option 60 ascii \"MS-UC-Client\" (exact; partial/offset variants exist), bound to an option group in the pool (combination unconfirmed)",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: Some((256, Overflow::Refuses)),
        long: Overflow::Unknown,
        source: "Comware option command (hex 2-256 characters)",
        workaround: "serve these phones from another DHCP server",
    },
    traps: &["option hex takes contiguous hex, at most 256 characters"],
    ext: "cfg",
    default_name: "MS-UC-Client",
    default_interface: None,
    full_config: false,
};

pub const ARUBA_OS_SWITCH: Platform = Platform {
    id: "aruba-os-switch",
    name: "HPE Aruba ArubaOS-Switch (16.x dhcp-server)",
    comment: ";",
    hex: HexStyle::CONTIGUOUS,
    vci: VciMatch::None,
    vci_note: "ArubaOS-Switch pools cannot match option 60 (unconfirmed): every client of the pool gets the options",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: None,
        long: Overflow::Unknown,
        source: "ArubaOS-Switch (maximum hex length unconfirmed)",
        workaround: NO_SPLIT_KNOWN,
    },
    traps: &["codes 1,3,6,12,15,44,46,50,52,54,55,57,58,59,61,66,67,82 are refused; 43 and 120 are allowed"],
    ext: "cfg",
    default_name: "LYNC-VOICE",
    default_interface: None,
    full_config: false,
};

pub const MERAKI: Platform = Platform {
    id: "meraki",
    name: "Cisco Meraki dashboard (MX / MS / Z)",
    comment: "#",
    hex: HexStyle::CONTIGUOUS,
    vci: VciMatch::None,
    vci_note: "Meraki custom DHCP options have no vendor-class condition (unconfirmed): every client of the VLAN gets them",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: None,
        long: Overflow::Unknown,
        source: "Meraki (length limit unconfirmed)",
        workaround: NO_SPLIT_KNOWN,
    },
    traps: &[
        "Type Hex, not Text: Text sends the hex digits as characters",
        "the value is the option data only: no 2B/78 code and length in front",
    ],
    ext: "txt",
    default_name: "ms-uc-client",
    default_interface: None,
    full_config: false,
};

pub const PFSENSE: Platform = Platform {
    id: "pfsense",
    name: "pfSense (ISC DHCP backend; Kea backend via custom JSON)",
    comment: "#",
    hex: HexStyle::COLON,
    vci: VciMatch::None,
    vci_note: "pfSense's DHCP options have no vendor-class condition: every client of the interface gets them (with the Kea backend use the kea target's client class)",
    opt120: Opt120::ByCode,
    limits: Limits {
        hex_chars: None,
        long: Overflow::SplitsRfc3396,
        source: "pfSense (ISC dhcpd backend)",
        workaround: "",
    },
    traps: &[
        "Type String with colon-separated two-digit octets: other hex forms fail validation or become text",
        "the Kea backend ignores Additional BOOTP/DHCP Options",
    ],
    ext: "txt",
    default_name: "ms-uc-client",
    default_interface: Some("LAN"),
    full_config: false,
};

/// Every target, in `--help` and `--target all` order.
pub const PLATFORMS: &[Platform] = &[
    WINDOWS_NETSH,
    WINDOWS_POWERSHELL,
    ISC_DHCPD,
    KEA,
    DNSMASQ,
    OPENWRT,
    UDHCPD,
    CISCO_IOS,
    CISCO_IOS_XE,
    JUNIPER,
    MIKROTIK,
    FORTIGATE,
    HUAWEI,
    HPE_COMWARE,
    ARUBA_OS_SWITCH,
    MERAKI,
    PFSENSE,
];

/// The platform for a `--target` value.
pub fn find(id: &str) -> Option<&'static Platform> {
    PLATFORMS.iter().find(|p| p.id == id)
}

/// Every `--target` value, for help and error messages.
pub fn ids() -> Vec<&'static str> {
    PLATFORMS.iter().map(|p| p.id).collect()
}

/// The targets `--full` applies to, as `--target kea (or all)`, for help and error messages.
pub fn full_config_targets() -> String {
    let ids: Vec<&str> = PLATFORMS
        .iter()
        .filter(|p| p.full_config)
        .map(|p| p.id)
        .collect();
    format!("--target {} (or all)", ids.join(", "))
}

/// Width of the `--help` prose built from the table.
const HELP_WIDTH: usize = 98;

/// `  label: id, id, ...` wrapped at [`HELP_WIDTH`], continuation lines indented.
fn help_row(out: &mut String, label: &str, ids: &[&str]) {
    let mut line = format!("  {label}:");
    for (i, id) in ids.iter().enumerate() {
        let sep = if i + 1 < ids.len() { "," } else { "" };
        if line.len() + 1 + id.len() + sep.len() > HELP_WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = "     ".to_string();
        } else {
            line.push(' ');
        }
        line.push_str(id);
        line.push_str(sep);
    }
    out.push_str(&line);
    out.push('\n');
}

/// `--help`'s scoping section: the targets by how they match option 60, from the table.
pub fn scoping_table() -> String {
    let mut out = String::new();
    for vci in VciMatch::ALL {
        let ids: Vec<&str> = PLATFORMS
            .iter()
            .filter(|p| p.vci == vci)
            .map(|p| p.id)
            .collect();
        if !ids.is_empty() {
            help_row(&mut out, vci.label(), &ids);
        }
    }
    out
}

/// `--help`'s limits section: the targets grouped by the limit a value meets first and what
/// happens beyond it, in table order, from the table.
pub fn limits_table() -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for p in PLATFORMS {
        let what = p.limits.describe();
        match groups.iter_mut().find(|(w, _)| *w == what) {
            Some((_, ids)) => ids.push(p.id),
            None => groups.push((what, vec![p.id])),
        }
    }
    let mut out = String::new();
    for (what, ids) in &groups {
        help_row(&mut out, what, ids);
    }
    out
}

impl Platform {
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.id, self.ext)
    }
}

/// Platforms are identified by their id; the row is never compared field by field.
impl PartialEq for Platform {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Platform {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_file_names_are_unique() {
        let mut ids = ids();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PLATFORMS.len());
        let mut files: Vec<String> = PLATFORMS.iter().map(Platform::file_name).collect();
        files.sort_unstable();
        files.dedup();
        assert_eq!(files.len(), PLATFORMS.len());
        assert_eq!(find("kea").map(|p| p.id), Some("kea"));
        assert!(find("all").is_none(), "`all` is reserved for every target");
    }

    #[test]
    fn only_kea_writes_a_full_config() {
        let full: Vec<&str> = PLATFORMS
            .iter()
            .filter(|p| p.full_config)
            .map(|p| p.id)
            .collect();
        assert_eq!(full, ["kea"]);
        assert_eq!(full_config_targets(), "--target kea (or all)");
    }

    #[test]
    fn help_tables_name_every_target_once_and_fit() {
        for table in [scoping_table(), limits_table()] {
            assert!(table.lines().all(|l| l.len() <= HELP_WIDTH), "{table}");
            let listed: Vec<&str> = table
                .lines()
                .flat_map(|l| l.rsplit(": ").next().unwrap_or(l).split(','))
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .collect();
            let mut sorted = listed.clone();
            sorted.sort_unstable();
            let mut all = ids();
            all.sort_unstable();
            assert_eq!(sorted, all, "{table}");
        }
        assert!(scoping_table().contains("  substring: dnsmasq, openwrt\n"));
        assert!(
            limits_table().contains("  over 180 hex characters, silently truncated: cisco-ios\n")
        );
    }

    #[test]
    fn facts_agree_with_the_issue() {
        assert_eq!(CISCO_IOS.limits.hex_chars, Some((180, Overflow::Truncates)));
        assert_eq!(HUAWEI.limits.hex_chars.map(|l| l.0), Some(254));
        assert_eq!(HPE_COMWARE.limits.hex_chars.map(|l| l.0), Some(256));
        assert_eq!(FORTIGATE.limits.hex_chars.map(|l| l.0), Some(312));
        assert_eq!(DNSMASQ.limits.long, Overflow::Refuses);
        assert_eq!(WINDOWS_NETSH.limits.long, Overflow::MsOption250);
        assert_eq!(ISC_DHCPD.limits.long, Overflow::SplitsRfc3396);
        assert_eq!(DNSMASQ.vci, VciMatch::Substring);
        assert_eq!(DNSMASQ.hex, HexStyle::COLON);
        for exact in [&ISC_DHCPD, &KEA, &WINDOWS_NETSH, &MIKROTIK, &HPE_COMWARE] {
            assert_eq!(exact.vci, VciMatch::Exact, "{}", exact.id);
        }
        for none in [
            &UDHCPD,
            &CISCO_IOS,
            &CISCO_IOS_XE,
            &JUNIPER,
            &MERAKI,
            &PFSENSE,
            &HUAWEI,
            &ARUBA_OS_SWITCH,
        ] {
            assert_eq!(none.vci, VciMatch::None, "{}", none.id);
        }
    }
}
