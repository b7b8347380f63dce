// ucprov web: the page's behaviour. Every computation is a call to the local API, which runs
// the code `ucprov encode`, `decode` and `config` run; this file only collects the form and
// shows the JSON it gets back. Text from input or answers is only ever set as textContent.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  /** Build an element; children are nodes or strings (set as text, never parsed). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** POST JSON; resolves to {status, body} whatever the status, rejects only on network errors. */
  async function post(path, payload) {
    const r = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    });
    let body;
    try {
      body = await r.json();
    } catch (e) {
      body = { error: "the server answered " + r.status + " without JSON" };
    }
    return { status: r.status, body };
  }

  // ---------------------------------------------------------------- tabs
  const tabs = ["encode", "decode", "config"];

  function showTab(name, focus) {
    for (const t of tabs) {
      const on = t === name;
      const tab = $("tab-" + t);
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $("panel-" + t).hidden = !on;
      if (on && focus) tab.focus();
    }
    // One profile form, shown where it is used.
    const profile = $("profile");
    if (name === "encode") $("slot-encode").append(profile);
    if (name === "config") $("slot-config").append(profile);
    profile.hidden = name === "decode";
  }

  for (const t of tabs) {
    $("tab-" + t).addEventListener("click", () => showTab(t, false));
    $("tab-" + t).addEventListener("keydown", (ev) => {
      const i = tabs.indexOf(t);
      if (ev.key === "ArrowRight") showTab(tabs[(i + 1) % tabs.length], true);
      else if (ev.key === "ArrowLeft") showTab(tabs[(i + tabs.length - 1) % tabs.length], true);
      else return;
      ev.preventDefault();
    });
  }

  // ---------------------------------------------------------------- errors
  const fieldInputs = {
    sip_servers: "p-sip", web_server: "p-web", scheme: "p-scheme", port: "p-port",
    path: "p-path", subs: "p-subs", sip_server_ip: "p-ips",
    hex: "d-hex", target: "c-target", scope: "c-scope", class_name: "c-class",
    interface: "c-iface", full: "c-full",
  };

  function clearInvalid() {
    for (const id of Object.values(fieldInputs)) $(id).removeAttribute("aria-invalid");
  }

  function showError(box, body) {
    const msg = (body && body.error) || "unexpected answer from the server";
    box.textContent = msg;
    box.hidden = false;
    const id = body && body.field && fieldInputs[body.field];
    if (id) {
      $(id).setAttribute("aria-invalid", "true");
      $(id).setAttribute("aria-describedby", box.id);
    }
  }

  async function run(button, errorBox, resultBox, call) {
    button.disabled = true;
    errorBox.hidden = true;
    clearInvalid();
    try {
      await call();
    } catch (e) {
      resultBox.hidden = true;
      showError(errorBox, { error: "cannot reach ucprov web: " + e.message });
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- copy
  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button.copy");
    if (!b) return;
    const text = $(b.dataset.copy).textContent;
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = "Copied";
    } catch (e) {
      // No clipboard permission: select the text so Ctrl-C copies it.
      const range = document.createRange();
      range.selectNodeContents($(b.dataset.copy));
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      b.textContent = "Selected: press Ctrl-C";
    }
    setTimeout(() => { b.textContent = "Copy"; }, 1800);
  });

  // ---------------------------------------------------------------- profile
  const words = (s) => s.split(/[\s,;]+/).filter((w) => w.length > 0);

  function profile() {
    return {
      sip_servers: words($("p-sip").value),
      web_server: $("p-web").value.trim() || null,
      scheme: $("p-scheme").value,
      port: $("p-port").value.trim(),
      path: $("p-path").value.trim(),
      subs: $("p-subs").value.split("\n").map((l) => l.trim()).filter((l) => l.length > 0),
      sip_server_ip: words($("p-ips").value),
      compress: $("p-compress").checked,
    };
  }

  function findingItem(f, onMark) {
    const sev = f.severity === "info" ? "note" : f.severity;
    const li = el("li", { class: sev }, el("span", { class: "tag" }, sev), f.message);
    if (f.offset !== undefined && f.offset !== null && onMark) {
      li.append(el("button", { type: "button", class: "at", onclick: () => onMark(f.offset, 1) }, "byte " + f.offset));
    }
    if (f.fix) li.append(el("span", { class: "fix" }, "fix: " + f.fix));
    return li;
  }

  // ---------------------------------------------------------------- encode
  let lastEncode = null;

  function showForm() {
    if (!lastEncode) return;
    const style = $("enc-form").value;
    const form = lastEncode.forms.find((f) => f.style === style) || lastEncode.forms[0];
    $("enc-o43").textContent = form.option43;
    $("enc-o120").textContent = form.option120;
  }
  $("enc-form").addEventListener("change", showForm);

  function renderEncode(e) {
    lastEncode = e;
    const tbody = $("enc-subs").tBodies[0];
    clear(tbody);
    for (const s of e.suboptions) {
      tbody.append(el("tr", {},
        el("td", {}, String(s.code)), el("td", {}, s.name), el("td", { class: "mono" }, s.ascii),
        el("td", { class: "mono" }, s.hex), el("td", {}, s.length + " (0x" + s.length.toString(16).toUpperCase().padStart(2, "0") + ")")));
    }
    const sel = $("enc-form");
    const keep = sel.value;
    if (sel.options.length !== e.forms.length) {
      clear(sel);
      for (const f of e.forms) sel.append(el("option", { value: f.style }, f.style + "  " + f.label));
    }
    if (keep) sel.value = keep;
    $("enc-o43-title").textContent = "Option 43: " + e.option43.length + " bytes, " + e.option43.hex_chars + " hex characters";
    $("enc-o120-title").textContent = "Option 120: " + e.option120.length + " bytes, " + e.option120.hex_chars + " hex characters";
    showForm();
    // {"encoding": "names" | "addresses", "servers": [...]}
    $("enc-servers").textContent = e.sip_servers.servers.join(", ") + " (" + e.sip_servers.encoding + ")";
    $("enc-url").textContent = e.provisioning_url;
    $("enc-root").textContent = e.root_chain_url;
    const w = $("enc-warnings");
    clear(w);
    for (const m of e.warnings) w.append(findingItem({ severity: "warning", message: m }));
    $("enc-warnings-box").hidden = e.warnings.length === 0;
    const lb = $("enc-limits").tBodies[0];
    clear(lb);
    for (const l of e.limits) {
      lb.append(el("tr", {}, el("td", {}, l.server + " (" + l.target + ")"),
        el("td", { class: "sev-" + l.severity }, l.severity), el("td", {}, l.message)));
    }
    $("enc-limits-box").hidden = e.limits.length === 0;
    $("encode-result").hidden = false;
  }

  function doEncode() {
    return run($("encode-go"), $("encode-error"), $("encode-result"), async () => {
      const { status, body } = await post("/api/encode", profile());
      if (status === 200) renderEncode(body);
      else {
        $("encode-result").hidden = true;
        showError($("encode-error"), body);
      }
    });
  }
  $("encode-go").addEventListener("click", doEncode);
  $("profile").addEventListener("submit", (ev) => {
    ev.preventDefault();
    if ($("panel-config").hidden) doEncode(); else doConfig();
  });

  // ---------------------------------------------------------------- decode
  let byteSpans = [];

  function mark(offset, length) {
    for (const s of byteSpans) s.classList.remove("marked");
    for (let i = offset; i < offset + Math.max(length, 1) && i < byteSpans.length; i++) byteSpans[i].classList.add("marked");
    const first = byteSpans[Math.min(offset, byteSpans.length - 1)];
    if (first) first.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function renderBytes(hex, starts, findings) {
    const box = $("dec-bytes");
    clear(box);
    byteSpans = [];
    const n = hex.length / 2;
    let line = null;
    for (let i = 0; i < n; i++) {
      if (i % 16 === 0) {
        line = el("div", { class: "line" }, el("span", { class: "off" }, String(i)));
        box.append(line);
      }
      const span = el("span", { class: "b", title: "byte " + i }, hex.substr(i * 2, 2));
      if (starts.has(i)) span.classList.add("start");
      byteSpans.push(span);
      line.append(span);
    }
    for (const f of findings) {
      if (f.offset !== undefined && f.offset !== null && byteSpans[Math.min(f.offset, n - 1)]) {
        const s = byteSpans[Math.min(f.offset, n - 1)];
        if (f.severity === "error" || f.severity === "warning") s.classList.add("finding-" + f.severity);
        s.title = "byte " + f.offset + ": " + f.message;
      }
    }
  }

  function table(headers, rows) {
    return el("table", {},
      el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows));
  }

  function option43Section(r, starts, findings) {
    const out = [el("h3", {}, "Option 43: " + r.data_length + " bytes of data at byte " + r.data_offset)];
    const rows = r.suboptions.map((s) => {
      starts.add(s.offset);
      return el("tr", { class: "clickable", tabindex: "0", onclick: () => mark(s.offset, 2 + s.length), onkeydown: (ev) => { if (ev.key === "Enter") mark(s.offset, 2 + s.length); } },
        el("td", {}, String(s.offset)), el("td", {}, String(s.code)), el("td", {}, s.name), el("td", {}, String(s.length)),
        el("td", { class: "mono" }, s.hex), el("td", { class: "mono" }, s.ascii), el("td", {}, s.meaning));
    });
    out.push(rows.length ? table(["Offset", "Sub", "Name", "Len", "Hex", "ASCII", "Meaning"], rows) : el("p", {}, "No complete sub-option."));
    const facts = el("dl", { class: "facts" });
    if (r.end_offset !== undefined) facts.append(el("dt", {}, "End (255)"), el("dd", {}, "byte " + r.end_offset));
    if (r.pads) facts.append(el("dt", {}, "Pad bytes"), el("dd", {}, String(r.pads)));
    if (r.provisioning_url) facts.append(el("dt", {}, "Provisioning URL"), el("dd", {}, r.provisioning_url));
    if (r.root_chain_url) facts.append(el("dt", {}, "Root chain URL"), el("dd", {}, r.root_chain_url));
    if (facts.childNodes.length) out.push(facts);
    findings.push(...r.findings);
    return out;
  }

  function option120Section(r, starts, findings) {
    const enc = { 0: "0 (DNS names)", 1: "1 (IPv4 addresses)" }[r.encoding] || (r.encoding === undefined ? "missing" : r.encoding + " (unknown)");
    const out = [el("h3", {}, "Option 120: " + r.data_length + " bytes of data at byte " + r.data_offset + ", encoding " + enc)];
    if (r.servers.length) {
      out.push(table(["Offset", "Len", "Server", "Compressed"], r.servers.map((s) => {
        starts.add(s.offset);
        return el("tr", { class: "clickable", tabindex: "0", onclick: () => mark(s.offset, s.length) },
          el("td", {}, String(s.offset)), el("td", {}, String(s.length)), el("td", { class: "mono" }, s.server), el("td", {}, s.compressed ? "yes" : "no"));
      })));
    }
    findings.push(...r.findings);
    return out;
  }

  function renderDecode(d) {
    const summary = $("dec-summary");
    summary.textContent = "Decoded " + d.input_length + " bytes as " + d.detection + "." +
      (d.malformed ? " The data is malformed: see the errors below." : "");
    summary.classList.toggle("bad", d.malformed);
    const tables = $("dec-tables");
    clear(tables);
    const starts = new Set();
    const findings = [...d.findings];
    if (d.option43) tables.append(...option43Section(d.option43, starts, findings));
    if (d.option120) tables.append(...option120Section(d.option120, starts, findings));
    if (d.options) {
      tables.append(el("h3", {}, "Options"));
      tables.append(table(["Offset", "Code", "Name", "Len", "Parts", "Value"], d.options.map((o) => {
        starts.add(o.offset);
        const value = o.length <= 24 ? o.hex + ' "' + o.ascii + '"' : o.hex.slice(0, 48) + "…";
        return el("tr", { class: "clickable", tabindex: "0", onclick: () => mark(o.offset, 2 + o.length) },
          el("td", {}, String(o.offset)), el("td", {}, String(o.code)), el("td", {}, o.name), el("td", {}, String(o.length)),
          el("td", {}, String(o.instances)), el("td", { class: "mono" }, value));
      })));
      for (const o of d.options) {
        if (o.option43) tables.append(...option43Section(o.option43, starts, findings));
        if (o.option120) tables.append(...option120Section(o.option120, starts, findings));
      }
    }
    renderBytes(d.bytes, starts, findings);
    const list = $("dec-findings");
    clear(list);
    for (const f of findings) list.append(findingItem(f, mark));
    if (!findings.length) list.append(el("li", {}, "No findings."));
    $("decode-result").hidden = false;
  }

  function doDecode() {
    return run($("decode-go"), $("decode-error"), $("decode-result"), async () => {
      const kind = $("d-kind").value || null;
      const { status, body } = await post("/api/decode", { hex: $("d-hex").value, kind });
      if (status === 200) renderDecode(body);
      else {
        $("decode-result").hidden = true;
        showError($("decode-error"), body);
      }
    });
  }
  $("decode-go").addEventListener("click", doDecode);
  $("decode-form").addEventListener("submit", (ev) => { ev.preventDefault(); doDecode(); });

  // ---------------------------------------------------------------- config
  let targets = [];

  function targetChanged() {
    const t = targets.find((x) => x.id === $("c-target").value);
    if (!t) return;
    $("c-target-note").textContent = "vendor class match: " + t.vendor_class_match + ". " + t.vendor_class_note;
    $("c-class").placeholder = t.default_class_name;
    $("c-iface").placeholder = t.default_interface || "(optional)";
    $("c-full").disabled = !t.full;
    if (!t.full) $("c-full").checked = false;
  }
  $("c-target").addEventListener("change", targetChanged);

  async function loadTargets(wanted) {
    const r = await fetch("/api/targets");
    targets = await r.json();
    const sel = $("c-target");
    clear(sel);
    for (const t of targets) sel.append(el("option", { value: t.id }, t.name + " (" + t.id + ")"));
    if (wanted && targets.some((t) => t.id === wanted)) sel.value = wanted;
    targetChanged();
  }

  function renderConfig(c) {
    const list = $("cfg-findings");
    clear(list);
    for (const f of c.findings) list.append(findingItem(f));
    if (c.error) list.append(findingItem({ severity: "error", message: c.error }));
    const box = $("cfg-text-box");
    if (c.config !== null && c.config !== undefined) {
      $("cfg-title").textContent = c.server + ": " + c.file_name;
      $("cfg-text").textContent = c.config;
      const link = $("cfg-download");
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(new Blob([c.config], { type: "text/plain" }));
      link.download = c.file_name;
      box.hidden = false;
    } else {
      box.hidden = true;
    }
    $("config-result").hidden = false;
  }

  function doConfig() {
    return run($("config-go"), $("config-error"), $("config-result"), async () => {
      const payload = {
        profile: profile(),
        target: $("c-target").value,
        scope: $("c-scope").value.trim() || null,
        class_name: $("c-class").value.trim() || null,
        interface: $("c-iface").value.trim() || null,
        full: $("c-full").checked,
      };
      const { status, body } = await post("/api/config", payload);
      if (status === 200 || (status === 422 && body.findings)) {
        renderConfig(body);
        if (status === 422) showError($("config-error"), body);
      } else {
        $("config-result").hidden = true;
        showError($("config-error"), body);
      }
    });
  }
  $("config-go").addEventListener("click", doConfig);
  $("config-form").addEventListener("submit", (ev) => { ev.preventDefault(); doConfig(); });

  // ---------------------------------------------------------------- start
  // A link can prefill the page and run it: ?sip=…&web=…&port=…&path=…&sub=…&compress=1,
  // ?tab=decode&hex=…&kind=…, ?tab=config&sip=…&target=…&scope=…
  async function start() {
    const q = new URLSearchParams(window.location.search);
    const set = (id, key) => { if (q.has(key)) $(id).value = q.get(key); };
    set("p-sip", "sip");
    set("p-web", "web");
    set("p-scheme", "scheme");
    set("p-port", "port");
    set("p-path", "path");
    if (q.has("sub")) $("p-subs").value = q.getAll("sub").join("\n");
    set("p-ips", "ip");
    if (q.get("compress") === "1") $("p-compress").checked = true;
    set("d-hex", "hex");
    set("d-kind", "kind");
    set("c-scope", "scope");
    set("c-class", "class_name");
    set("c-iface", "interface");
    const tab = tabs.includes(q.get("tab")) ? q.get("tab") : "encode";
    showTab(tab, false);
    try {
      await loadTargets(q.get("target"));
    } catch (e) {
      showError($("config-error"), { error: "cannot load the target list: " + e.message });
    }
    if (q.get("full") === "1" && !$("c-full").disabled) $("c-full").checked = true;
    const hasProfile = q.has("sip") || q.has("ip");
    if (tab === "decode" && q.has("hex")) await doDecode();
    else if (tab === "config" && hasProfile) await doConfig();
    else if (tab === "encode" && hasProfile) await doEncode();
    document.body.dataset.ready = "true";
  }
  start();
})();
