// A real HTTP server speaking the Beacon API for tests: serves blocks built with @lodestar/types
// around the real zkboost-devnet payload, as SSZ or (like old Lodestar) JSON only, and an SSE
// `/eth/v1/events` stream the test writes raw bytes to, drops, or refuses.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { electra, gloas } from "@lodestar/types";
import { ssz } from "@lodestar/types";
import {
  blockRootOf,
  type DecodedBlock,
  encodeSignedBlockJson,
  encodeSignedBlockSsz,
} from "../../src/beacon/blockToNpr.ts";
import { decodeNpr } from "../../src/spec/newPayloadRequest.ts";
import { toHex } from "../../src/util/hex.ts";

export const FIXTURES = new URL("../../../shared/fixtures/", import.meta.url);

export function zkboostNpr(): electra.NewPayloadRequest {
  const bytes = readFileSync(new URL("zkboost-devnet/new_payload_request.ssz", FIXTURES));
  return decodeNpr("fulu", bytes).value as electra.NewPayloadRequest;
}

/** A fulu block carrying the zkboost payload; `variant` changes the graffiti so sibling blocks differ. */
export function fuluBlockAround(
  npr: electra.NewPayloadRequest,
  slot: number,
  parentRoot: Uint8Array,
  variant = 0,
): DecodedBlock {
  const block = ssz.fulu.SignedBeaconBlock.defaultValue();
  block.message.slot = slot;
  block.message.parentRoot = parentRoot;
  block.message.body.graffiti = new Uint8Array(32).fill(variant);
  block.message.body.executionPayload = npr.executionPayload;
  block.message.body.executionRequests = npr.executionRequests;
  block.message.body.blobKzgCommitments = [];
  return { fork: "fulu", block };
}

interface ServedBlock {
  decoded: DecodedBlock;
  root: string;
  slot: number;
  parentRoot: string;
}

