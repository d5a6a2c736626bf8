// Small response helpers: JSON and raw bytes with explicit content-length.
import type { ServerResponse } from "node:http";

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendBytes(
  res: ServerResponse,
  bytes: Uint8Array,
  contentType = "application/octet-stream",
): void {
  res.writeHead(200, { "content-type": contentType, "content-length": bytes.byteLength });
  res.end(bytes);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType = "text/plain",
): void {
  res.writeHead(status, {
    "content-type": `${contentType}; charset=utf-8`,
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
