# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as one self-contained HTML page.

This module util is PRIVATE: its interface may change without notice.

The summary and the charts (inline SVG) are rendered here, every value through
``html.escape``; the host table and the detail view are drawn in the browser from the report
data, embedded as JSON in a ``<script type="application/json">`` block with ``<``, ``>``, ``&``
and U+2028/U+2029 escaped, by a script that writes data only through ``textContent``. A
Content-Security-Policy allows that one script (by its hash) and inline styles, nothing else:
no request can leave the page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape

GIB = 1024 ** 3
# Disk-size buckets of the chart: (upper bound in bytes, label).
SIZE_BUCKETS = ((50 * GIB, "< 50 GiB"), (100 * GIB, "50-100 GiB"), (250 * GIB, "100-250 GiB"),
                (500 * GIB, "250-500 GiB"), (1024 * GIB, "0.5-1 TiB"), (2048 * GIB, "1-2 TiB"),
                (None, "> 2 TiB"))
PROGRESS_BUCKETS = ((0, "not started (0 %)"), (25, "1-25 %"), (50, "26-50 %"), (75, "51-75 %"),
                    (99, "76-99 %"), (100, "done (100 %)"))
CHART_ROWS = 12


def size(num):
    """Binary size for people: 1.5 TiB."""
    if num is None:
        return "unknown"
    value = float(num)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (value, unit)
        value /= 1024
    return str(num)  # pragma: no cover


def embed_json(data):
    """JSON that cannot end a ``<script>`` element nor be read as markup or a line break by JS."""
    encoded = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        encoded = encoded.replace(char, escaped)
    return encoded


def page_data(report):
    """The report as the page embeds it: each host's checks as ``[name, status, message]``, plus
    ``{"fix": ..., "reference": ...}`` only where they differ from the rule's usual ones, kept once
    in ``usual`` (a third of the size of 5,000 hosts)."""
    usual = {"fix": {}, "reference": {}}
    for row in report["hosts"]:
        for check in row["checks"]:
            for field in usual:
                if check[field]:
                    usual[field].setdefault(check["name"], check[field])
    hosts = []
    for row in report["hosts"]:
        checks = []
        for check in row["checks"]:
            expected = {"fix": "" if check["status"] == "ok" else usual["fix"].get(check["name"], ""),
                        "reference": usual["reference"].get(check["name"], "")}
            entry = [check["name"], check["status"], check["message"]]
            extra = {field: check[field] for field in usual if check[field] != expected[field]}
            if extra:
                entry.append(extra)
            checks.append(entry)
        hosts.append(dict(row, checks=checks))
    return dict(report, hosts=hosts, usual=usual)


def bar_chart(chart_id, title, items, empty="no data"):
    """A horizontal bar chart as inline SVG; ``items`` are (label, count, css class)."""
    items = list(items)
    if len(items) > CHART_ROWS:
        rest = sum(count for _label, count, _cls in items[CHART_ROWS - 1:])
        items = items[:CHART_ROWS - 1] + [("other", rest, "other")]
    row_height, label_width, bar_width = 22, 190, 260
    height = max(1, len(items)) * row_height + 30
    most = max([count for _label, count, _cls in items] or [0]) or 1
    parts = ['<figure class="chart" id="%s"><svg role="img" aria-labelledby="%s-t" viewBox="0 0 %d %d" '
             'width="100%%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
             % (escape(chart_id), escape(chart_id), label_width + bar_width + 70, height),
             '<title id="%s-t">%s</title>' % (escape(chart_id), escape(title)),
             '<text class="chart-title" x="0" y="16">%s</text>' % escape(title)]
    if not items:
        parts.append('<text class="chart-empty" x="0" y="44">%s</text>' % escape(empty))
    for index, (label, count, cls) in enumerate(items):
        y = 28 + index * row_height
        width = round(bar_width * count / most)
        parts.append('<g class="bar %s"><text class="bar-label" x="%d" y="%d" text-anchor="end">%s</text>'
                     '<rect x="%d" y="%d" width="%d" height="%d" rx="2"></rect>'
                     '<text class="bar-value" x="%d" y="%d">%d</text></g>'
                     % (escape("bar-" + str(cls)), label_width - 8, y + 14, escape(str(label)[:40]),
                        label_width, y + 2, max(width, 1 if count else 0), row_height - 6,
                        label_width + width + 6, y + 14, count))
    parts.append("</svg></figure>")
    return "".join(parts)


