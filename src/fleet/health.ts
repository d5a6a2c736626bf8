// Endpoint health for the fleet view: GET {url}/health on ere-servers and zkboost nodes alike, and
// what answers: an ere-server (twirp api.ZkvmService) or a zkboost-compatible node (/v1/proof_types);
// anything else that answers /health is not a prover eproof can use.
import { request } from "undici";
import { PROTOBUF_CONTENT_TYPE } from "../proving/backends/ereProtocol.ts";
import { errorMessage } from "../util/errors.ts";

export interface EndpointHealth {
  url: string;
  ok: boolean;
  /** Round trip of the health call. */
  ms: number;
  detail?: string;
  /** What answered, when it is healthy. */
  kind?: "ere" | "zkboost";
}

/** ere-server if its twirp ZkvmService answers (a twirp error other than bad_route counts), zkboost if /v1/proof_types does. */
export async function identifyEndpoint(
  url: string,
  timeoutMs = 3_000,
): Promise<"ere" | "zkboost" | undefined> {
  const base = url.replace(/\/+$/, "");
  try {
    const res = await request(`${base}/twirp/api.ZkvmService/ProgramVk`, {
      method: "POST",
      headers: { "content-type": PROTOBUF_CONTENT_TYPE },
      body: new Uint8Array(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const type = String(res.headers["content-type"] ?? "");
    const text = await res.body.text();
    if (res.statusCode === 200 && type.includes("protobuf")) return "ere";
    if (type.includes("json")) {
      const code = (JSON.parse(text) as { code?: unknown }).code;
      if (typeof code === "string" && code !== "bad_route") return "ere";
    }
  } catch {
    // Not a twirp server; try zkboost.
  }
  try {
    const res = await request(`${base}/v1/proof_types`, {
      method: "GET",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode === 200 && text.trimStart().startsWith("{")) return "zkboost";
  } catch {
    // Neither.
  }
  return undefined;
}

export async function checkEndpointHealth(url: string, timeoutMs = 3_000): Promise<EndpointHealth> {
  const started = performance.now();
  const base = url.replace(/\/+$/, "");
  try {
    const res = await request(`${base}/health`, { method: "GET", signal: AbortSignal.timeout(timeoutMs) });
    await res.body.dump();
    const ms = performance.now() - started;
    if (res.statusCode === 200) {
      const kind = await identifyEndpoint(base, timeoutMs);
      return kind
        ? { url: base, ok: true, ms, kind }
        : {
            url: base,
            ok: false,
            ms,
            detail: "answers /health but is neither an ere-server (twirp api.ZkvmService) nor a zkboost node",
          };
    }
    return {
      url: base,
      ok: false,
      ms,
      detail: `HTTP ${res.statusCode} (warming up, or a prove ran past its timeout)`,
    };
  } catch (e) {
    return { url: base, ok: false, ms: performance.now() - started, detail: errorMessage(e) };
  }
}
