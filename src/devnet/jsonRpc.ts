// Minimal JSON-RPC over HTTP for the devnet's own health checks and transaction generator.
import { EproofError } from "../util/errors.ts";

interface JsonRpcResponse {
  result?: unknown;
  error?: { code: number; message: string };
}

let nextId = 1;

export async function jsonRpcCall(
  url: string,
  method: string,
  params: unknown[],
  timeoutMs = 10_000,
): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new EproofError("UPSTREAM", `${method}: HTTP ${res.status}`);
  const body = (await res.json()) as JsonRpcResponse;
  if (body.error !== undefined) throw new EproofError("UPSTREAM", `${method}: ${body.error.message}`);
  return body.result;
}

export async function jsonRpcHex(url: string, method: string, params: unknown[]): Promise<string> {
  const r = await jsonRpcCall(url, method, params);
  if (typeof r !== "string") throw new EproofError("UPSTREAM", `${method}: expected a hex string`);
  return r;
}
