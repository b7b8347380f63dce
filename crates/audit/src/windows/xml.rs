//! `Export-DhcpServer` XML: `<DHCPServer><IPv4>` with `<Classes>`, `<OptionDefinitions>`,
//! `<OptionValues>` (server level) and `<Scopes>`, each scope with its own `<OptionValues>` and
//! `<Reservations>`. Values carry no type: each takes its definition's, and BinaryData values
//! are one `<Value>0x4D</Value>` per byte (docs/dhcp-servers.md §7.1). Elements that cannot change options
//! 43 and 120 are skipped by name; scope or server policies, which condition options in ways
//! ucprov does not evaluate, are an error at their line.

use std::net::Ipv4Addr;

use roxmltree::{Document, Node};

use crate::dialect::Dialect;
use crate::error::{AuditError, ErrorKind};
use crate::model::Config;
use crate::source::{Loader, Loc};
use crate::windows::{At, Builder, ValueLine, WinType};

/// Why a text looks like an `Export-DhcpServer` file.
pub fn detect(text: &str) -> Option<&'static str> {
    (text.contains("<DHCPServer") && text.contains("<IPv4"))
        .then_some("a <DHCPServer> export with <IPv4>")
}

pub fn parse(loader: &mut Loader, name: &str) -> Result<Config, AuditError> {
    let file = loader.enter(name, None)?;
    let text = loader.text(file).to_string();
    let top = Loc { file, line: 1 };
    let mut b = Builder::new(Dialect::WindowsXml, loader.sources.clone(), top);
    let doc = Document::parse(&text).map_err(|e| {
        let pos = e.pos();
        b.error(
            Loc {
                file,
                line: pos.row,
            },
            format!("not well-formed XML: {e}"),
            "export again with Export-DhcpServer -File (the file is cut or edited)",
        )
    })?;
    let r = Reader { doc: &doc, file };
    let root = doc.root_element();
    if root.tag_name().name() != "DHCPServer" {
        return Err(b.error(
            r.loc(root),
            format!(
                "the root element is <{}>, not <DHCPServer>",
                root.tag_name().name()
            ),
            "audit the file Export-DhcpServer writes",
        ));
    }
    let ipv4 = r.child(root, "IPv4").ok_or_else(|| {
        b.error(
            r.loc(root),
            "no <IPv4> element",
            "export the IPv4 server (Export-DhcpServer writes it)",
        )
    })?;
    if let Some(classes) = r.child(ipv4, "Classes") {
        for c in r.children(classes, "Class") {
            class(&mut b, &r, c)?;
        }
    }
    if let Some(defs) = r.child(ipv4, "OptionDefinitions") {
        for d in r.children(defs, "OptionDefinition") {
            definition(&mut b, &r, d)?;
        }
    }
    r.no_policies(&b, ipv4)?;
    values(&mut b, &r, ipv4, At::Server)?;
    if let Some(scopes) = r.child(ipv4, "Scopes") {
        for s in r.children(scopes, "Scope") {
            let network = r.address(&b, s, "ScopeId")?;
            let mask = r.address(&b, s, "SubnetMask")?;
            b.scope(network, mask, r.loc(s));
            r.no_policies(&b, s)?;
            values(&mut b, &r, s, At::Scope(network))?;
            if let Some(res) = r.child(s, "Reservations") {
                for v in r.children(res, "Reservation") {
                    let ip = r.address(&b, v, "IPAddress")?;
                    b.reservation(network, ip, r.loc(v));
                    values(&mut b, &r, v, At::Reservation(network, ip))?;
                }
            }
        }
    }
    loader.leave();
    b.set_sources(loader.sources.clone());
    Ok(b.finish())
}

struct Reader<'a, 'i> {
    doc: &'a Document<'i>,
    file: usize,
}

impl<'a, 'i> Reader<'a, 'i> {
    fn loc(&self, n: Node) -> Loc {
        Loc {
            file: self.file,
            line: self.doc.text_pos_at(n.range().start).row,
        }
    }

    fn child(&self, n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
        n.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
    }

    fn children(&self, n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
        n.children()
            .filter(move |c| c.is_element() && c.tag_name().name() == name)
    }

    /// The text of child `name`, trimmed; empty when the element is empty or missing.
    fn text(&self, n: Node, name: &str) -> String {
        self.child(n, name)
            .and_then(|c| c.text())
            .map(|t| t.trim().to_string())
            .unwrap_or_default()
    }

