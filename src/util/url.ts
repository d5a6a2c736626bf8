// URLs of configured upstreams (beacon node, execution client, provers): joining an API path onto a
// base that may carry a path and a query (API keys live there), and the form fit for a log line or
// an error message, which shows neither credentials, nor the base's path, nor query values.

const REDACTED = "***";

/**
 * Path segments shown as they are: the words of the Beacon, Engine and proof APIs. Any other segment
 * (an API key, a project id, a number, a root) is shown as `***`, so a key in the path never reaches
 * a log line whatever its shape.
 */
const PUBLIC_SEGMENT =
  /^(v\d{1,2}|eth|eproof|beacon|node|config|debug|events|genesis|headers|blocks|blinded_blocks|blob_sidecars|states|validators|execution_proofs|execution_proof_requests|execution_proof_verifications|proof_types|spec|version|syncing|health|head|finalized|justified|fork|finality_checkpoints|deposit_contract|identity|peers|pool|api|rpc)$/;

/**
 * `base` + `path` (`path` starts with "/" and may carry its own `?query`): the path goes after the
 * base's path, never after its query, and both queries are kept (the base's first). The base's
 * credentials stay (callers turn them into a header). Throws TypeError on an invalid base.
 */
export function joinUrl(base: string, path: string): string {
  const u = new URL(base);
  const q = path.indexOf("?");
  const pathPart = q < 0 ? path : path.slice(0, q);
  const pathQuery = q < 0 ? "" : path.slice(q + 1);
  const basePath = u.pathname.replace(/\/+$/, "");
  u.pathname = `${basePath}${pathPart.startsWith("/") || pathPart === "" ? "" : "/"}${pathPart}`;
  const query = [u.search.slice(1), pathQuery].filter((s) => s.length > 0).join("&");
  u.search = query;
  u.hash = "";
  return u.toString();
}

/**
 * A URL for a log line or an error: scheme, host and port as they are; no user:password; each path
 * segment that is not a known API word and each query value replaced by `***` (query names stay,
 * they say what was configured without saying its value); no fragment.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "<invalid url>";
  }
  const path = u.pathname
    .split("/")
    .map((seg) => (seg === "" || PUBLIC_SEGMENT.test(seg) ? seg : REDACTED))
    .join("/")
    .replace(/\/$/, "");
  const names = [...new URLSearchParams(u.search).keys()];
  const query =
    names.length > 0 ? `?${names.map((n) => `${encodeURIComponent(n)}=${REDACTED}`).join("&")}` : "";
  const host = u.host;
  return `${u.protocol}//${host}${path}${query}`;
}
