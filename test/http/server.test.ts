import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { sendJson } from "../../src/http/respond.ts";
import { HttpServer } from "../../src/http/server.ts";
import { EproofError } from "../../src/util/errors.ts";
import { silentLogger } from "../../src/util/logger.ts";

const servers: HttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function serve(
  opts: ConstructorParameters<typeof HttpServer>[0] = {},
): Promise<{ s: HttpServer; base: string }> {
  const s = new HttpServer({ port: 0, ...opts }, { logger: silentLogger() });
  s.route("GET", "/items/{id}/{kind}", (_req, res, ctx) =>
    sendJson(res, 200, { ...ctx.params, q: ctx.query.get("q") }),
  );
  s.route("POST", "/echo", async (_req, res, ctx) =>
    sendJson(res, 200, { bytes: (await ctx.body()).length }),
  );
  s.route("GET", "/bad", () => {
    throw new EproofError("BAD_INPUT", "nope");
  });
  s.route("GET", "/boom", () => {
    throw new Error("secret internals");
  });
  servers.push(s);
  const { port, host } = await s.start();
  expect(host).toBe("127.0.0.1");
  return { s, base: `http://127.0.0.1:${port}` };
}

function chunkedPost(
  url: string,
  chunks: number,
  chunkSize: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    let i = 0;
    const write = (): void => {
      if (i++ >= chunks) {
        req.end();
        return;
      }
      if (req.write(Buffer.alloc(chunkSize, 1))) setImmediate(write);
      else req.once("drain", write);
    };
    write();
  });
}

describe("HttpServer", () => {
  it("routes with decoded path parameters and query", async () => {
    const { base } = await serve();
    const res = await fetch(`${base}/items/a%20b/c?q=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "a b", kind: "c", q: "1" });
  });

  it("answers 404 for unknown paths and 405 for a known path with another method, in the error shape", async () => {
    const { base } = await serve();
    const r404 = await fetch(`${base}/nothing`);
    expect(r404.status).toBe(404);
    expect(await r404.json()).toMatchObject({ code: 404 });
    const r405 = await fetch(`${base}/echo`);
    expect(r405.status).toBe(405);
    expect(await r405.json()).toMatchObject({ code: 405 });
  });

  it("maps input errors to 400 and unexpected errors to 500 without leaking their message", async () => {
    const { base } = await serve();
    const bad = await fetch(`${base}/bad`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ code: 400, message: "nope" });
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    const body = (await boom.json()) as { message: string };
    expect(body.message).not.toContain("secret");
    // The server still serves after a handler blew up.
    expect((await fetch(`${base}/items/1/2`)).status).toBe(200);
  });

  it("enforces the body limit by content-length and by bytes actually streamed", async () => {
    const { base } = await serve({ maxBodyBytes: 1000 });
    const ok = await fetch(`${base}/echo`, { method: "POST", body: new Uint8Array(1000) });
    expect(await ok.json()).toEqual({ bytes: 1000 });
    const big = await fetch(`${base}/echo`, { method: "POST", body: new Uint8Array(1001) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 413 });
    const chunked = await chunkedPost(`${base}/echo`, 10, 400);
    expect(chunked.status).toBe(413);
  });

  it("sends no CORS headers by default", async () => {
    const { base } = await serve();
    const res = await fetch(`${base}/items/1/2`, { headers: { origin: "http://evil.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await fetch(`${base}/items/1/2`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example" },
    });
    expect(pre.status).toBe(405);
  });

  it("allows only listed origins when CORS is configured", async () => {
    const { base } = await serve({ corsOrigins: ["http://dash.local"] });
    const ok = await fetch(`${base}/items/1/2`, { headers: { origin: "http://dash.local" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://dash.local");
    const other = await fetch(`${base}/items/1/2`, { headers: { origin: "http://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await fetch(`${base}/echo`, { method: "OPTIONS", headers: { origin: "http://dash.local" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
  });
});
