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

/** The URL without credentials, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "<invalid url>";
  }
}