export class BeaconTestServer {
  readonly blocks = new Map<string, ServedBlock>();
  /** slot → root of the canonical chain. */
  readonly canonical = new Map<number, string>();
  headRoot = "";
  finalized = { epoch: 0, root: `0x${"00".repeat(32)}` };
  /** Answer block requests with JSON even when SSZ is asked (Lodestar 1.5.1 behaviour). */
  jsonOnly = false;
  /** Answer event-stream requests with this status instead of a stream. */
  eventsStatus = 200;
  /** When set, every request (events, headers, blocks, ...) is answered with this status: the node is down. */
  downStatus: number | undefined;
  /** Send the event stream's headers only with its first event (Lodestar 1.5.1 behaviour). */
  eventHeadersWithFirstEvent = false;
  readonly requests: string[] = [];
  /** Paths answered with this status and a text body (upstream failure). */
  readonly failPaths = new Map<string, number>();
  /** Paths never answered (timeouts). */
  readonly hangPaths = new Set<string>();
  /** Paths answered 200 with a body that is not JSON. */
  readonly garbagePaths = new Set<string>();
  validators: { index: number; pubkey: string; status: string }[] = [];
  /** Gloas payload envelopes by block root, served once present. */
  readonly envelopes = new Map<string, gloas.SignedExecutionPayloadEnvelope>();
  readonly eventQueries: string[] = [];
  readonly eventLastIds: (string | undefined)[] = [];
  private readonly streams = new Set<ServerResponse>();
  private server?: Server;
  private connectWaiters: (() => void)[] = [];
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const addr = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    this.dropStreams();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Adds a block on top of `parent` (default: the head) and makes it the canonical head. */
  addBlock(decoded: DecodedBlock): string {
    const root = toHex(blockRootOf(decoded));
    const slot = decoded.block.message.slot;
    this.blocks.set(root, { decoded, root, slot, parentRoot: toHex(decoded.block.message.parentRoot) });
    // Re-derive the canonical chain from the new head.
    this.canonical.clear();
    let cur: ServedBlock | undefined = this.blocks.get(root);
    while (cur) {
      this.canonical.set(cur.slot, cur.root);
      cur = this.blocks.get(cur.parentRoot);
    }
    this.headRoot = root;
    return root;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Resolves once `n` event-stream connections have been opened in total. */
  waitForConnections(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.eventQueries.length >= n) resolve();
        else this.connectWaiters.push(check);
      };
      check();
    });
  }

  /** Writes raw SSE text to every open stream. */
  send(raw: string): void {
    for (const s of this.streams) s.write(raw);
  }

  sendHead(root: string): void {
    const b = this.blocks.get(root);
    this.send(`event: block\ndata: {"slot":"${b?.slot}","block":"${root}"}\n\n`);
    this.send(`event: head\ndata: {"slot":"${b?.slot}","block":"${root}","state":"${root}"}\n\n`);
  }

  dropStreams(): void {
    for (const s of this.streams) s.destroy();
    this.streams.clear();
  }

  private resolveId(id: string): ServedBlock | undefined {
    if (id === "head") return this.blocks.get(this.headRoot);
    if (/^[0-9]+$/.test(id)) {
      const root = this.canonical.get(Number(id));
      return root ? this.blocks.get(root) : undefined;
    }
    return this.blocks.get(id.toLowerCase());
  }

  private json(res: ServerResponse, status: number, body: unknown): true {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
    return true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://x");
    this.requests.push(url.pathname);
    const p = url.pathname;
    if (this.downStatus !== undefined)
      return this.json(res, this.downStatus, { code: this.downStatus, message: "down" });
    if (p === "/eth/v1/events") {
      if (this.eventsStatus !== 200)
        return this.json(res, this.eventsStatus, { code: this.eventsStatus, message: "down" });
      this.eventQueries.push(url.search);
      const lastId = req.headers["last-event-id"];
      this.eventLastIds.push(Array.isArray(lastId) ? lastId[0] : lastId);
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (!this.eventHeadersWithFirstEvent) res.flushHeaders();
      this.streams.add(res);
      res.on("close", () => this.streams.delete(res));
      const waiters = this.connectWaiters;
      this.connectWaiters = [];
      for (const w of waiters) w();
      return true;
    }
    const failStatus = this.failPaths.get(p);
    if (failStatus !== undefined) {
      res.writeHead(failStatus, { "content-type": "text/plain" });
      res.end("internal error");
      return true;
    }
    if (this.hangPaths.has(p)) return true;
    if (this.garbagePaths.has(p)) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{not json");
      return true;
    }
    if (/^\/eth\/v1\/beacon\/states\/[^/]+\/validators$/.test(p)) {
      const ids = url.searchParams.getAll("id").map(Number);
      const data = this.validators
        .filter((v) => ids.length === 0 || ids.includes(v.index))
        .map((v) => ({
          index: String(v.index),
          balance: "32000000000",
          status: v.status,
          validator: { pubkey: v.pubkey },
        }));
      return this.json(res, 200, { data });
    }
    const envelopeRoot = p.match(/^\/eth\/v1\/beacon\/execution_payload_envelope\/([^/]+)$/)?.[1];
    if (envelopeRoot !== undefined) {
      const env = this.envelopes.get(envelopeRoot.toLowerCase());
      if (!env) return this.json(res, 404, { code: 404, message: "payload not revealed" });
      res.writeHead(200, { "content-type": "application/octet-stream", "eth-consensus-version": "gloas" });
      res.end(ssz.gloas.SignedExecutionPayloadEnvelope.serialize(env));
      return true;
    }
    if (p === "/eth/v1/config/fork_schedule") {
      return this.json(res, 200, {
        data: [{ previous_version: "0x10000038", current_version: "0x60000038", epoch: "0" }],
      });
    }
    if (p === "/eth/v1/config/spec")
      return this.json(res, 200, { data: { SLOTS_PER_EPOCH: "8", SECONDS_PER_SLOT: "12" } });
    if (p === "/eth/v1/beacon/genesis") {
      return this.json(res, 200, {
        data: {
          genesis_time: "1700000000",
          genesis_validators_root: `0x${"11".repeat(32)}`,
          genesis_fork_version: "0x10000038",
        },
      });
    }
    if (/^\/eth\/v1\/beacon\/states\/[^/]+\/finality_checkpoints$/.test(p)) {
      const cp = { epoch: String(this.finalized.epoch), root: this.finalized.root };
      return this.json(res, 200, { data: { previous_justified: cp, current_justified: cp, finalized: cp } });
    }
    const headerId = p.match(/^\/eth\/v1\/beacon\/headers\/([^/]+)$/)?.[1];
    if (headerId !== undefined) {
      const b = this.resolveId(headerId);
      if (!b) return this.json(res, 404, { code: 404, message: "not found" });
      return this.json(res, 200, {
        data: {
          root: b.root,
          canonical: this.canonical.get(b.slot) === b.root,
          header: { message: { slot: String(b.slot), parent_root: b.parentRoot } },
        },
      });
    }
    const blockId = p.match(/^\/eth\/v2\/beacon\/blocks\/([^/]+)$/)?.[1];
    if (blockId !== undefined) {
      const b = this.resolveId(blockId);
      if (!b) return this.json(res, 404, { code: 404, message: "not found" });
      const wantsSsz = (req.headers.accept ?? "").includes("application/octet-stream");
      if (wantsSsz && !this.jsonOnly) {
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "eth-consensus-version": b.decoded.fork,
        });
        res.end(encodeSignedBlockSsz(b.decoded));
        return true;
      }
      return this.json(res, 200, { version: b.decoded.fork, data: encodeSignedBlockJson(b.decoded) });
    }
    return this.json(res, 404, { code: 404, message: `no route ${p}` });
  }
}
