// accord dashboard: renders each page from the JSON API; live updates by server-sent events.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const main = $("#main");
const params = new URLSearchParams(location.search);
if (params.get("token")) sessionStorage.setItem("accord-token", params.get("token"));

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat(Infinity)) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}
const svgNS = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...kids) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
async function api(url) {
  const r = await fetch(url);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}
const show = (v) => (v === null || v === undefined ? "–" : String(v));
const ratio = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));
function fail(err) { main.replaceChildren(el("h1", {}, "Error"), el("p", { id: "error", class: "error" }, err.message || String(err))); }

// ---- live updates ------------------------------------------------------------------
let onLive = null;
function live() {
  const src = new EventSource("/api/events");
  src.addEventListener("open", () => $("#live").classList.add("on"));
  src.addEventListener("error", () => $("#live").classList.remove("on"));
  src.addEventListener("runs", (ev) => { if (onLive) onLive(JSON.parse(ev.data)); });
}

// ---- charts -------------------------------------------------------------------------
function lineChart(series, reference, { width = 520, height = 220, label = "cost", x = "episode" } = {}) {
  const pad = { l: 52, r: 12, t: 14, b: 30 };
  const pts = series.flatMap((s) => s.points);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]).concat(reference === null || reference === undefined ? [] : [reference]);
  const g = svg("svg", { width, height, class: "chart", role: "img", "aria-label": label });
  if (!pts.length) { g.append(svg("text", { x: 20, y: 30 }, "no episode yet")); return g; }
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(0, ...ys), y1 = Math.max(1, ...ys);
  const X = (x) => pad.l + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const Y = (y) => height - pad.b - ((y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  g.append(svg("line", { x1: pad.l, y1: Y(y0), x2: width - pad.r, y2: Y(y0), stroke: "#999" }));
  g.append(svg("line", { x1: pad.l, y1: pad.t, x2: pad.l, y2: Y(y0), stroke: "#999" }));
  for (const v of [y0, (y0 + y1) / 2, y1]) g.append(svg("text", { x: 4, y: Y(v) + 4 }, Math.round(v)));
  g.append(svg("text", { x: pad.l, y: height - 8 }, `${x} ${x0}`));
  g.append(svg("text", { x: width - pad.r - 70, y: height - 8 }, `${x} ${x1}`));
  if (reference !== null && reference !== undefined) {
    g.append(svg("line", { class: "ref", x1: pad.l, x2: width - pad.r, y1: Y(reference), y2: Y(reference) }));
    g.append(svg("text", { x: width - pad.r - 90, y: Y(reference) - 4 }, `reference ${reference}`));
  }
  const colours = ["#2f6db5", "#c0392b", "#8e44ad", "#b7791f", "#16a085"];
  series.forEach((s, i) => {
    const c = colours[i % colours.length];
    g.append(svg("polyline", { fill: "none", stroke: c, "stroke-width": 2,
      points: s.points.map((p) => `${X(p[0])},${Y(p[1])}`).join(" ") }));
    for (const p of s.points) g.append(svg("circle", { cx: X(p[0]), cy: Y(p[1]), r: 3, fill: c }, svg("title", {}, `${s.name}: ${x} ${p[0]}, cost ${p[1]}`)));
    if (series.length > 1) g.append(svg("text", { x: pad.l + 8, y: pad.t + 12 * (i + 1), fill: c }, s.name));
  });
  return g;
}

function bars(values, { width = 520, label = "utilisation" } = {}) {
  const entries = Object.entries(values).slice(0, 60);
  const h = 16, height = entries.length * h + 10, left = 110;
  const g = svg("svg", { width, height: Math.max(height, 30), class: "chart", role: "img", "aria-label": label });
  entries.forEach(([k, v], i) => {
    g.append(svg("text", { x: 4, y: i * h + 17 }, k));
    g.append(svg("rect", { class: "bar", x: left, y: i * h + 6, height: h - 4, width: Math.max(1, Math.min(1, v) * (width - left - 60)) }));
    g.append(svg("text", { x: left + Math.min(1, v) * (width - left - 60) + 4, y: i * h + 17 }, `${(v * 100).toFixed(0)} %`));
  });
  return g;
}

// ---- pages --------------------------------------------------------------------------
function navFor(run, here) {
  const links = [["", "overview"], ["timetables", "timetables"], ["timeline", "negotiation"], ["privacy", "what each agent revealed"]];
  $("#nav").replaceChildren(el("a", { href: "/" }, "runs"),
    ...links.map(([p, t]) => el("a", { href: `/runs/${encodeURIComponent(run)}${p ? "/" + p : ""}`, class: p === here ? "here" : null }, t)));
}

async function runsPage() {
  const info = await api("/api/info");
  $("#nav").replaceChildren(el("a", { href: "/", class: "here" }, "runs"), el("a", { href: "/compare" }, "compare"),
    info.allow_runs ? el("a", { href: "/start" }, "start a run") : null);
  let rows = [], sortKey = "started_at", sortDir = 1;
  const chosen = new Set();
  const filter = el("input", { id: "filter", placeholder: "filter: scenario, domain, protocol, status", size: 40 });
  const compare = el("button", { id: "compare", onclick: () => { location.href = "/compare?runs=" + [...chosen].map(encodeURIComponent).join(","); } }, "compare selected");
  const table = el("table", { id: "runs" });
  const cols = [["id", "run"], ["scenario", "scenario"], ["domain", "domain"], ["protocol", "protocol"], ["episodes", "episodes"], ["status", "status"], ["hard_violations", "hard violations"], ["cost", "cost"], ["reference", "reference"], ["ratio", "ratio"], ["started_at", "started"]];
  function render() {
    const q = filter.value.toLowerCase();
    const shown = rows.filter((r) => !q || [r.id, r.scenario, r.domain, r.protocol, r.status].join(" ").toLowerCase().includes(q));
    shown.sort((a, b) => (a[sortKey] ?? -Infinity) > (b[sortKey] ?? -Infinity) ? sortDir : (a[sortKey] ?? -Infinity) < (b[sortKey] ?? -Infinity) ? -sortDir : 0);
    table.replaceChildren(el("tr", {}, el("th", {}, ""), ...cols.map(([k, t]) => el("th", { class: "sort", "data-key": k, onclick: () => { sortDir = sortKey === k ? -sortDir : 1; sortKey = k; render(); } }, t + (sortKey === k ? (sortDir > 0 ? " ▲" : " ▼") : "")))),
      ...shown.map((r) => el("tr", { "data-run": r.id, class: `status-${r.status}` },
        el("td", {}, el("input", { type: "checkbox", checked: chosen.has(r.id), onchange: (e) => { e.target.checked ? chosen.add(r.id) : chosen.delete(r.id); } })),
        el("td", { "data-col": "id" }, el("a", { href: `/runs/${encodeURIComponent(r.id)}` }, r.id)),
        el("td", { "data-col": "scenario" }, r.scenario), el("td", { "data-col": "domain" }, r.domain),
        el("td", { "data-col": "protocol" }, r.protocol),
        el("td", { "data-col": "episodes", class: "num" }, `${r.episodes}/${r.episodes_requested}`),
        el("td", { "data-col": "status" }, r.status),
        el("td", { "data-col": "hard_violations", class: "num" }, show(r.hard_violations)),
        el("td", { "data-col": "cost", class: "num" }, show(r.cost)),
        el("td", { "data-col": "reference", class: "num" }, show(r.reference)),
        el("td", { "data-col": "ratio", class: "num" }, ratio(r.ratio)),
        el("td", { "data-col": "started_at" }, r.started_at))));
  }
  filter.addEventListener("input", render);
  main.replaceChildren(el("h1", {}, "Runs"), el("p", { class: "muted" }, `store: ${info.db}`), el("div", { class: "toolbar" }, filter, compare), table);
  async function refresh() { rows = await api("/api/runs"); render(); }
  await refresh();
  let last = "";
  onLive = (runs) => { const k = JSON.stringify(runs); if (k !== last) { last = k; refresh(); } };
}

async function runPage(id) {
  navFor(id, "");
  const root = el("div");
  main.replaceChildren(root);
  async function refresh() {
    const r = await api(`/api/runs/${encodeURIComponent(id)}`);
    const eps = r.episodes, last = eps[eps.length - 1];
    const softs = [...new Set(eps.flatMap((e) => Object.keys(e.cost_breakdown)))];
    const hards = [...new Set(eps.flatMap((e) => Object.keys(e.hard_breakdown)))];
    const card = (k, v, key) => el("div", { class: "card", "data-figure": key }, el("div", { class: "v" }, show(v)), el("div", { class: "k" }, k));
    const ep = (e) => el("tr", { "data-episode": e.episode },
      el("td", { class: "num", "data-col": "episode" }, e.episode),
      el("td", { class: "num", "data-col": "hard_violations" }, e.hard_violations),
      ...hards.map((h) => el("td", { class: "num", "data-col": `hard:${h}` }, show(e.hard_breakdown[h]))),
      el("td", { class: "num", "data-col": "cost" }, e.cost),
      ...softs.map((s) => el("td", { class: "num", "data-col": `soft:${s}` }, show(e.cost_breakdown[s]))),
      el("td", { class: "num", "data-col": "reference_cost" }, show(e.reference_cost)),
      el("td", { class: "num", "data-col": "ratio" }, ratio(e.ratio)),
      el("td", { class: "num", "data-col": "messages" }, e.messages),
      el("td", { class: "num", "data-col": "rounds" }, e.rounds),
      el("td", { class: "num", "data-col": "wall_seconds" }, e.wall_seconds.toFixed(2)));
    const agents = Object.keys(Object.assign({}, last ? last.agent_costs : {}, r.burden));
    const downloads = el("p", { id: "downloads" }, el("a", { href: `/api/runs/${encodeURIComponent(id)}/report.json`, download: true }, "report JSON"),
      ...r.exports.map((x) => [" · ", el("a", { href: `/api/runs/${encodeURIComponent(id)}/export/${x.name}`, title: x.summary, download: true }, `${x.name}${x.directory ? " (zip)" : ""}`)]));
    root.replaceChildren(
      el("h1", {}, `Run ${r.id}`),
      el("p", { class: "muted" }, `${r.scenario} · ${r.domain} · protocol ${r.protocol} · seed ${r.seed} · started ${r.started_at}${r.finished_at ? " · finished " + r.finished_at : ""}`),
      el("div", { class: "cards", id: "headline" },
        card("status", r.status, "status"), card("episodes", `${eps.length}/${r.episodes_requested}`, "episodes"),
        card("cost (last episode)", last ? last.cost : null, "cost"), card("hard violations", last ? last.hard_violations : null, "hard_violations"),
        card("reference", last ? last.reference_cost : null, "reference"), card("ratio", last ? ratio(last.ratio) : null, "ratio"),
        card("messages", eps.reduce((a, e) => a + e.messages, 0), "messages")),
      el("h2", {}, "Downloads"), downloads,
      el("h2", {}, "Episodes"),
      el("div", { class: "scroll" }, el("table", { id: "episodes" }, el("tr", {}, el("th", {}, "episode"), el("th", {}, "hard violations"), ...hards.map((h) => el("th", { class: "num hard", title: "hard constraint" }, h)),
        el("th", {}, "cost"), ...softs.map((s) => el("th", { class: "num soft", title: "soft cost" }, s)), el("th", {}, "reference"), el("th", {}, "ratio"), el("th", {}, "messages"), el("th", {}, "rounds"), el("th", {}, "wall s")), ...eps.map(ep))),
      el("div", { class: "side" },
        el("div", {}, el("h2", {}, "Cost by episode against the central reference"), lineChart([{ name: r.protocol, points: eps.map((e) => [e.episode, e.cost]) }], last ? last.reference_cost : null)),
        el("div", { id: "rounds" }),
        el("div", {}, el("h2", {}, "Agent utilisation (last episode: share of wall time solving)"), last && Object.keys(last.utilisation).length ? bars(last.utilisation) : el("p", { class: "muted" }, "not measured"))),
      el("h2", {}, "Agents: cost and burden"),
      el("p", { id: "fairness", class: "muted" }),
      el("table", { id: "agents" }, el("tr", {}, el("th", {}, "agent"), el("th", {}, "cost (last episode)"), el("th", {}, "cost over the run"), el("th", {}, "per unit of size"), el("th", {}, "owes"), el("th", {}, "owed"), el("th", {}, "open")),
        ...agents.map((a) => { const b = r.burden[a] || {}; return el("tr", { "data-agent": a }, el("td", {}, a), el("td", { class: "num" }, show(last ? last.agent_costs[a] : null)), el("td", { class: "num", "data-col": "total_cost" }), el("td", { class: "num", "data-col": "per_unit" }), el("td", { class: "num" }, show(b.owes)), el("td", { class: "num" }, show(b.owed)), el("td", { class: "num" }, show(b.open))); })),
      el("h2", {}, `Commitments ledger ${r.ledger_name} (${r.ledger.length})`),
      r.ledger.length ? el("table", { id: "ledger" }, el("tr", {}, ...["id", "debtor", "creditor", "amount", "created", "due", "status", "missed"].map((t) => el("th", {}, t))),
        ...r.ledger.slice(0, 300).map((c) => el("tr", {}, el("td", {}, c.id), el("td", {}, c.debtor), el("td", {}, c.creditor), el("td", { class: "num" }, c.amount), el("td", { class: "num" }, c.created_episode), el("td", { class: "num" }, c.due_episode), el("td", {}, c.status), el("td", { class: "num" }, c.times_missed))))
        : el("p", { class: "muted" }, "no commitment"));
    api(`/api/runs/${encodeURIComponent(id)}/fairness`).then((f) => {
      $("#fairness").textContent = `Fairness (the run's report): the most burdened agent pays ${f.max_over_mean.toFixed(2)}× the mean cost per unit of size.`;
      for (const [a, d] of Object.entries(f.agents)) {
        const tr = document.querySelector(`#agents tr[data-agent="${CSS.escape(a)}"]`);
        if (tr) { $('[data-col="total_cost"]', tr).textContent = d.total_cost; $('[data-col="per_unit"]', tr).textContent = d.per_unit.toFixed(3); }
      }
    }).catch(() => {});
    if (last) {  // drawn when it comes: the run's messages may still be being indexed
      api(`/api/runs/${encodeURIComponent(id)}/rounds?episode=${last.episode}`).then((rr) => {
        if (rr.points.length > 1) $("#rounds").replaceChildren(el("h2", {}, `Episode ${last.episode} round by round: the agents' last proposed costs, summed`),
          lineChart([{ name: "proposed", points: rr.points }], last.reference_cost, { x: "round", label: "cost by round" }));
      }).catch(() => {});
    }
    return r;
  }
  await refresh();
  let last = "";
  onLive = (runs) => { const me = runs.find((x) => x.id === id); const k = JSON.stringify(me); if (me && k !== last) { last = k; refresh().catch(fail); } };
}

function gridTable(g) {
  const at = new Map();
  for (const c of g.cells) { const k = `${c.row}\u0000${c.col}`; if (!at.has(k)) at.set(k, []); at.get(k).push(c); }
  const t = el("table", { class: "grid-table", "data-grid": `${g.kind}:${g.name}` },
    el("tr", {}, el("th", {}, ""), ...g.cols.map((c) => el("th", {}, c))),
    ...g.rows.map((row) => el("tr", {}, el("th", {}, row), ...g.cols.map((col) => {
      const cs = at.get(`${row}\u0000${col}`) || [];
      const mark = cs.some((c) => c.mark === "violation") ? "violation" : cs.some((c) => c.mark === "cost") ? "cost" : "";
      const notes = cs.flatMap((c) => c.notes);
      return el("td", { class: mark || null, "data-row": row, "data-col": col, title: notes.join("\n") || null },
        cs.map((c, i) => [i ? el("br") : null, c.text]), notes.map((n) => el("span", { class: "note" }, n)));
    }))));
  return el("div", { class: "grid" }, el("h3", {}, `${g.name}`, g.caption ? el("span", { class: "muted" }, ` · ${g.caption}`) : null), t);
}

async function timetablesPage(id) {
  navFor(id, "timetables");
  let episode = null, kind = "resource";
  const name = el("input", { id: "grid-filter", placeholder: "filter by name", size: 20 });
  const epSel = el("select", { id: "episode" }), kindSel = el("select", { id: "kind" }, el("option", { value: "resource" }, "shared resources"), el("option", { value: "agent" }, "agents"));
  const holder = el("div", { class: "grids", id: "grids" });
  main.replaceChildren(el("h1", {}, `Timetables of ${id}`), el("div", { class: "toolbar" }, "episode ", epSel, kindSel, name, el("span", { id: "grid-count", class: "muted" })), holder);
  let data = null;
  function render() {
    const q = name.value.toLowerCase();
    const gs = data.grids.filter((g) => g.kind === kind && (!q || g.name.toLowerCase().includes(q)));
    $("#grid-count").textContent = `${gs.length} ${kind === "agent" ? "agents" : "resources"}${gs.length > 60 ? " (first 60 shown: filter by name)" : ""}`;
    holder.replaceChildren(...gs.slice(0, 60).map(gridTable));
  }
  async function load() {
    data = await api(`/api/runs/${encodeURIComponent(id)}/grids${episode ? "?episode=" + episode : ""}`);
    epSel.replaceChildren(...data.episodes.map((e) => el("option", { value: e, selected: e === data.episode }, e)));
    render();
  }
  epSel.addEventListener("change", () => { episode = Number(epSel.value); load().catch(fail); });
  kindSel.addEventListener("change", () => { kind = kindSel.value; render(); });
  name.addEventListener("input", render);
  await load();
}

async function timelinePage(id) {
  navFor(id, "timeline");
  const H = 24, CHUNK = 200;
  let SEQ_W = 0;
  const agent = el("select", { id: "f-agent" }), kind = el("select", { id: "f-kind" });
  const round = el("input", { id: "f-round", type: "number", min: 0, placeholder: "round", style: "width:6em" });
  const episode = el("input", { id: "f-episode", type: "number", placeholder: "episode", style: "width:6em" });
  const count = el("span", { id: "count", class: "muted" });
  const spacer = el("div", { class: "spacer" }), view = el("div", { class: "viewport", id: "viewport" }, spacer);
  const detail = el("pre", { class: "detail", id: "detail" }, "click a message to see its envelope");
  const legend = el("p", { id: "legend", class: "muted" });
  main.replaceChildren(el("h1", {}, `Negotiation of ${id}`),
    el("p", { class: "muted" }, "Every message in delivery order: a lane per agent (an arrow from sender to recipient), the kind, the kind of its reply (its fate; hover for the reply's fields) and its fields."),
    el("div", { class: "toolbar" }, "agent ", agent, " kind ", kind, round, episode, count), legend, el("div", { class: "timeline" }, view, detail));
  let chunks = new Map(), total = 0, gen = 0;
  const query = () => { const q = new URLSearchParams(); if (agent.value) q.set("agent", agent.value); if (kind.value) q.set("kind", kind.value); if (round.value !== "") q.set("round", round.value); if (episode.value !== "") q.set("episode", episode.value); return q; };
  async function chunk(i) {
    if (!chunks.has(i)) {
      const q = query(); q.set("offset", i * CHUNK); q.set("limit", CHUNK);
      chunks.set(i, api(`/api/runs/${encodeURIComponent(id)}/messages?${q}`));
    }
    return chunks.get(i);
  }
  function row(m, i) {
    return el("div", { class: "msg", style: `top:${i * H}px; left:${SEQ_W}px`, "data-seq": m.seq, onclick: async () => { detail.textContent = JSON.stringify(await api(`/api/runs/${encodeURIComponent(id)}/messages/${m.seq}`), null, 2); } },
      el("span", { class: "num" }, `#${m.seq}`), el("span", {}, `e${m.episode}`), el("span", {}, m.round === null ? "" : `r${m.round}`),
      el("span", { class: "sender" }, m.sender), el("span", {}, "→"), el("span", { class: "recipient" }, m.recipient),
      el("span", { class: "kind" }, m.kind), el("span", { class: `fate-${m.reply}`, title: m.reply ? `${m.reply}: ${m.reply_summary}` : null }, m.reply ? `↩ ${m.reply}` : ""), el("span", { class: "muted" }, m.summary));
  }
  async function draw() {
    const my = gen;
    const first = Math.floor(view.scrollTop / H), n = Math.ceil(view.clientHeight / H) + 2;
    const need = [...new Set([Math.floor(first / CHUNK), Math.floor((first + n) / CHUNK)])];
    const pages = await Promise.all(need.map(chunk));
    if (my !== gen) return;
    const rows = [], shown = [];
    for (let i = first; i < Math.min(first + n, total); i++) {
      const p = pages[need.indexOf(Math.floor(i / CHUNK))];
      const m = p && p.rows[i - Math.floor(i / CHUNK) * CHUNK];
      if (m) { rows.push(row(m, i)); shown.push([m, i]); }
    }
    spacer.replaceChildren(sequence(shown), ...rows);
  }
  // the sequence view of the rows in view: a lane per agent, an arrow per message
  const LANES = 12, LW = 16, colours = ["#2f6db5", "#c0392b", "#16a085", "#8e44ad", "#b7791f", "#2c3e50", "#d35400", "#27ae60", "#7f8c8d", "#e84393", "#0984e3", "#6c5ce7"];
  function sequence(shown) {
    const lanes = [];
    for (const [m] of shown) for (const a of [m.sender, m.recipient]) if (!lanes.includes(a) && lanes.length < LANES) lanes.push(a);
    legend.replaceChildren("lanes in view: ", ...lanes.map((a, k) => el("span", { class: "pill", style: `background:${colours[k]}` }, a)));
    const x = (a) => { const k = lanes.indexOf(a); return k < 0 ? LANES * LW + 4 : 8 + k * LW; };
    const top = shown.length ? shown[0][1] * H : 0;
    const g = svg("svg", { class: "lanes", width: SEQ_W, height: shown.length * H, style: `top:${top}px` });
    lanes.forEach((a, k) => g.append(svg("line", { x1: 8 + k * LW, x2: 8 + k * LW, y1: 0, y2: shown.length * H, stroke: colours[k], "stroke-opacity": 0.35 }, svg("title", {}, a))));
    shown.forEach(([m], j) => {
      const y = j * H + H / 2, x1 = x(m.sender), x2 = x(m.recipient), c = colours[lanes.indexOf(m.sender)] || "#999";
      g.append(svg("line", { x1, x2, y1: y, y2: y, stroke: c, "stroke-width": 1.5 }, svg("title", {}, `${m.sender} → ${m.recipient}: ${m.kind}`)));
      g.append(svg("circle", { cx: x2, cy: y, r: 3, fill: c }));
    });
    return g;
  }

  async function reset(keepFilters) {
    gen++; chunks = new Map();
    const p0 = await chunk(0);
    total = p0.total;
    SEQ_W = Math.min(LANES, p0.agents.length) * LW + 12;
    count.textContent = `${total} of ${p0.all} messages`;
    if (!keepFilters) {
      const opts = (sel, xs) => { const v = sel.value; sel.replaceChildren(el("option", { value: "" }, "all"), ...xs.map((x) => el("option", { value: x, selected: x === v }, x))); };
      opts(agent, p0.agents); opts(kind, p0.kinds);
    }
    spacer.style.height = `${total * H}px`;
    view.scrollTop = 0;
    await draw();
  }
  let ticking = false;
  view.addEventListener("scroll", () => { if (!ticking) { ticking = true; requestAnimationFrame(() => { ticking = false; draw(); }); } });
  for (const f of [agent, kind, round, episode]) f.addEventListener("change", () => reset(true).catch(fail));
  await reset(false);
}

async function privacyPage(id) {
  navFor(id, "privacy");
  const rev = await api(`/api/runs/${encodeURIComponent(id)}/revealed`);
  main.replaceChildren(el("h1", {}, `What each agent revealed in ${id}`),
    el("p", { class: "muted" }, "Per sender, the kinds of every message it sent and every field those messages carried (with counts): all another agent could learn from it."),
    el("table", { id: "revealed" }, el("tr", {}, el("th", {}, "agent"), el("th", {}, "messages"), el("th", {}, "kinds sent"), el("th", {}, "fields revealed")),
      ...Object.entries(rev).map(([a, r]) => el("tr", { "data-agent": a }, el("td", {}, a), el("td", { class: "num" }, r.messages),
        el("td", { class: "kinds" }, Object.entries(r.kinds).map(([k, n]) => el("span", { class: "pill", "data-kind": k }, `${k} ×${n}`))),
        el("td", { class: "fields" }, Object.entries(r.fields).map(([f, n]) => el("span", { class: "pill", "data-field": f }, `${f} ×${n}`)))))));
}

async function comparePage() {
  $("#nav").replaceChildren(el("a", { href: "/" }, "runs"), el("a", { href: "/compare", class: "here" }, "compare"));
  const ids = (params.get("runs") || "").split(",").filter(Boolean);
  if (ids.length < 2) { main.replaceChildren(el("h1", {}, "Compare"), el("p", {}, "Select two or more runs on the ", el("a", { href: "/" }, "runs page"), " and press “compare selected”.")); return; }
  const runs = await Promise.all(ids.map((i) => api(`/api/runs/${encodeURIComponent(i)}`)));
  const lastOf = (r) => r.episodes[r.episodes.length - 1] || {};
  const softs = [...new Set(runs.flatMap((r) => Object.keys(lastOf(r).cost_breakdown || {})))];
  const rows = [["scenario", (r) => r.scenario], ["protocol", (r) => r.protocol], ["status", (r) => r.status], ["episodes", (r) => r.episodes.length],
    ["hard violations", (r) => lastOf(r).hard_violations], ["cost", (r) => lastOf(r).cost], ...softs.map((s) => [s, (r) => (lastOf(r).cost_breakdown || {})[s]]),
    ["reference", (r) => lastOf(r).reference_cost], ["messages", (r) => lastOf(r).messages], ["wall s", (r) => lastOf(r).wall_seconds]];
  const grids = await Promise.all(ids.map((i) => api(`/api/runs/${encodeURIComponent(i)}/grids`).catch(() => ({ grids: [] }))));
  const names = [...new Set(grids.flatMap((g) => g.grids.filter((x) => x.kind === "resource").map((x) => x.name)))];
  const pick = el("select", { id: "compare-grid" }, ...names.map((n) => el("option", { value: n }, n)));
  const side = el("div", { class: "grids", id: "compare-grids" });
  const drawGrids = () => side.replaceChildren(...grids.map((g, i) => { const x = g.grids.find((y) => y.kind === "resource" && y.name === pick.value); return el("div", {}, el("h3", {}, ids[i]), x ? gridTable(x) : el("p", { class: "muted" }, "not used")); }));
  pick.addEventListener("change", drawGrids);
  const ref = runs.map((r) => lastOf(r).reference_cost).find((v) => v !== null && v !== undefined);
  main.replaceChildren(el("h1", {}, "Compare runs"),
    el("table", { id: "compare" }, el("tr", {}, el("th", {}, ""), ...ids.map((i) => el("th", {}, el("a", { href: `/runs/${encodeURIComponent(i)}` }, i)))),
      ...rows.map(([k, f]) => el("tr", {}, el("th", {}, k), ...runs.map((r) => el("td", { class: "num" }, show(f(r))))))),
    el("h2", {}, "Cost by episode"), lineChart(runs.map((r) => ({ name: `${r.protocol} (${r.id})`, points: r.episodes.map((e) => [e.episode, e.cost]) })), ref ?? null, { width: 700 }),
    el("h2", {}, "Timetables side by side"), el("div", { class: "toolbar" }, "shared resource ", pick), side);
  if (names.length) drawGrids();
}

async function startPage() {
  const info = await api("/api/info");
  $("#nav").replaceChildren(el("a", { href: "/" }, "runs"), el("a", { href: "/start", class: "here" }, "start a run"));
  const file = el("input", { id: "file", type: "file", multiple: true });
  const kind = el("select", { id: "what" }, el("option", { value: "" }, "a scenario (YAML)"),
    ...info.importers.map((i) => el("option", { value: i.name }, `${i.domain} data: ${i.name} (${i.summary})`)));
  const options = el("input", { id: "options", size: 50, placeholder: 'importer options as JSON, e.g. {"departments": 4}' });
  const protocol = el("input", { id: "protocol", list: "protocols", placeholder: "the scenario's" });
  const all = [...new Set(Object.values(info.protocols).flat())].sort();
  const episodes = el("input", { id: "episodes", type: "number", min: 1, placeholder: "the scenario's", style: "width:8em" });
  const reference = el("input", { id: "reference", type: "checkbox" });
  const token = el("input", { id: "token", type: "password", value: sessionStorage.getItem("accord-token") || "", size: 36 });
  const error = el("p", { id: "error", class: "error" }), done = el("p", { id: "started" });
  const form = el("form", { id: "start" },
    el("p", {}, el("label", {}, "upload ", kind), " ", file),
    el("p", {}, el("label", {}, "options ", options)),
    el("p", {}, el("label", {}, "protocol ", protocol), el("datalist", { id: "protocols" }, ...all.map((p) => el("option", { value: p })))),
    el("p", {}, el("label", {}, "episodes ", episodes), " ", el("label", {}, reference, " also solve centrally (reference)")),
    el("p", {}, el("label", {}, "token (printed by accord serve) ", token)),
    el("button", { type: "submit", id: "submit" }, "start"), error, done);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault(); error.textContent = ""; done.textContent = "";
    if (!file.files.length) { error.textContent = "choose a file"; return; }
    const body = { protocol: protocol.value || null, episodes: episodes.value ? Number(episodes.value) : null, reference: reference.checked };
    if (kind.value) {
      try { body.options = options.value.trim() ? JSON.parse(options.value) : {}; } catch (e) { error.textContent = `options: not JSON (${e.message})`; return; }
      body.importer = kind.value;
      body.files = await Promise.all([...file.files].map(async (f) => {
        const bytes = new Uint8Array(await f.arrayBuffer());
        let bin = ""; for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return { name: f.name, base64: btoa(bin) };
      }));
    } else {
      body.scenario = await file.files[0].text(); body.filename = file.files[0].name;
    }
    const r = await fetch("/api/runs", { method: "POST", headers: { "Content-Type": "application/json", "X-Accord-Token": token.value }, body: JSON.stringify(body) });
    const out = await r.json().catch(() => ({ error: r.statusText }));
    if (!r.ok) { error.textContent = String(out.error || r.statusText).split("\n")[0]; return; }
    sessionStorage.setItem("accord-token", token.value);
    done.replaceChildren(`started ${out.started} with ${out.protocol}: `, el("a", { href: "/" }, "watch it on the runs page"));
  });
  main.replaceChildren(el("h1", {}, "Start a run"), el("p", { class: "muted" }, `Runs against ${info.db}; it appears on the runs page as it starts.`), form);
}

// ---- routing ------------------------------------------------------------------------
async function route() {
  const parts = location.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (!parts.length) return runsPage();
  if (parts[0] === "compare") return comparePage();
  if (parts[0] === "start") return startPage();
  if (parts[0] === "runs" && parts.length === 2) return runPage(parts[1]);
  if (parts[0] === "runs" && parts[2] === "timetables") return timetablesPage(parts[1]);
  if (parts[0] === "runs" && parts[2] === "timeline") return timelinePage(parts[1]);
  if (parts[0] === "runs" && parts[2] === "privacy") return privacyPage(parts[1]);
  throw new Error(`no page ${location.pathname}`);
}
live();
route().then(() => document.body.setAttribute("data-ready", "1")).catch(fail);
