//! Kea DHCPv4: sub-option definitions in a custom space, a client class matching option 60
//! exactly that redefines option 43 to encapsulate that space, and option 120 by code
//! (docs/dhcp-servers.md §3.2). A fragment that merges into `Dhcp4`, or with `--full` a complete
//! configuration. Built with serde_json, never from string templates.

use serde_json::{json, Value};
use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc, SubOption};

/// Must not start with `vendor-`: Kea routes such spaces into option 125.
pub const SPACE: &str = "ms-uc-client";

/// Characters a Kea string option cannot carry unescaped (`,` splits CSV data).
const NOT_IN_STRINGS: &[u8] = b",\\'\" ";

pub fn render(ctx: &Ctx, doc: &mut Doc) {
    let subs = ctx.suboptions();
    let option_def: Vec<Value> = subs.iter().map(definition).collect();
    let mut option_data = vec![json!({
        "name": "vendor-encapsulated-options",
        "comment": format!("option 43, built from the {SPACE} sub-options below"),
    })];
    option_data.extend(subs.iter().map(|s| data(ctx, s)));
    option_data.push(json!({
        "code": 120,
        "csv-format": false,
        "data": ctx.hex120(),
        "comment": format!("option 120 (no Kea definition, sent by code): SIP server {}", ctx.sip_list()),
    }));
    let class = json!({
        "name": ctx.name(),
        "comment": "Lync / Skype for Business devices: option 60 equals MS-UC-Client exactly",
        "test": format!("option[vendor-class-identifier].text == '{VENDOR_CLASS}'"),
        "option-def": [{
            "name": "vendor-encapsulated-options",
            "code": 43,
            "type": "empty",
            "encapsulate": SPACE,
            "comment": "always define option 43: the built-in last-resort definition breaks it",
        }],
        "option-data": option_data,
    });
    let mut body = serde_json::Map::new();
    body.insert("option-def".into(), Value::Array(option_def));
    body.insert("client-classes".into(), json!([class]));

    let value = if ctx.req.full {
        let interface = ctx.interface(doc);
        let subnets: Vec<Value> = ctx
            .scopes(doc)
            .iter()
            .zip(1..)
            .map(|(scope, id): (_, u32)| json!({ "id": id, "subnet": scope.to_string(), "comment": "a phones' subnet: Kea answers an INFORM only for a subnet matching it" }))
            .collect();
        doc.comment(
            "Complete kea-dhcp4 configuration. Leases are kept in memory only (persist false):",
        );
        doc.comment(
            "stateless INFORM answers need none; enable persistence before handing out leases.",
        );
        body.insert(
            "interfaces-config".into(),
            json!({ "interfaces": [interface], "dhcp-socket-type": "raw" }),
        );
        body.insert(
            "lease-database".into(),
            json!({ "type": "memfile", "persist": false }),
        );
        body.insert("subnet4".into(), Value::Array(subnets));
        json!({ "Dhcp4": body })
    } else {
        doc.comment(
            "Merge these keys into your \"Dhcp4\" map: append the list entries to an existing",
        );
        doc.comment(
            "\"option-def\" and \"client-classes\". The phones' subnet must be in \"subnet4\".",
        );
        if !ctx.req.scopes.is_empty() {
            let list: Vec<String> = ctx.req.scopes.iter().map(ToString::to_string).collect();
            doc.comment(format!("Subnets to have there: {}.", list.join(", ")));
        }
        Value::Object(body)
    };
    doc.raw(pretty(&value));
}

fn definition(s: &SubOption) -> Value {
    let kind = if s.text(NOT_IN_STRINGS).is_some() {
        "string"
    } else {
        "binary"
    };
    json!({ "name": s.name, "code": s.code, "space": SPACE, "type": kind, "comment": s.meaning })
}

fn data(ctx: &Ctx, s: &SubOption) -> Value {
    match s.text(NOT_IN_STRINGS) {
        Some(text) => json!({
            "name": s.name,
            "space": SPACE,
            "data": text,
            "comment": format!("sub-option {} ({} bytes)", s.code, s.value.len()),
        }),
        None => json!({
            "name": s.name,
            "space": SPACE,
            "csv-format": false,
            "data": ctx.platform.hex.format(&s.value),
            "comment": format!("sub-option {} ({} bytes, binary)", s.code, s.value.len()),
        }),
    }
}

/// serde_json's pretty printer writes `Value` infallibly; the fallback keeps that a non-panic.
fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}
