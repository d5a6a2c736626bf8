// Endpoint health for the fleet view: GET {url}/health on ere-servers and zkboost nodes alike.
import { request } from "undici";
import { errorMessage } from "../util/errors.ts";

export interface EndpointHealth {
  url: string;
  ok: boolean;
  /** Round trip of the health call. */
  ms: number;
  detail?: string;
}

export async function checkEndpointHealth(url: string, timeoutMs = 3_000): Promise<EndpointHealth> {
  const started = performance.now();
  const base = url.replace(/\/+$/, "");
  try {
    const res = await request(`${base}/health`, { method: "GET", signal: AbortSignal.timeout(timeoutMs) });
    await res.body.dump();
    const ms = performance.now() - started;
    return res.statusCode === 200
      ? { url: base, ok: true, ms }
      : {
          url: base,
          ok: false,
          ms,
          detail: `HTTP ${res.statusCode} (warming up, or a prove ran past its timeout)`,
        };
  } catch (e) {
    return { url: base, ok: false, ms: performance.now() - started, detail: errorMessage(e) };
  }
}
