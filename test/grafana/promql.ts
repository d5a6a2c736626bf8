// Just enough PromQL reading for the dashboard checks: which metric names and which label names an
// expression uses. Grafana's variables are replaced by plain values first.

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "inf",
  "nan",
]);

export function substituteGrafanaVars(expr: string, rateInterval = "1m"): string {
  return expr
    .replaceAll("$__rate_interval", rateInterval)
    .replaceAll("$__interval", rateInterval)
    .replaceAll("$job", ".+")
    .replaceAll("$instance", ".+");
}

/** Labels Prometheus adds to every scraped series (the dashboard's job / instance variables). */
export const TARGET_LABELS: ReadonlySet<string> = new Set(["job", "instance"]);

/** Metric names referenced by the expression (identifiers that are not functions or keywords). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
    .replace(/\[[^\]]*\]/g, "");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const ident = m[0];
    const after = stripped.slice((m.index ?? 0) + ident.length).trimStart();
    if (after.startsWith("(") || KEYWORDS.has(ident.toLowerCase())) continue;
    // Numbers like 2e9 would match the identifier pattern's tail only; skip anything preceded by a digit.
    const before = stripped[(m.index ?? 0) - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    names.add(ident);
  }
  return [...names];
}

/** [metric, label] pairs from selectors such as name{a="x",b!="y"}. */
export function selectorLabels(expr: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
    const metric = m[1] ?? "";
    for (const lm of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g))
      out.push([metric, lm[1] ?? ""]);
  }
  return out;
}

/** Labels named in by(...) / without(...) clauses. */
export function groupingLabels(expr: string): string[] {
  const out: string[] = [];
  for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const l of (m[1] ?? "").split(",")) if (l.trim() !== "") out.push(l.trim());
  }
  return out;
}

/** Sample name -> label names seen on it, from a Prometheus text exposition. */
export function exposedSeries(exposition: string): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const line of exposition.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s/.exec(line);
    if (m === null) continue;
    const name = m[1] ?? "";
    let labels = series.get(name);
    if (labels === undefined) {
      labels = new Set();
      series.set(name, labels);
    }
    for (const lm of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(lm[1] ?? "");
  }
  return series;
}