    fn required(&self, b: &Builder, n: Node, name: &str) -> Result<String, AuditError> {
        let t = self.text(n, name);
        if t.is_empty() {
            return Err(b.error(
                self.loc(n),
                format!("<{}> has no <{name}>", n.tag_name().name()),
                "export again with Export-DhcpServer (the element is always written)",
            ));
        }
        Ok(t)
    }

    fn address(&self, b: &Builder, n: Node, name: &str) -> Result<Ipv4Addr, AuditError> {
        let t = self.required(b, n, name)?;
        t.parse().map_err(|_| {
            b.error(
                self.loc(self.child(n, name).unwrap_or(n)),
                format!("<{name}> {t:?} is not an IPv4 address"),
                "a.b.c.d",
            )
        })
    }

    /// Policies decide options by conditions ucprov does not evaluate: refused, not skipped.
    fn no_policies(&self, b: &Builder, n: Node) -> Result<(), AuditError> {
        if let Some(p) = self
            .child(n, "Policies")
            .and_then(|p| p.children().find(|c| c.is_element()))
        {
            let mut e = b.error(
                self.loc(p),
                "DHCP policies condition options in ways ucprov does not evaluate",
                "audit a copy without the <Policies> entries, and check the policies by hand",
            );
            e.kind = ErrorKind::Unsupported;
            return Err(e);
        }
        Ok(())
    }
}

fn class(b: &mut Builder, r: &Reader, c: Node) -> Result<(), AuditError> {
    let name = r.required(b, c, "Name")?;
    let kind = r.required(b, c, "Type")?;
    let vendor = match kind.to_ascii_lowercase().as_str() {
        "vendor" => true,
        "user" => false,
        _ => {
            return Err(b.error(
                r.loc(c),
                format!("class {name}: <Type> {kind:?} is neither Vendor nor User"),
                "Vendor or User",
            ))
        }
    };
    let data = r.required(b, c, "Data")?;
    // Exported class data is hex with 0x (Get-DhcpServerv4Class shows the same in AsciiData).
    let bytes = WinType::Binary
        .encode(std::slice::from_ref(&data))
        .map_err(|why| {
            b.error(
                r.loc(c),
                format!("class {name} <Data>: {why}"),
                "0x followed by the class data in hex",
            )
        })?;
    b.class(&name, bytes, vendor, r.loc(c));
    Ok(())
}

fn definition(b: &mut Builder, r: &Reader, d: Node) -> Result<(), AuditError> {
    let code = code(b, r, d)?;
    let name = r.text(d, "Name");
    let ty_text = r.required(b, d, "Type")?;
    let ty = WinType::parse(&ty_text).ok_or_else(|| {
        b.error(
            r.loc(d),
            format!("option {code}: <Type> {ty_text:?} is not a DhcpServer data type"),
            "Byte, Word, DWord, DWordDWord, IPv4Address, String, BinaryData or EncapsulatedData",
        )
    })?;
    let array = r.text(d, "MultiValued").eq_ignore_ascii_case("true");
    let vendor = r.text(d, "VendorClass");
    b.definition(
        code,
        &name,
        ty,
        array,
        Some(vendor.as_str()).filter(|v| !v.is_empty()),
        r.loc(d),
    );
    Ok(())
}

fn code(b: &Builder, r: &Reader, n: Node) -> Result<u8, AuditError> {
    let t = r.required(b, n, "OptionId")?;
    t.parse().map_err(|_| {
        b.error(
            r.loc(n),
            format!("<OptionId> {t:?} is not an option code (0-255)"),
            "0-255",
        )
    })
}

/// The `<OptionValues>` of the server, a scope or a reservation.
fn values(b: &mut Builder, r: &Reader, parent: Node, at: At) -> Result<(), AuditError> {
    let Some(list) = r.child(parent, "OptionValues") else {
        return Ok(());
    };
    for v in r.children(list, "OptionValue") {
        let code = code(b, r, v)?;
        let values: Vec<String> = r
            .children(v, "Value")
            .map(|x| x.text().unwrap_or("").trim().to_string())
            .collect();
        let vendor = r.text(v, "VendorClass");
        let user = r.text(v, "UserClass");
        let raw = values.join(",");
        b.value(ValueLine {
            at,
            code,
            ty: None,
            vendor: Some(vendor.as_str()).filter(|s| !s.is_empty()),
            user: Some(user.as_str()).filter(|s| !s.is_empty()),
            values,
            raw,
            loc: r.loc(v),
        })?;
    }
    Ok(())
}
