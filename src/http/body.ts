// Request bodies with a hard byte limit: the limit is checked against content-length up front and
// against the bytes actually received, so a lying or chunked client cannot exceed it.
import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.ts";

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    // Drain nothing: the server closes the connection after the 413.
    return Promise.reject(HttpError.payloadTooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        req.pause();
        reject(HttpError.payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on("error", (e) => {
      if (!failed) {
        failed = true;
        reject(HttpError.badRequest(`request body could not be read: ${e.message}`));
      }
    });
  });
}

/** Parses a JSON body; a syntax error is a 400 naming the problem. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw HttpError.badRequest(`body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}
