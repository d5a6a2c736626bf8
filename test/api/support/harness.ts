// Starts the API server over a real LevelDB store and the test ProofService; reads SSE streams.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiMetrics, ApiOpts, ForkchoiceNotification } from "../../../src/api/options.ts";
import { type ApiServer, createApiServer } from "../../../src/api/server.ts";
import type { ProofTypeInfo } from "../../../src/proving/interface.ts";
import { decodeNprAnyFork, type ForkedNewPayloadRequest } from "../../../src/spec/newPayloadRequest.ts";
import { ProofTypeTable } from "../../../src/spec/proofTypes.ts";
import { openProofStore } from "../../../src/store/levelStore.ts";
import { silentLogger } from "../../../src/util/logger.ts";
import { readFixture } from "../../support/fixtures.ts";
import { TestProofService } from "./testProofService.ts";

export const NPR_FIXTURE = "zkboost-devnet/new_payload_request.ssz";
export const NPR_ROOT = "0x2b1cf251b5b8cabf41828761b5105b307544c6280b5c8e66fd30170f7fe7ddbf";

export function fixtureNpr(): { bytes: Uint8Array<ArrayBuffer>; npr: ForkedNewPayloadRequest } {
  const bytes = new Uint8Array(readFixture(NPR_FIXTURE));
  return { bytes, npr: decodeNprAnyFork(bytes) };
}

/** reth-sp1 (5) and reth-zisk (6) prove and verify; ethrex-zisk (3) only verifies. */
export const TEST_PROOF_TYPES: ProofTypeInfo[] = [
  { proofType: 3, name: "ethrex-zisk", kind: "zkvm", canProve: false, canVerify: true },
  { proofType: 5, name: "reth-sp1", kind: "zkvm", canProve: true, canVerify: true },
  { proofType: 6, name: "reth-zisk", kind: "zkvm", canProve: true, canVerify: true },
];

export async function openTestService(): Promise<{
  service: TestProofService;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), "eproof-api-"));
  const store = await openProofStore(dir);
  const service = new TestProofService(store, TEST_PROOF_TYPES);
  return {
    service,
    cleanup: async () => {
      await service.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiHarness {
  base: string;
  api: ApiServer;
  service: TestProofService;
  fcus: ForkchoiceNotification[];
  metrics: { requests: [string, number][]; sse: number[] };
  close(): Promise<void>;
}

export async function startApi(opts: Partial<ApiOpts> = {}): Promise<ApiHarness> {
  const { service, cleanup } = await openTestService();
  const fcus: ForkchoiceNotification[] = [];
  const recorded = { requests: [] as [string, number][], sse: [] as number[] };
  const metrics: ApiMetrics = {
    recordApiRequest: (endpoint, status) => recorded.requests.push([endpoint, status]),
    recordSseClients: (n) => recorded.sse.push(n),
  };
  const api = createApiServer(
    { port: 0, ...opts },
    {
      logger: silentLogger(),
      proofService: service,
      store: service.store,
      proofTypes: new ProofTypeTable(),
      metrics,
      onForkchoiceUpdated: (f) => {
        fcus.push(f);
      },
    },
  );
  const { port } = await api.start();
  return {
    base: `http://127.0.0.1:${port}`,
    api,
    service,
    fcus,
    metrics: recorded,
    close: async () => {
      await api.stop();
      await cleanup();
    },
  };
}

export interface SseMessage {
  event?: string;
  data?: unknown;
  comment?: string;
}

/** Opens an SSE stream; `next(n)` resolves with the next n messages (events and comments). */
export async function openSse(
  url: string,
): Promise<{ next(n: number): Promise<SseMessage[]>; close(): void; status: number }> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal, headers: { accept: "text/event-stream" } });
  const status = res.status;
  const body = res.body;
  const reader = body?.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const queue: SseMessage[] = [];
  const pull = async (): Promise<boolean> => {
    if (!reader) return false;
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += decoder.decode(value, { stream: true });
    let idx = buffer.indexOf("\n\n");
    while (idx >= 0) {
      const block = buffer.slice(0, idx);
      buffer = buffer.slice(idx + 2);
      const msg: SseMessage = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) msg.comment = line.slice(1).trim();
        else if (line.startsWith("event:")) msg.event = line.slice(6).trim();
        else if (line.startsWith("data:")) msg.data = JSON.parse(line.slice(5).trim());
      }
      queue.push(msg);
      idx = buffer.indexOf("\n\n");
    }
    return true;
  };
  return {
    status,
    async next(n) {
      while (queue.length < n) {
        if (!(await pull())) break;
      }
      return queue.splice(0, n);
    },
    close: () => ac.abort(),
  };
}
