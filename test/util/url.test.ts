import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpBeaconClient } from "../../src/beacon/httpBeaconClient.ts";
import { systemClock } from "../../src/util/clock.ts";
import { errorMessage } from "../../src/util/errors.ts";
import { joinUrl, redactUrl } from "../../src/util/url.ts";

describe("redactUrl", () => {
  it("drops credentials, keys in the path and query values", () => {
    expect(redactUrl("http://user:pass@127.0.0.1:5052")).toBe("http://127.0.0.1:5052");
    expect(redactUrl("https://eth-mainnet.g.alchemy.com/v2/AbCdEf123456")).toBe(
      "https://eth-mainnet.g.alchemy.com/v2/***",
    );
    expect(redactUrl("https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161")).toBe(
      "https://mainnet.infura.io/v3/***",
    );
    expect(redactUrl("https://beacon.example/eth/v1/beacon/genesis?apikey=SECRET&x=1")).toBe(
      "https://beacon.example/eth/v1/beacon/genesis?apikey=***&x=***",
    );
    expect(redactUrl("https://host/node-key-lowercase/eth/v1/events?topics=head")).toBe(
      "https://host/***/eth/v1/events?topics=***",
    );
  });

  it("never shows a secret that a real configured URL carries", () => {
    const secret = "s3cr3tKey";
    for (const url of [
      `https://h/${secret}`,
      `https://h/a/${secret}/eth/v1/beacon/genesis`,
      `https://h/?key=${secret}`,
      `https://h/#${secret}`,
      `https://u:${secret}@h/`,
    ]) {
      expect(redactUrl(url)).not.toContain(secret);
    }
    expect(redactUrl("not a url")).toBe("<invalid url>");
  });
});

describe("joinUrl", () => {
  it("puts the path after the base's path and before its query", () => {
    expect(joinUrl("http://127.0.0.1:5052", "/eth/v1/beacon/genesis")).toBe(
      "http://127.0.0.1:5052/eth/v1/beacon/genesis",
    );
    expect(joinUrl("https://h/key/", "/eth/v1/beacon/genesis")).toBe("https://h/key/eth/v1/beacon/genesis");
    expect(joinUrl("https://h/?apikey=X", "/eth/v1/beacon/genesis")).toBe(
      "https://h/eth/v1/beacon/genesis?apikey=X",
    );
    expect(joinUrl("https://h/p?apikey=X", "/eth/v1/events?topics=head")).toBe(
      "https://h/p/eth/v1/events?apikey=X&topics=head",
    );
    expect(joinUrl("https://u:p@h/", "/x")).toBe("https://u:p@h/x");
  });
});

describe("HttpBeaconClient on a base URL with a query", () => {
  let server: Server;
  let base = "";
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? "");
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("nope");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix/KEY123?apikey=SECRET`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("requests the API path with the key kept in the query, and names neither in its error", async () => {
    const client = new HttpBeaconClient({ baseUrl: base, requestTimeoutMs: 5000 }, { clock: systemClock });
    const err = await client.getGenesis().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(seen.at(-1)).toBe("/prefix/KEY123/eth/v1/beacon/genesis?apikey=SECRET");
    const message = errorMessage(err);
    expect(message).toContain("/eth/v1/beacon/genesis");
    expect(message).not.toContain("SECRET");
    expect(message).not.toContain("KEY123");
    expect(client.url).not.toContain("SECRET");
  });
});
