// eproof live dashboard: reads snapshots from api/state, then follows api/events (SSE), and draws
// every panel as SVG. No framework and no CDN: the page works on an offline operator box.

const SVG_NS = "http://www.w3.org/2000/svg";

/** Stage keys in pipeline order, with the colour used everywhere. */
const STAGES = [
  ["npr", "NPR", "#7f8ea8"],
  ["witness", "witness", "#4c9be8"],
  ["input", "input", "#5bc0de"],
  ["queue", "queue", "#8e7cc3"],
  ["prove", "prove", "#f0a030"],
  ["sign", "sign", "#39b39b"],
  ["publish", "publish", "#5cc16a"],
];
const OTHER_COLOR = "#4a5366";
const COLORS = {
  good: "#4cc38a",
  warn: "#f2b441",
  bad: "#ef5b5b",
  accent: "#6ea8fe",
  line: "#262d3a",
  muted: "#8a93a6",
};
const TYPE_COLORS = ["#6ea8fe", "#f0a030", "#4cc38a", "#c27cf0", "#5bc0de", "#ef8f5b", "#e6d35b"];

function el(tag, attrs, parent) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function text(parent, x, y, content, attrs) {
  const { fill, ...rest } = attrs || {};
  const t = el("text", { x, y, ...rest }, parent);
  // The stylesheet's default text fill outranks a fill attribute: colour through style instead.
  if (fill) t.style.fill = fill;
  t.textContent = content;
  return t;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function seconds(ms) {
  if (ms === null || ms === undefined) return "—";
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A round axis maximum (1, 2 or 5 times a power of ten) at or above v. */
function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(Math.max(v, 1)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function watts(w) {
  return w >= 10_000 ? `${(w / 1000).toFixed(1)}k` : `${Math.round(w)}`;
}

function coverageColor(ratio) {
  if (ratio === null) return COLORS.line;
  if (ratio >= 0.99) return COLORS.good;
  if (ratio >= 0.9) return COLORS.warn;
  return COLORS.bad;
}

/** Arc path on a circle from angle a0 to a1 (radians, 0 = 12 o'clock, clockwise). */
function arcPath(cx, cy, r, a0, a1) {
  const p = (a) => [cx + r * Math.sin(a), cy - r * Math.cos(a)];
  const [x0, y0] = p(a0);
  const [x1, y1] = p(a1);
  const large = a1 - a0 > Math.PI ? 1 : 0;
  return `M ${x0.toFixed(2)} ${y0.toFixed(2)} A ${r} ${r} 0 ${large} 1 ${x1.toFixed(2)} ${y1.toFixed(2)}`;
}

function drawCoverage(s) {
  const svg = document.getElementById("coverage-ring");
  clear(svg);
  const ratio = s.coverage.ratio;
  el("circle", { cx: 60, cy: 60, r: 48, fill: "none", stroke: COLORS.line, "stroke-width": 12 }, svg);
  if (ratio !== null && ratio > 0) {
    const end = Math.min(ratio, 0.9999) * 2 * Math.PI;
    el(
      "path",
      {
        d: arcPath(60, 60, 48, 0, end),
        fill: "none",
        stroke: coverageColor(ratio),
        "stroke-width": 12,
        "stroke-linecap": "round",
      },
      svg,
    );
  }
  const label = ratio === null ? "—" : `${(ratio * 100).toFixed(ratio === 1 ? 0 : 1)}%`;
  text(svg, 60, 66, label, {
    id: "coverage-value",
    "text-anchor": "middle",
    "font-size": 22,
    "font-weight": 650,
  });
  document.getElementById("coverage-foot").textContent =
    `${s.coverage.inTime} of ${s.coverage.blocks} slots ≤ ${s.budgetMs / 1000} s · target 99%`;
}

function drawLatency(s) {
  const svg = document.getElementById("latency-gauge");
  clear(svg);
  const maxMs = Math.max(s.budgetMs * 1.5, 1);
  const angle = (ms) => -Math.PI / 2 + Math.min(ms / maxMs, 1) * Math.PI;
  const cx = 100;
  const cy = 100;
  const r = 78;
  el(
    "path",
    {
      d: arcPath(cx, cy, r, -Math.PI / 2, angle(s.budgetMs)),
      fill: "none",
      stroke: "#23412f",
      "stroke-width": 14,
    },
    svg,
  );
  el(
    "path",
    {
      d: arcPath(cx, cy, r, angle(s.budgetMs), Math.PI / 2),
      fill: "none",
      stroke: "#4a2426",
      "stroke-width": 14,
    },
    svg,
  );
  const { p50, p90 } = s.latency;
  if (p90 !== null) {
    const a = angle(p90);
    el(
      "line",
      {
        x1: cx + (r - 10) * Math.sin(a),
        y1: cy - (r - 10) * Math.cos(a),
        x2: cx + (r + 10) * Math.sin(a),
        y2: cy - (r + 10) * Math.cos(a),
        stroke: COLORS.warn,
        "stroke-width": 3,
      },
      svg,
    );
  }
  if (p50 !== null) {
    const a = angle(p50);
    const color = p50 <= s.budgetMs ? COLORS.good : COLORS.bad;
    el(
      "line",
      {
        x1: cx,
        y1: cy,
        x2: cx + (r - 4) * Math.sin(a),
        y2: cy - (r - 4) * Math.cos(a),
        stroke: color,
        "stroke-width": 3,
        "stroke-linecap": "round",
      },
      svg,
    );
    el("circle", { cx, cy, r: 5, fill: color }, svg);
  }
  text(svg, 14, 116, "0", { class: "axis" });
  text(svg, 186, 116, `${maxMs / 1000}s`, { class: "axis", "text-anchor": "end" });
  text(svg, cx, 78, p50 === null ? "—" : seconds(p50), {
    id: "latency-value",
    "text-anchor": "middle",
    "font-size": 20,
    "font-weight": 650,
  });
  document.getElementById("latency-foot").textContent =
    `median · p90 ${seconds(p90)} · max ${seconds(s.latency.max)}`;
}

function sparkline(svg, points, color, w, h) {
  clear(svg);
  if (points.length === 0) return;
  const max = Math.max(1, ...points.map((p) => p.value));
  const step = points.length > 1 ? w / (points.length - 1) : 0;
  const xy = points.map((p, i) => [i * step, h - 2 - (p.value / max) * (h - 6)]);
  const line = xy.map(([x, y], i) => `${i === 0 ? "M" : "L"} ${x.toFixed(1)} ${y.toFixed(1)}`).join(" ");
  el("path", { d: `${line} L ${w} ${h} L 0 ${h} Z`, fill: color, "fill-opacity": 0.15 }, svg);
  el("path", { d: line, fill: "none", stroke: color, "stroke-width": 2 }, svg);
}

function drawPeers(s) {
  document.getElementById("peers-value").textContent = String(s.peers.current);
  document.getElementById("peers-aware").textContent =
    s.peers.proofAware === null ? "" : `${s.peers.proofAware} proof-aware`;
  sparkline(document.getElementById("peers-spark"), s.peers.history, COLORS.accent, 200, 50);
}

function drawPowerCard(s) {
  document.getElementById("power-value").textContent = watts(s.power.currentWatts);
  const svg = document.getElementById("power-bar");
  clear(svg);
  const frac = Math.min(s.power.currentWatts / s.power.targetWatts, 1);
  const color = frac < 0.8 ? COLORS.good : frac < 1 ? COLORS.warn : COLORS.bad;
  el("rect", { x: 0, y: 4, width: 200, height: 12, rx: 6, fill: COLORS.line }, svg);
  el("rect", { x: 0, y: 4, width: Math.max(frac * 200, 2), height: 12, rx: 6, fill: color }, svg);
  text(
    svg,
    0,
    31,
    `${((s.power.currentWatts / s.power.targetWatts) * 100).toFixed(1)}% of ${s.power.targetWatts / 1000} kW target`,
    { class: "axis" },
  );
}

function drawLegend() {
  const ul = document.getElementById("stage-legend");
  if (ul.childElementCount > 0) return;
  for (const [, label, color] of STAGES) {
    const li = document.createElement("li");
    const sw = document.createElement("i");
    sw.style.background = color;
    li.append(sw, label);
    ul.appendChild(li);
  }
  // Outcome markers drawn above each bar.
  for (const [mark, label, color] of [
    ["●", "in time", COLORS.good],
    ["●", "late", COLORS.warn],
    ["×", "missed", COLORS.bad],
    ["⊘", "orphaned (reorg)", COLORS.muted],
  ]) {
    const li = document.createElement("li");
    const b = document.createElement("b");
    b.textContent = `${mark} `;
    b.style.color = color;
    li.append(b, label);
    ul.appendChild(li);
  }
}

function drawTimeline(s) {
  const svg = document.getElementById("timeline");
  clear(svg);
  const W = 960;
  const H = 300;
  const left = 44;
  const right = 12;
  const top = 14;
  const bottom = 30;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const slots = s.slots;
  const worst = Math.max(0, ...slots.map((b) => b.provedMs || 0));
  const maxMs = Math.min(Math.max(s.budgetMs * 1.25, worst * 1.05), s.budgetMs * 3);
  const y = (ms) => top + plotH - (Math.min(ms, maxMs) / maxMs) * plotH;

  for (let sec = 0; sec * 1000 <= maxMs; sec += maxMs > 20_000 ? 5 : 2) {
    el("line", { x1: left, x2: W - right, y1: y(sec * 1000), y2: y(sec * 1000), class: "grid" }, svg);
    text(svg, left - 6, y(sec * 1000) + 4, `${sec}s`, { class: "axis", "text-anchor": "end" });
  }

  if (slots.length === 0) {
    text(svg, W / 2, H / 2, "waiting for blocks…", {
      class: "axis",
      "text-anchor": "middle",
      "font-size": 14,
    });
  } else {
    const first = slots[0].slot;
    const last = slots[slots.length - 1].slot;
    const columns = Math.max(last - first + 1, 24);
    const colW = plotW / columns;
    const barW = Math.max(Math.min(colW * 0.72, 26), 2);
    const labelEvery = Math.ceil(columns / 12);
    for (const b of slots) {
      const cx = left + (b.slot - first + 0.5) * colW;
      const g = el("g", { class: `slot ${b.outcome}`, "data-slot": b.slot, "data-outcome": b.outcome }, svg);
      const title = el("title", {}, g);
      const parts = STAGES.filter(([k]) => b.stages[k] !== undefined).map(
        ([k, label]) => `${label} ${seconds(b.stages[k])}`,
      );
      title.textContent = `slot ${b.slot} · ${b.txs} txs · ${(b.gasUsed / 1e6).toFixed(1)} Mgas\n${
        b.outcome === "orphaned"
          ? "orphaned by a reorg"
          : b.provedMs === null
            ? "no proof"
            : `proved in ${seconds(b.provedMs)}`
      }${parts.length ? `\n${parts.join(" · ")}` : ""}\n${b.proofTypes.join(", ")}${b.verifiedBy ? `\nverified by ${b.verifiedBy}` : ""}`;

      if (b.outcome === "orphaned") {
        text(g, cx, top + plotH - 6, "⊘", {
          "text-anchor": "middle",
          fill: COLORS.muted,
          "font-size": 14,
          "font-weight": 700,
        });
      } else if (b.outcome === "not_proving") {
        el("rect", { x: cx - barW / 2, y: top + plotH - 3, width: barW, height: 3, fill: OTHER_COLOR }, g);
      } else if (b.outcome === "missed") {
        el(
          "rect",
          { x: cx - barW / 2, y: top, width: barW, height: plotH, fill: COLORS.bad, "fill-opacity": 0.12 },
          g,
        );
        text(g, cx, top + plotH - 6, "×", {
          "text-anchor": "middle",
          fill: COLORS.bad,
          "font-size": 16,
          "font-weight": 700,
        });
      } else {
        let acc = 0;
        for (const [k, , color] of STAGES) {
          const ms = b.stages[k];
          if (ms === undefined || ms <= 0) continue;
          el(
            "rect",
            {
              class: "stage",
              x: cx - barW / 2,
              y: y(acc + ms),
              width: barW,
              height: Math.max(y(acc) - y(acc + ms), 0.5),
              fill: color,
            },
            g,
          );
          acc += ms;
        }
        if (b.provedMs !== null && b.provedMs > acc) {
          el(
            "rect",
            {
              class: "stage",
              x: cx - barW / 2,
              y: y(b.provedMs),
              width: barW,
              height: y(acc) - y(b.provedMs),
              fill: OTHER_COLOR,
            },
            g,
          );
        }
        const tip = Math.max(acc, b.provedMs || 0);
        el(
          "circle",
          { cx, cy: y(tip) - 6, r: 3, fill: b.outcome === "in_time" ? COLORS.good : COLORS.warn },
          g,
        );
      }
      if ((b.slot - first) % labelEvery === 0) {
        text(svg, cx, H - 10, String(b.slot), { class: "axis", "text-anchor": "middle" });
      }
    }
  }
  el("line", { x1: left, x2: W - right, y1: y(s.budgetMs), y2: y(s.budgetMs), class: "budget" }, svg);
  text(svg, W - right - 4, y(s.budgetMs) - 5, `${s.budgetMs / 1000} s budget`, {
    "text-anchor": "end",
    fill: COLORS.bad,
    "font-size": 12,
  });
}

function drawProofTypes(s) {
  const svg = document.getElementById("proof-types");
  clear(svg);
  const entries = Object.entries(s.proofTypes).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) {
    text(svg, 230, 100, "no proofs yet", { class: "axis", "text-anchor": "middle", "font-size": 14 });
    return;
  }
  const max = Math.max(...entries.map(([, n]) => n));
  const rowH = Math.min(180 / entries.length, 34);
  entries.forEach(([name, n], i) => {
    const yy = (200 - entries.length * rowH) / 2 + i * rowH;
    const w = (n / max) * 270;
    text(svg, 0, yy + rowH / 2 + 4, name, { "font-size": 13 });
    el(
      "rect",
      {
        class: "type-bar",
        x: 120,
        y: yy + rowH * 0.18,
        width: Math.max(w, 2),
        height: rowH * 0.64,
        rx: 3,
        fill: TYPE_COLORS[i % TYPE_COLORS.length],
      },
      svg,
    );
    text(svg, 120 + w + 8, yy + rowH / 2 + 4, String(n), { class: "axis", "font-size": 12 });
  });
}

function drawPowerChart(s) {
  const svg = document.getElementById("power-chart");
  clear(svg);
  const W = 460;
  const H = 200;
  const left = 40;
  const bottom = 20;
  const pts = s.power.history;
  document.getElementById("gpu-count").textContent = `${s.gpus.length} GPU${s.gpus.length === 1 ? "" : "s"}`;
  if (pts.length === 0) {
    text(svg, W / 2, H / 2, "no GPU telemetry", { class: "axis", "text-anchor": "middle", "font-size": 14 });
    return;
  }
  const peak = Math.max(...pts.map((p) => p.value), 1);
  const max = niceMax(peak * 1.15);
  const y = (v) => 8 + (H - bottom - 8) * (1 - v / max);
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    el("line", { x1: left, x2: W, y1: y(max * f), y2: y(max * f), class: "grid" }, svg);
    text(svg, left - 6, y(max * f) + 4, max * f >= 1000 ? `${(max * f) / 1000}k` : String(max * f), {
      class: "axis",
      "text-anchor": "end",
    });
  }
  const step = pts.length > 1 ? (W - left) / (pts.length - 1) : 0;
  const line = pts
    .map((p, i) => `${i === 0 ? "M" : "L"} ${(left + i * step).toFixed(1)} ${y(p.value).toFixed(1)}`)
    .join(" ");
  el(
    "path",
    {
      d: `${line} L ${left + (pts.length - 1) * step} ${y(0)} L ${left} ${y(0)} Z`,
      fill: COLORS.warn,
      "fill-opacity": 0.18,
    },
    svg,
  );
  el("path", { d: line, fill: "none", stroke: COLORS.warn, "stroke-width": 2 }, svg);
  const target = s.power.targetWatts;
  if (target <= max) {
    el("line", { x1: left, x2: W, y1: y(target), y2: y(target), class: "budget" }, svg);
    text(svg, W - 4, y(target) + 14, `${target / 1000} kW target`, {
      "text-anchor": "end",
      fill: COLORS.bad,
      "font-size": 12,
    });
  } else {
    text(svg, W - 4, H - 4, `${((peak / target) * 100).toFixed(1)}% of ${target / 1000} kW target at peak`, {
      class: "axis",
      "text-anchor": "end",
    });
  }
}

function drawGpus(s) {
  const box = document.getElementById("gpus");
  box.replaceChildren();
  if (s.gpus.length === 0) {
    const p = document.createElement("div");
    p.className = "empty";
    p.textContent = "No GPUs reporting (CPU proving only, or nvidia-smi unavailable).";
    box.appendChild(p);
    return;
  }
  for (const g of s.gpus) {
    const card = document.createElement("div");
    card.className = "gpu";
    card.dataset.gpu = g.gpu;
    const name = document.createElement("div");
    name.className = "name";
    name.textContent = `#${g.gpu} ${g.model.replace(/^NVIDIA (GeForce )?/, "")}`;
    name.title = g.model;
    card.appendChild(name);
    const svg = el("svg", { viewBox: "0 0 180 70" }, card);
    // Utilisation ring on the left, power / memory bars and temperature on the right.
    el("circle", { cx: 30, cy: 35, r: 24, fill: "none", stroke: COLORS.line, "stroke-width": 7 }, svg);
    if (g.utilization > 0) {
      el(
        "path",
        {
          d: arcPath(30, 35, 24, 0, Math.min(g.utilization, 0.9999) * 2 * Math.PI),
          fill: "none",
          stroke: COLORS.accent,
          "stroke-width": 7,
        },
        svg,
      );
    }
    text(svg, 30, 39, `${Math.round(g.utilization * 100)}%`, { "text-anchor": "middle", "font-size": 12 });
    const bar = (yy, frac, color, label) => {
      el("rect", { x: 66, y: yy, width: 110, height: 7, rx: 3, fill: COLORS.line }, svg);
      el(
        "rect",
        { x: 66, y: yy, width: Math.max(Math.min(frac, 1) * 110, 1), height: 7, rx: 3, fill: color },
        svg,
      );
      text(svg, 66, yy - 3, label, { class: "axis", "font-size": 10 });
    };
    bar(16, g.powerWatts / 600, COLORS.warn, `${Math.round(g.powerWatts)} W`);
    const mem = g.memoryTotalBytes > 0 ? g.memoryUsedBytes / g.memoryTotalBytes : 0;
    bar(
      40,
      mem,
      "#c27cf0",
      `${(g.memoryUsedBytes / 2 ** 30).toFixed(1)} / ${(g.memoryTotalBytes / 2 ** 30).toFixed(0)} GiB`,
    );
    const hot =
      g.temperatureCelsius >= 83 ? COLORS.bad : g.temperatureCelsius >= 75 ? COLORS.warn : COLORS.muted;
    text(svg, 176, 66, `${Math.round(g.temperatureCelsius)} °C`, {
      "text-anchor": "end",
      "font-size": 11,
      fill: hot,
    });
    box.appendChild(card);
  }
}

function render(s) {
  drawLegend();
  const last = s.slots[s.slots.length - 1];
  document.getElementById("head-slot").textContent = last ? `slot ${last.slot}` : "slot —";
  drawCoverage(s);
  drawLatency(s);
  drawPeers(s);
  drawPowerCard(s);
  drawTimeline(s);
  drawProofTypes(s);
  drawPowerChart(s);
  drawGpus(s);
  document.body.dataset.updatedAt = String(s.generatedAt);
}

function setConnected(on) {
  const c = document.getElementById("conn");
  c.className = `conn ${on ? "on" : "off"}`;
  c.textContent = on ? "live" : "offline";
}

async function poll() {
  try {
    const res = await fetch("api/state", { cache: "no-store" });
    if (res.ok) render(await res.json());
  } catch {
    setConnected(false);
  }
}

function follow() {
  if (typeof EventSource === "undefined") {
    setInterval(poll, 2000);
    return;
  }
  const es = new EventSource("api/events");
  es.addEventListener("state", (ev) => {
    setConnected(true);
    render(JSON.parse(ev.data));
  });
  es.onerror = () => {
    setConnected(false);
    // Refused for good (e.g. 503: too many event clients): fall back to polling the snapshot.
    if (es.readyState === EventSource.CLOSED) setInterval(poll, 2000);
  };
}

poll().then(follow);