def _buckets(values, buckets, fits):
    counts = [0] * len(buckets)
    for value in values:
        for index, bucket in enumerate(buckets):
            if fits(value, bucket[0]):
                counts[index] += 1
                break
    return [(label, count, "bucket") for (_bound, label), count in zip(buckets, counts)]


def charts(report):
    """The four pictures: verdicts, OS versions, disk sizes, migration progress."""
    summary = report["summary"]
    rows = report["hosts"]
    capacity = [row["capacity_bytes"] for row in rows if row["capacity_bytes"] is not None]
    progress = [row["progress"] for row in rows if row["progress"] is not None]
    return "".join((
        bar_chart("chart-verdicts", "Hosts per verdict",
                  [(label, count, key) for key, label, count in summary["verdicts"]]),
        bar_chart("chart-os", "Operating system versions",
                  [(label, count, "os") for label, count in summary["os_versions"]]),
        bar_chart("chart-disks", "Disk capacity per host",
                  _buckets(capacity, SIZE_BUCKETS, lambda value, bound: bound is None or value < bound)
                  if capacity else []),
        bar_chart("chart-progress", "Migration progress", _buckets(progress, PROGRESS_BUCKETS,
                                                                   lambda value, bound: value <= bound)
                  if progress else [], empty="no migration task known yet"),
    ))


def _listing(pairs):
    return ", ".join("%s: %d" % (escape(str(label)), count) for label, count in pairs) or "none known"


def summary_html(report):
    summary = report["summary"]
    figures = ['<div class="figure verdict-%s"><span class="count">%d</span> %s</div>'
               % (escape(key), count, escape(label)) for key, label, count in summary["verdicts"]]
    facts = [
        ("Hosts", "%d" % summary["hosts"]),
        ("Operating systems", _listing(summary["os_families"])),
        ("Firmware", _listing(summary["boot_modes"])),
        ("Capacity to migrate", "%s on disks, %s used"
         % (escape(size(summary["capacity_bytes"])), escape(size(summary["used_bytes"])))),
        ("Registered with SMS", "%d of %d hosts; states: %s"
         % (summary["registered"], summary["hosts"], _listing(summary["source_states"]))),
        ("Migration", "%d host(s) migrating%s; phases: %s"
         % (summary["migrating"], "" if summary["mean_progress"] is None
            else ", %d %% on average" % summary["mean_progress"], _listing(summary["task_states"]))),
    ]
    return ('<section id="summary" aria-label="Fleet summary"><div class="figures">%s</div><dl>%s</dl></section>'
            % ("".join(figures), "".join("<dt>%s</dt><dd>%s</dd>" % (escape(k), v) for k, v in facts)))


