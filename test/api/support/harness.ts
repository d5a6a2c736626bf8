// Starts the API server over a real LevelDB store and the test ProofService; reads SSE streams.
import type { ApiMetrics, ApiModules, ApiOpts, ForkchoiceNotification } from "../../../src/api/options.ts";
import { type ApiServer, createApiServer } from "../../../src/api/server.ts";
import { decodeNprAnyFork, type ForkedNewPayloadRequest } from "../../../src/spec/newPayloadRequest.ts";
import { ProofTypeTable } from "../../../src/spec/proofTypes.ts";
import { silentLogger } from "../../../src/util/logger.ts";
import { readFixture } from "../../support/fixtures.ts";
import { openRealService, type RealService } from "./realService.ts";

export const NPR_FIXTURE = "zkboost-devnet/new_payload_request.ssz";
export const NPR_ROOT = "0x2b1cf251b5b8cabf41828761b5105b307544c6280b5c8e66fd30170f7fe7ddbf";

export function fixtureNpr(): { bytes: Uint8Array<ArrayBuffer>; npr: ForkedNewPayloadRequest } {
  const bytes = new Uint8Array(readFixture(NPR_FIXTURE));
  return { bytes, npr: decodeNprAnyFork(bytes) };
}

export interface ApiHarness {
  base: string;
  api: ApiServer;
  real: RealService;
  fcus: ForkchoiceNotification[];
  metrics: { requests: [string, number][]; sse: number[] };
  close(): Promise<void>;
}

export async function startApi(
  opts: Partial<ApiOpts> = {},
  modules: Partial<Pick<ApiModules, "chain" | "clock">> = {},
): Promise<ApiHarness> {
  const real = await openRealService();
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
      proofService: real.service,
      store: real.store,
      proofTypes: new ProofTypeTable(),
      metrics,
      onForkchoiceUpdated: (f) => {
        fcus.push(f);
      },
      ...modules,
    },
  );
  const { port } = await api.start();
  return {
    base: `http://127.0.0.1:${port}`,
    api,
    real,
    fcus,
    metrics: recorded,
    close: async () => {
      await api.stop();
      await real.cleanup();
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
