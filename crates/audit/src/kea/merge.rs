//! `ucprov apply`'s pure half: the Kea fragment confgen generates for a profile, merged into a
//! running `Dhcp4` map so that every other class, option definition and option stays as it
//! was (an existing PXEClient or access-point option 43 class is untouched), and the line
//! diff the command prints. The Control Agent calls are the CLI's.

use serde_json::{Map, Value};
use ucprov_confgen::{generate, platform, Request};
use ucprov_wire::profile::Provisioning;

/// The `option-def` and `client-classes` confgen writes for Kea, as JSON.
pub fn fragment(p: &Provisioning, class_name: Option<&str>) -> Result<Value, String> {
    let req = Request::new(p, None, class_name.map(str::to_string), None, false)
        .map_err(|e| e.to_string())?;
    let out = generate(&platform::KEA, &req).map_err(|e| e.to_string())?;
    let Some(text) = out.config else {
        let why: Vec<String> = out.findings.iter().map(ToString::to_string).collect();
        return Err(format!("Kea cannot carry this profile: {}", why.join("; ")));
    };
    let json: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&json).map_err(|e| format!("confgen's Kea fragment does not parse: {e}"))
}

fn list<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn same_def(a: &Value, b: &Value) -> bool {
    let space = |v: &Value| {
        v.get("space")
            .and_then(Value::as_str)
            .unwrap_or("dhcp4")
            .to_string()
    };
    space(a) == space(b) && (a.get("code") == b.get("code") || a.get("name") == b.get("name"))
}

/// `dhcp4` (the value of `"Dhcp4"`) with `fragment` merged in: the fragment's definitions
/// replace the definitions of the same space and code (or name), its classes the classes of
/// the same name; everything else is kept in place and in order.
pub fn merge(dhcp4: &Value, fragment: &Value) -> Result<Value, String> {
    let Value::Object(map) = dhcp4 else {
        return Err("\"Dhcp4\" is not a JSON object".into());
    };
    let mut out: Map<String, Value> = map.clone();
    let new_defs = list(fragment, "option-def");
    let mut defs: Vec<Value> = list(dhcp4, "option-def")
        .iter()
        .filter(|d| !new_defs.iter().any(|n| same_def(d, n)))
        .cloned()
        .collect();
    defs.extend(new_defs.iter().cloned());
    out.insert("option-def".into(), Value::Array(defs));
    let new_classes = list(fragment, "client-classes");
    let mut classes: Vec<Value> = Vec::new();
    let mut placed = vec![false; new_classes.len()];
    for c in list(dhcp4, "client-classes") {
        match new_classes
            .iter()
            .position(|n| n.get("name") == c.get("name"))
        {
            // Replaced where it stood: Kea evaluates classes in order.
            Some(i) => {
                classes.push(new_classes[i].clone());
                placed[i] = true;
            }
            None => classes.push(c.clone()),
        }
    }
    classes.extend(
        new_classes
            .iter()
            .zip(&placed)
            .filter(|(_, p)| !**p)
            .map(|(c, _)| c.clone()),
    );
    out.insert("client-classes".into(), Value::Array(classes));
    Ok(Value::Object(out))
}

/// A line diff of `before` and `after`: `- ` removed, `+ ` added, unchanged lines left out.
pub fn diff(before: &str, after: &str) -> Vec<String> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    // Common prefix and suffix first, so the quadratic part covers only the changed middle.
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        let mut out: Vec<String> = a.iter().map(|l| format!("- {l}")).collect();
        out.extend(b.iter().map(|l| format!("+ {l}")));
        return out;
    }
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(format!("- {}", a[i]));
            i += 1;
        } else {
            out.push(format!("+ {}", b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_profile_is_merged_and_everything_else_kept() {
        let p = Provisioning::new("lync.example.com", None);
        let frag = fragment(&p, None).unwrap();
        let pxe = json!({"name": "PXEClient", "test": "substring(option[60].hex,0,9) == 'PXEClient'",
            "option-data": [{"code": 43, "csv-format": false, "data": "06:01:08"}]});
        let running = json!({"option-def": [{"name": "x", "code": 200, "type": "uint8"}],
            "client-classes": [pxe.clone(), {"name": "ms-uc-client", "test": "false"}],
            "subnet4": [{"id": 1, "subnet": "10.0.0.0/24"}]});
        let merged = merge(&running, &frag).unwrap();
        let classes = merged["client-classes"].as_array().unwrap();
        assert_eq!(classes.len(), 2);
        assert_eq!(classes[0], pxe);
        assert_eq!(classes[1], frag["client-classes"][0]);
        assert_eq!(merged["option-def"][0]["code"], 200);
        assert_eq!(merged["subnet4"], running["subnet4"]);
        // Merging again changes nothing.
        assert_eq!(merge(&merged, &frag).unwrap(), merged);
    }

    #[test]
    fn the_diff_shows_only_changed_lines() {
        assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), vec!["- b", "+ x"]);
        assert!(diff("a\n", "a\n").is_empty());
    }
}