STYLE = """
:root{--ready:#1a7f37;--conditional:#b7791f;--not_ready:#c0392b;--unknown:#6b7280;--fg:#1f2328;--muted:#57606a;
--line:#d0d7de;--bg:#fff;--accent:#0b5cad}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:var(--fg);
background:var(--bg);margin:0 auto;padding:16px 24px;max-width:1500px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px}h3{font-size:15px;margin:16px 0 6px}
.meta{color:var(--muted);margin:0 0 12px}
.figures{display:flex;gap:10px;flex-wrap:wrap;margin-bottom:10px}
.figure{border:1px solid var(--line);border-left:6px solid var(--unknown);border-radius:6px;padding:6px 12px;min-width:150px}
.figure .count{font-size:22px;font-weight:600;margin-right:4px}
.verdict-ready{border-left-color:var(--ready)}.verdict-conditional{border-left-color:var(--conditional)}
.verdict-not_ready{border-left-color:var(--not_ready)}.verdict-unknown{border-left-color:var(--unknown)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}dt{font-weight:600}dd{margin:0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px;align-items:start}
.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px}
.chart svg{max-width:100%;height:auto}.chart text{font-size:12px;fill:var(--fg)}
.chart-title{font-weight:600;font-size:13px}.chart-empty{fill:var(--muted)}
.bar rect{fill:var(--accent)}.bar-ready rect{fill:var(--ready)}.bar-conditional rect{fill:var(--conditional)}
.bar-not_ready rect{fill:var(--not_ready)}.bar-unknown rect,.bar-other rect{fill:var(--unknown)}
.controls{display:flex;gap:12px;flex-wrap:wrap;align-items:end;margin:8px 0}
.controls label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
input,select,button{font:inherit}input[type=search]{min-width:280px;padding:4px 6px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
td{overflow-wrap:break-word;unicode-bidi:plaintext}
td.col-name,td.col-reason,#detail-body td{overflow-wrap:anywhere}
th button{all:unset;cursor:pointer;font-weight:600}th button:focus-visible,button:focus-visible,
input:focus-visible,select:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
td.num,th.num{text-align:right;white-space:nowrap}
td.col-name{min-width:26ch}
.pill{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;white-space:nowrap;font-size:12px}
.pill.ready,.pill.ok{background:var(--ready)}.pill.conditional,.pill.warn{background:var(--conditional)}
.pill.not_ready,.pill.error{background:var(--not_ready)}.pill.unknown{background:var(--unknown)}
.hostlink{all:unset;color:var(--accent);cursor:pointer;text-decoration:underline;overflow-wrap:anywhere}
.pager{display:flex;gap:8px;align-items:center;margin:8px 0}
#detail{border:2px solid var(--accent);border-radius:8px;padding:8px 16px;margin:16px 0}
#detail[hidden]{display:none}
.bidi{unicode-bidi:plaintext}
.muted{color:var(--muted)}
@media print{
body{max-width:none;padding:0;font-size:11px}.controls,.pager,.noprint{display:none!important}
.charts{grid-template-columns:repeat(2,1fr)}.chart,section,tr{break-inside:avoid}
#detail{border:0;padding:0}a{color:inherit}th button::after{content:""!important}
}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var hasOwn = Object.prototype.hasOwnProperty;
  function usual(field, name) { return hasOwn.call(data.usual[field], name) ? data.usual[field][name] : ""; }
  var labels = {};
  data.verdicts.forEach(function (v) { labels[v.key] = v.label; });
  var verdictOrder = {};
  data.verdicts.forEach(function (v, i) { verdictOrder[v.key] = i; });
  var hosts = data.hosts;
  hosts.forEach(function (h, i) {
    h._index = i;
    h._search = [h.name, h.ip, h.os, [h.os_family, h.os_version].join(" "), labels[h.verdict], h.reason, h.boot_mode,
      h.source_state, h.task_state]
      .join("\u0001").toLowerCase();
  });
  var columns = [
    ["name", "Host", "text"], ["ip", "IP address", "text"], ["os", "Operating system", "text"],
    ["verdict", "Verdict", "verdict"], ["reason", "First blocking reason", "text"], ["disks", "Disks", "num"],
    ["capacity_bytes", "Capacity", "bytes"], ["used_bytes", "Used", "bytes"], ["boot_mode", "Boot mode", "text"],
    ["source_state", "SMS state", "text"], ["progress", "Progress", "pct"]
  ];
  var state = {query: "", verdict: "", key: "name", dir: 1, page: 0, size: 100};
  var view = hosts.slice();

  function el(tag, cls, textValue) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (textValue !== undefined && textValue !== null) { node.textContent = String(textValue); }
    return node;
  }
  function bytes(n) {
    if (n === null || n === undefined) { return ""; }
    var units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"], i = 0, v = n;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
    return i === 0 ? v + " B" : v.toFixed(1) + " " + units[i];
  }
  function shown(h, kind, key) {
    var v = h[key];
    if (v === null || v === undefined) { return ""; }
    if (kind === "bytes") { return bytes(v); }
    if (kind === "pct") { return v + " %"; }
    if (kind === "verdict") { return labels[v] || v; }
    return v;
  }
  function compare(a, b) {
    var kind = columns.filter(function (c) { return c[0] === state.key; })[0][2];
    var x = a[state.key], y = b[state.key];
    if (kind === "verdict") { x = verdictOrder[x]; y = verdictOrder[y]; }
    var missingX = x === null || x === undefined || x === "", missingY = y === null || y === undefined || y === "";
    if (missingX || missingY) { return missingX === missingY ? a._index - b._index : (missingX ? 1 : -1); }
    var r = (typeof x === "number" && typeof y === "number") ? x - y
      : String(x).localeCompare(String(y), undefined, {numeric: true, sensitivity: "base"});
    return r ? r * state.dir : a._index - b._index;
  }
  function refresh() {
    var q = state.query.toLowerCase();
    view = hosts.filter(function (h) {
      return (!state.verdict || h.verdict === state.verdict) && (!q || h._search.indexOf(q) !== -1);
    });
    view.sort(compare);
    var pages = Math.max(1, Math.ceil(view.length / state.size));
    if (state.page >= pages) { state.page = pages - 1; }
    drawTable();
  }
  function drawHead() {
    var tr = document.getElementById("host-head");
    tr.textContent = "";
    columns.forEach(function (c) {
      var th = el("th", c[2] === "text" || c[2] === "verdict" ? "" : "num");
      th.setAttribute("scope", "col");
      th.setAttribute("data-key", c[0]);
      th.setAttribute("aria-sort", state.key === c[0] ? (state.dir > 0 ? "ascending" : "descending") : "none");
      var button = el("button", "", c[1]);
      button.type = "button";
      button.setAttribute("data-key", c[0]);
      button.addEventListener("click", function () {
        if (state.key === c[0]) { state.dir = -state.dir; } else { state.key = c[0]; state.dir = 1; }
        state.page = 0;
        drawHead();
        refresh();
        document.querySelector('#host-head button[data-key="' + c[0] + '"]').focus();
      });
      th.appendChild(button);
      tr.appendChild(th);
    });
  }
  function drawTable() {
    var body = document.getElementById("host-rows");
    body.textContent = "";
    var start = state.page * state.size, rows = view.slice(start, start + state.size);
    rows.forEach(function (h) {
      var tr = el("tr");
      tr.setAttribute("data-host-index", h._index);
      columns.forEach(function (c) {
        var td = el("td", c[2] === "text" || c[2] === "verdict" ? "col-" + c[0] : "num");
        if (c[0] === "name") {
          var link = el("button", "hostlink", h.name);
          link.type = "button";
          link.addEventListener("click", function () { showDetail(h); });
          td.appendChild(link);
        } else if (c[0] === "verdict") {
          td.appendChild(el("span", "pill " + h.verdict, labels[h.verdict] || h.verdict));
        } else {
          td.textContent = shown(h, c[2], c[0]);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    var pages = Math.max(1, Math.ceil(view.length / state.size));
    document.getElementById("page-info").textContent = view.length
      ? "Hosts " + (start + 1) + "\u2013" + (start + rows.length) + " of " + view.length
        + " (page " + (state.page + 1) + " of " + pages + ")"
      : "No host matches";
    document.getElementById("match-count").textContent = String(view.length);
    document.getElementById("prev-page").disabled = state.page === 0;
    document.getElementById("next-page").disabled = state.page >= pages - 1;
  }
  function table(headings, rows) {
    var t = el("table"), head = el("tr");
    headings.forEach(function (h) { var th = el("th", "", h); th.setAttribute("scope", "col"); head.appendChild(th); });
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var body = el("tbody");
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (cell) {
        var td = el("td");
        if (cell && cell.nodeType) { td.appendChild(cell); } else { td.textContent = cell === null || cell === undefined ? "" : String(cell); }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }
  function fs(v) {
    var parts = [v.fstype || "", (v.mountpoints || []).join(", ")];
    if (v.used_bytes !== null && v.used_bytes !== undefined) { parts.push(bytes(v.used_bytes) + " used of " + bytes(v.total_bytes)); }
    return parts.filter(function (p) { return p; }).join(" \u00b7 ");
  }
  function section(root, title, node) {
    root.appendChild(el("h3", "", title));
    root.appendChild(node);
  }
  function showDetail(h) {
    var box = document.getElementById("detail");
    var root = document.getElementById("detail-body");
    root.textContent = "";
    document.getElementById("detail-title").textContent = h.name;
    var facts = [["Verdict", labels[h.verdict] || h.verdict], ["Reason", h.reason], ["IP address", h.ip],
      ["Operating system", h.os], ["Architecture", h.architecture], ["Kernel", h.kernel], ["CPUs", h.cpus],
      ["Memory", bytes(h.memory_bytes)], ["Boot", [h.boot_mode, h.boot_loader].filter(Boolean).join(", ")],
      ["Platform", h.platform], ["SMS source", [h.source_id, h.source_state, h.connected === null ? "" :
        (h.connected ? "agent connected" : "agent not connected"), h.migration_cycle].filter(Boolean).join(", ")],
      ["Migration", [h.task_state, h.progress === null ? "" : h.progress + " %", h.task_error]
        .filter(Boolean).join(", ")],
      ["Collected at", h.collected_at]];
    var dl = el("dl");
    facts.forEach(function (f) {
      if (f[1] === null || f[1] === undefined || f[1] === "") { return; }
      dl.appendChild(el("dt", "", f[0])); dl.appendChild(el("dd", "bidi", f[1]));
    });
    root.appendChild(dl);
    section(root, "Readiness checks", h.checks.length ? table(["Check", "Result", "Why", "What to do", "SMS reference"],
      h.checks.map(function (c) {
        var extra = c[3] || {};
        var fix = hasOwn.call(extra, "fix") ? extra.fix : (c[1] === "ok" ? "" : usual("fix", c[0]));
        var reference = hasOwn.call(extra, "reference") ? extra.reference : usual("reference", c[0]);
        return [c[0], el("span", "pill " + c[1], c[1]), c[2], fix, reference];
      }))
      : el("p", "muted", "No readiness checks: " + (h.reason || "no facts")));
    var disks = [];
    h.disk_list.forEach(function (d) {
      disks.push([d.path, d.type, bytes(d.size_bytes), d.partition_table, (d.roles || []).join(", "),
        d.filesystem ? fs(d.filesystem) : (d.model || "")]);
      d.partitions.forEach(function (p) { disks.push(["\u2003" + p.path, "partition", bytes(p.size_bytes), "", "", fs(p)]); });
    });
    section(root, "Disks and partitions", disks.length ? table(["Device", "Type", "Size", "Table", "Holds", "File system"], disks)
      : el("p", "muted", "none known"));
    var lvm = [];
    h.vgs.forEach(function (vg) {
      lvm.push([vg.name, "volume group", bytes(vg.size_bytes), bytes(vg.free_bytes) + " free on " + vg.pvs.join(", ")]);
      vg.lvs.forEach(function (lv) { lvm.push(["\u2003" + vg.name + "/" + lv.name, lv.segment_type, bytes(lv.size_bytes), fs(lv)]); });
    });
    section(root, "LVM", lvm.length ? table(["Name", "Type", "Size", "Details"], lvm) : el("p", "muted", "none"));
    section(root, "Btrfs", h.btrfs.length ? table(["File system", "Devices", "Subvolumes", "Mounted on"],
      h.btrfs.map(function (b) { return [b.label || b.fsid, b.devices, b.subvolumes, b.mountpoints.join(", ")]; }))
      : el("p", "muted", "none"));
    section(root, "Network interfaces", h.nics.length ? table(["Interface", "MAC", "State", "Kind", "Addresses"],
      h.nics.map(function (n) { return [n.name + (n.default ? " (default route)" : ""), n.mac, n.state, n.kind, n.addresses.join(", ")]; }))
      : el("p", "muted", "none known"));
    if (h.warnings.length) {
      var ul = el("ul");
      h.warnings.forEach(function (w) { ul.appendChild(el("li", "bidi", w)); });
      section(root, "Discovery warnings", ul);
    }
    box.hidden = false;
    box.setAttribute("data-host", h.name);
    document.getElementById("detail-close").focus();
  }
  document.getElementById("detail-close").addEventListener("click", function () {
    document.getElementById("detail").hidden = true;
    document.getElementById("search").focus();
  });
  document.getElementById("search").addEventListener("input", function (e) {
    state.query = e.target.value; state.page = 0; refresh();
  });
  document.getElementById("verdict-filter").addEventListener("change", function (e) {
    state.verdict = e.target.value; state.page = 0; refresh();
  });
  document.getElementById("page-size").addEventListener("change", function (e) {
    state.size = parseInt(e.target.value, 10) || hosts.length || 1; state.page = 0; refresh();
  });
  document.getElementById("prev-page").addEventListener("click", function () { state.page -= 1; refresh(); });
  document.getElementById("next-page").addEventListener("click", function () { state.page += 1; refresh(); });
  var select = document.getElementById("verdict-filter");
  data.verdicts.forEach(function (v) { var o = el("option", "", v.label); o.value = v.key; select.appendChild(o); });
  document.getElementById("host-table").hidden = false;
  document.getElementById("noscript-note").hidden = true;
  drawHead();
  refresh();
  document.documentElement.setAttribute("data-ready", "true");
})();
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="meta">{hosts} hosts. Generated {generated} by the hwcloud.sms.report role. Verdicts follow the
SMS readiness checks of the hwcloud.sms collection (docs/report.md).</p>
</header>
<main>
<h2>Summary</h2>
{summary}
<div class="charts">{charts}</div>
<h2 id="hosts-heading">Hosts</h2>
<p id="noscript-note">The host table needs JavaScript; the same data is in the CSV and JSON files next to this page.</p>
<div class="controls">
<label for="search">Search (host, IP, OS, reason, state)<input id="search" type="search" autocomplete="off"
 aria-controls="host-rows"></label>
<label for="verdict-filter">Verdict<select id="verdict-filter" aria-controls="host-rows"><option value="">All verdicts</option>
</select></label>
<label for="page-size">Rows per page<select id="page-size"><option>50</option><option selected>100</option>
<option>500</option><option value="0">all</option></select></label>
<span role="status" aria-live="polite"><span id="match-count"></span> matching</span>
</div>
<div id="host-table" hidden>
<table aria-labelledby="hosts-heading"><thead><tr id="host-head"></tr></thead><tbody id="host-rows"></tbody></table>
<div class="pager"><button type="button" id="prev-page">Previous</button><span id="page-info"></span>
<button type="button" id="next-page">Next</button></div>
</div>
<section id="detail" hidden aria-labelledby="detail-title">
<h2><span class="noprint">Host </span><span id="detail-title" class="bidi"></span></h2>
<button type="button" id="detail-close" class="noprint">Close</button>
<div id="detail-body"></div>
</section>
</main>
<script type="application/json" id="report-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""


def script_hash(script=SCRIPT):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src %s; img-src 'none'; connect-src 'none'; "
       "base-uri 'none'; form-action 'none'" % script_hash())


def render(report):
    """The report (``report.build``) as one HTML document."""
    summary = report["summary"]
    return PAGE.format(
        csp=escape(CSP, quote=False), title=escape(report["title"] or "SMS fleet readiness"),
        style=STYLE, hosts=summary["hosts"], generated=escape(report["generated_at"] or "(time not recorded)"),
        summary=summary_html(report), charts=charts(report), data=embed_json(page_data(report)), script=SCRIPT)
