// ucprov web: the page's behaviour. Every computation is a call to the local API, which runs
// the code `ucprov encode`, `decode`, `config` and `pcap` run; this file only collects the
// form, keeps the address bar in step with it, and shows the JSON it gets back. Text from
// input or answers is only ever set as textContent.
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
  const tabs = ["encode", "decode", "config", "capture"];
  let currentTab = "encode";

  function showTab(name, focus) {
    currentTab = name;
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
    profile.hidden = name === "decode" || name === "capture";
    syncUrl();
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

  // ---------------------------------------------------------------- the address bar
  // Every input with data-url is in the query under that key while it differs from its
  // default, with the tab and the chosen phone, so the address is always a link to what is on
  // the screen. Selects whose options come from the API later keep the link's value pending.
  const urlInputs = () => Array.from(document.querySelectorAll("[data-url]"));
  const pending = {};
  let chosenPhone = null;

  function defaultOf(select) {
    const d = Array.from(select.options).find((o) => o.defaultSelected) || select.options[0];
    return d ? d.value : "";
  }

  function syncUrl() {
    const q = new URLSearchParams();
    q.set("tab", currentTab);
    for (const input of urlInputs()) {
      const key = input.dataset.url;
      if (input.tagName === "SELECT" && input.options.length === 0) {
        if (pending[key] !== undefined) q.set(key, pending[key]);
      } else if (input.type === "checkbox") {
        if (input.checked !== input.defaultChecked) q.set(key, input.checked ? "1" : "0");
      } else if (input.tagName === "SELECT") {
        if (input.value !== defaultOf(input)) q.set(key, input.value);
      } else if (input.value !== input.defaultValue) {
        if ("lines" in input.dataset) {
          const ls = input.value.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
          for (const l of ls) q.append(key, l);
          if (!ls.length) q.set(key, "");
        } else q.set(key, input.value);
      }
    }
    if (chosenPhone) q.set("phone", chosenPhone);
    const url = location.pathname + "?" + q.toString();
    if (url !== location.pathname + location.search) history.replaceState(null, "", url);
  }
  document.addEventListener("input", syncUrl);
  document.addEventListener("change", syncUrl);

  function restore(q) {
    for (const input of urlInputs()) {
      const key = input.dataset.url;
      if (!q.has(key)) continue;
      const value = q.get(key);
      if (input.type === "checkbox") input.checked = value === "1";
      else if ("lines" in input.dataset) input.value = q.getAll(key).join("\n");
      else if (input.tagName === "SELECT" && !Array.from(input.options).some((o) => o.value === value)) pending[key] = value;
      else input.value = value;
    }
    chosenPhone = q.get("phone");
  }

  // ---------------------------------------------------------------- errors
  // The API names the wrong input by its id, which is the input's name on this page, and its
  // message already speaks of the page's labels. A message is shown once: beside its input
  // when it has one, else in the tab's error box; every submit clears what the last one showed.
  function clearErrors() {
    for (const n of Array.from(document.querySelectorAll("[aria-invalid]"))) {
      n.removeAttribute("aria-invalid");
      n.removeAttribute("aria-describedby");
    }
    for (const n of Array.from(document.querySelectorAll(".field-error"))) n.remove();
    for (const n of Array.from(document.querySelectorAll("div.error"))) {
      n.hidden = true;
      n.textContent = "";
    }
  }

  function showError(box, body) {
    const msg = (body && body.error) || "unexpected answer from the server";
    const input = body && typeof body.field === "string"
      ? document.querySelector('[name="' + CSS.escape(body.field) + '"]') : null;
    if (input) {
      const p = el("p", { class: "field-error", id: "err-" + input.id, role: "alert" }, msg);
      (input.closest("label.check") || input).after(p);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", p.id);
      return;
    }
    box.textContent = msg;
    box.hidden = false;
  }

  async function run(button, errorBox, resultBox, call) {
    button.disabled = true;
    clearErrors();
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
    if (pending.notation !== undefined && e.forms.some((f) => f.style === pending.notation)) sel.value = pending.notation;
    else if (keep) sel.value = keep;
    delete pending.notation;
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
      // A target that cannot carry the profile answers 422 with its findings: the result
      // shows them and the reason, once, where the configuration would be.
      if (status === 200 || (status === 422 && body.findings)) renderConfig(body);
      else {
        $("config-result").hidden = true;
        showError($("config-error"), body);
      }
    });
  }
  $("config-go").addEventListener("click", doConfig);
  $("config-form").addEventListener("submit", (ev) => { ev.preventDefault(); doConfig(); });

  // ---------------------------------------------------------------- capture
  // The file goes to /api/capture as it is; the answer is `ucprov pcap --json`'s document.
  let captured = null;

  async function upload(file) {
    return run($("cap-file"), $("capture-error"), $("capture-result"), async () => {
      $("cap-hint").hidden = true;
      const r = await fetch("/api/capture?name=" + encodeURIComponent(file.name), {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream" },
        body: file,
      });
      let body;
      try {
        body = await r.json();
      } catch (e) {
        body = { error: "the server answered " + r.status + " without JSON" };
      }
      if (r.status === 200) renderCapture(body, file.name);
      else {
        $("capture-result").hidden = true;
        $("ladder-box").hidden = true;
        showError($("capture-error"), body);
      }
    });
  }

  $("cap-file").addEventListener("change", () => {
    const f = $("cap-file").files[0];
    if (f) upload(f);
  });
  // A file dropped anywhere on the page is a capture to read.
  document.addEventListener("dragover", (ev) => {
    if (!ev.dataTransfer || !Array.from(ev.dataTransfer.types).includes("Files")) return;
    ev.preventDefault();
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", (ev) => {
    if (ev.relatedTarget === null) document.body.classList.remove("dragging");
  });
  document.addEventListener("drop", (ev) => {
    document.body.classList.remove("dragging");
    const f = ev.dataTransfer && ev.dataTransfer.files[0];
    if (!f) return;
    ev.preventDefault();
    showTab("capture", false);
    upload(f);
  });

  const worst = (findings) => {
    if (findings.some((f) => f.severity === "error")) return "error";
    if (findings.some((f) => f.severity === "warning")) return "warning";
    return null;
  };

  function renderCapture(doc, name) {
    captured = doc;
    const s = doc.summary;
    let text = name + ": " + s.format + " (" + (s.link_types.join(", ") || "no link type") + "), " +
      s.frames + " frames, " + s.dhcp_messages + " DHCP messages, " + s.clients + " client(s), " +
      s.failing_clients + " not provisioned as they should be.";
    if (s.malformed_count) text += " " + s.malformed_count + " malformed datagram(s), the first in frame " + s.malformed[0].frame + ".";
    if (s.capture_error) text += " The capture stops early: " + s.capture_error;
    const summary = $("cap-summary");
    summary.textContent = text;
    summary.classList.toggle("bad", Boolean(s.capture_error));
    const tbody = $("cap-phones").tBodies[0];
    clear(tbody);
    for (const c of doc.clients) {
      const bad = worst(c.findings);
      const tr = el("tr", { tabindex: "0", "data-mac": c.mac, "aria-selected": "false" },
        el("td", { class: "mono" }, c.mac),
        el("td", {}, c.vendor_classes.join(", ") || "-"),
        el("td", { class: bad === "error" ? "verdict-bad" : (c.verdict_code === "provisioned" ? "verdict-ok" : "") }, c.verdict),
        el("td", { class: "mono" }, c.servers.join(", ") || "-"),
        el("td", {}, c.answered + "/" + c.requests));
      tr.addEventListener("click", () => choose(c.mac));
      tr.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); choose(c.mac); } });
      tbody.append(tr);
    }
    if (!doc.clients.length) tbody.append(el("tr", {}, el("td", { colspan: "5" }, "No DHCP client in this capture.")));
    $("capture-result").hidden = false;
    const wanted = doc.clients.find((c) => c.mac === chosenPhone) || (doc.clients.length === 1 ? doc.clients[0] : null);
    if (wanted) choose(wanted.mac);
    else {
      chosenPhone = null;
      $("ladder-box").hidden = true;
      syncUrl();
    }
  }

  function choose(mac) {
    const c = captured && captured.clients.find((x) => x.mac === mac);
    if (!c) return;
    chosenPhone = mac;
    for (const tr of Array.from($("cap-phones").tBodies[0].rows)) {
      tr.setAttribute("aria-selected", tr.dataset.mac === mac ? "true" : "false");
    }
    renderLadder(c);
    syncUrl();
  }

  const ipOf = (hostPort) => hostPort.replace(/:\d+$/, "");
  const ms = (secs) => (secs * 1000).toFixed(secs < 0.01 ? 2 : 1) + " ms";

  /** One arrow between two lanes (indexes) of `n`, with its text and what it is. */
  function arrow(n, from, to, cls, label, chips, data) {
    const lo = Math.min(from, to), hi = Math.max(from, to);
    const row = el("div", { class: "msg " + cls, "data-from": data.from, "data-to": data.to, "data-frame": String(data.frame) });
    const left = ((lo + 0.5) / n) * 100, width = ((hi - lo) / n) * 100;
    const text = el("div", { class: "text" }, label);
    text.style.left = ((lo / n) * 100) + "%";
    text.style.width = (((hi - lo + 1) / n) * 100) + "%";
    const line = el("div", { class: "arrow " + (to > from ? "right" : "left") });
    line.style.left = left + "%";
    line.style.width = Math.max(width, 100 / n / 2) + "%";
    row.append(text, line);
    if (chips.length) {
      const v = el("div", { class: "verdicts" }, ...chips);
      v.style.left = text.style.left;
      v.style.width = text.style.width;
      row.append(v);
    }
    return row;
  }

  function chip(code, verdict) {
    return el("span", { class: "chip " + verdict, "data-option": String(code) }, code + " " + verdict.replace(/_/g, " "));
  }

  function renderLadder(c) {
    // Lanes: the client, then each server in the order the report met them, then any unicast
    // address a request went to that nobody answered from.
    const lanes = [c.mac, ...c.servers];
    for (const e of c.exchanges) {
      const dst = ipOf(e.request.seen.dst);
      if (dst !== "255.255.255.255" && !lanes.includes(dst)) lanes.push(dst);
    }
    const n = Math.max(lanes.length, 2);
    const box = $("ladder");
    clear(box);
    const heads = el("div", { class: "heads" });
    lanes.forEach((lane, i) => heads.append(el("div", { "data-lane": lane }, i === 0 ? "client" : lane, el("small", {}, i === 0 ? lane : (c.servers.includes(lane) ? "server" : "no answer")))));
    if (lanes.length < 2) heads.append(el("div", { "data-lane": "" }, "(no server)"));
    box.append(heads);
    for (let i = 0; i < n; i++) {
      const life = el("div", { class: "lifeline" });
      life.style.left = (((i + 0.5) / n) * 100) + "%";
      box.append(life);
    }
    for (const e of c.exchanges) {
      const group = el("div", { class: "exchange" });
      const rq = e.request;
      const dst = ipOf(rq.seen.dst);
      const broadcast = dst === "255.255.255.255";
      const to = broadcast ? n - 1 : Math.max(1, lanes.indexOf(dst));
      let label = rq.message_type + " xid " + rq.xid + " · frame " + rq.seen.frame + " · " + rq.seen.time.toFixed(3) + " s";
      if (broadcast) label += " · broadcast";
      if (rq.copies.length) label += " · sent " + (rq.copies.length + 1) + "×";
      if (e.repeats) label += " · and " + e.repeats + " identical exchange(s) after it";
      const asks = [rq.asks_43 ? "asks 43" : null, rq.asks_120 ? "asks 120" : null].filter(Boolean);
      if (rq.vendor_class) asks.unshift(rq.vendor_class);
      group.append(arrow(n, 0, to, "request" + (e.replies.length ? "" : " unanswered"),
        label, asks.map((a) => el("span", { class: "chip" }, a)),
        { from: c.mac, to: broadcast ? "broadcast" : dst, frame: rq.seen.frame }));
      if (!e.replies.length) group.append(el("p", { class: "note" }, "no reply in the capture"));
      for (const r of e.replies) {
        const from = Math.max(1, lanes.indexOf(r.server));
        const bad = e.findings.some((f) => f.frame === r.seen.frame && f.severity === "error");
        let text = r.message_type + " · frame " + r.seen.frame + " · +" + ms(r.seen.time - rq.seen.time);
        if (ipOf(r.seen.src) !== r.server) text += " · sent from " + ipOf(r.seen.src);
        text += " → " + r.seen.dst;
        group.append(arrow(n, from, 0, "reply" + (bad ? " bad" : ""), text,
          [chip(43, r.option43_verdict), chip(120, r.option120_verdict)],
          { from: r.server, to: c.mac, frame: r.seen.frame }));
      }
      if (e.findings.length) {
        const list = el("ul", { class: "findings" });
        for (const f of e.findings) list.append(findingItem({ ...f, message: (f.frame ? "frame " + f.frame + ": " : "") + f.message }));
        group.append(list);
      }
      box.append(group);
    }
    if (c.unmatched_replies.length) {
      const group = el("div", { class: "exchange" });
      group.append(el("p", { class: "note" }, "Replies whose request is not in the capture:"));
      for (const r of c.unmatched_replies) {
        const from = Math.max(1, lanes.indexOf(r.server));
        group.append(arrow(n, from, 0, "reply", r.message_type + " · frame " + r.seen.frame,
          [chip(43, r.option43_verdict), chip(120, r.option120_verdict)],
          { from: r.server, to: c.mac, frame: r.seen.frame }));
      }
      box.append(group);
    }
    $("ladder-title").textContent = "Ladder: " + c.mac + " (" + c.verdict + ")";
    const facts = [c.vendor_classes.length ? "vendor class " + c.vendor_classes.join(", ") : "no vendor class",
      c.provisioning_url ? "provisioning URL " + c.provisioning_url : null,
      c.registrars.length ? "registrars " + c.registrars.join(", ") : null].filter(Boolean);
    $("ladder-facts").textContent = facts.join(" · ");
    $("ladder-box").hidden = false;
  }

  // ---------------------------------------------------------------- start
  // The address restores the page: its fields, its tab, and the result, computed anew.
  async function start() {
    const q = new URLSearchParams(window.location.search);
    restore(q);
    const tab = tabs.includes(q.get("tab")) ? q.get("tab") : "encode";
    showTab(tab, false);
    try {
      await loadTargets(pending.target);
    } catch (e) {
      showError($("config-error"), { error: "cannot load the target list: " + e.message });
    }
    delete pending.target;
    if (q.get("full") === "1" && !$("c-full").disabled) $("c-full").checked = true;
    if (tab === "capture" && chosenPhone) {
      const hint = $("cap-hint");
      hint.textContent = "This link shows phone " + chosenPhone + ": choose or drop its capture file again (a link cannot carry the file).";
      hint.hidden = false;
    }
    const hasProfile = $("p-sip").value.trim() !== "" || $("p-ips").value.trim() !== "";
    if (tab === "decode" && $("d-hex").value.trim() !== "") await doDecode();
    else if (tab === "config" && hasProfile) await doConfig();
    else if (tab === "encode" && hasProfile) await doEncode();
    syncUrl();
    document.body.dataset.ready = "true";
  }
  start();
})();
