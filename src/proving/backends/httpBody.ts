// Bounded reads of undici response bodies: a misbehaving server cannot make eproof buffer unbounded bytes.
import type { Dispatcher } from "undici";
import { EproofError } from "../../util/errors.ts";

export async function readBodyBounded(
  body: Dispatcher.ResponseData["body"],
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    const bytes = chunk instanceof Uint8Array ? chunk : new TextEncoder().encode(String(chunk));
    total += bytes.length;
    if (total > maxBytes) {
      body.destroy();
      throw new EproofError("UPSTREAM", `${what} response exceeds ${maxBytes} bytes`);
    }
    chunks.push(bytes);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** A backend endpoint URL, checked to be http(s), without trailing slashes; its host names the backend. */
export function parseEndpointUrl(kind: string, url: string): { url: string; host: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // An unparsable value may still hold credentials: show it only when it has no "user@" part.
    const shown = url.includes("@") ? "" : ` "${url}"`;
    throw new EproofError("BAD_CONFIG", `${kind} endpoint${shown} is not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    // Only the scheme: other schemes keep "user:pass@" in their text, which redaction cannot strip.
    throw new EproofError("BAD_CONFIG", `${kind} endpoint must be http(s), not ${parsed.protocol}`);
  }
  return { url: url.replace(/\/+$/, ""), host: parsed.host };
}
