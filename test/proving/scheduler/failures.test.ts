// Failure reasons say what failed (issue 17, point 3): each witness-phase failure, produced by the real
// execution-side code against a real JSON-RPC server (or a closed port), is named for its cause, and
// witness_timeout is kept for timeouts.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcClient } from "../../../src/execution/jsonRpcClient.ts";
import {
  FileChainConfigSource,
  RpcChainConfigSource,
  RpcWitnessSource,
} from "../../../src/execution/rpcWitnessSource.ts";
import { statelessSchemaFor } from "../../../src/execution/statelessInput.ts";
import { classifyFailure } from "../../../src/proving/scheduler/failures.ts";
import { getProfile } from "../../../src/spec/profile.ts";
import { systemClock } from "../../../src/util/clock.ts";
import { RpcTestServer } from "../../execution/rpcTestServer.ts";

const req = { blockHash: new Uint8Array(32).fill(1), blockNumber: 1200 };

async function thrown(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a failure");
}

async function closedPortUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const addr = srv.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe("witness-phase failure reasons", () => {
  const el = new RpcTestServer();
  beforeAll(() => el.start());
  afterAll(() => el.stop());
  const rpc = (url = el.url, timeoutMs = 2_000) =>
    new JsonRpcClient({ url, timeoutMs }, { clock: systemClock });
  const witnesses = (client = rpc()) =>
    new RpcWitnessSource(client, { clock: systemClock }, { retryMs: 10, waitMs: 100 });

  it("execution_unreachable when nothing listens at the execution URL", async () => {
    const e = await thrown(async () => witnesses(rpc(await closedPortUrl())).fetchWitness(req));
    expect(classifyFailure(e, "witness")).toBe("execution_unreachable");
  });

  it("witness_timeout only when the execution client did not answer in time", async () => {
    el.hang.add("debug_executionWitnessByBlockHash");
    try {
      const e = await thrown(() => witnesses(rpc(el.url, 100)).fetchWitness(req));
      expect(classifyFailure(e, "witness")).toBe("witness_timeout");
    } finally {
      el.hang.delete("debug_executionWitnessByBlockHash");
    }
    // An EL that keeps saying "not yet" until the wait runs out is a timeout too.
    el.handlers.set("debug_executionWitnessByBlockHash", () => null);
    const e = await thrown(() => witnesses().fetchWitness(req));
    expect(classifyFailure(e, "witness")).toBe("witness_timeout");
    el.handlers.delete("debug_executionWitnessByBlockHash");
  });

  it("witness_unavailable when the EL has no witness method, witness_invalid for a malformed one", async () => {
    const missing = await thrown(() => witnesses().fetchWitness(req));
    expect(classifyFailure(missing, "witness")).toBe("witness_unavailable");
    el.handlers.set("debug_executionWitness", () => ({ state: ["0xzz"], headers: [] }));
    const bad = await thrown(() => witnesses().fetchWitness(req));
    expect(classifyFailure(bad, "witness")).toBe("witness_invalid");
    el.handlers.delete("debug_executionWitness");
  });

  it("chain_config_unavailable, with the flag to use, when the EL does not serve its chain config", async () => {
    const e = await thrown(() => new RpcChainConfigSource(rpc()).chainConfig());
    expect(classifyFailure(e, "witness")).toBe("chain_config_unavailable");
    expect(String((e as Error).message)).toContain("--execution.chainConfigFile");
    const file = await thrown(() => new FileChainConfigSource("/nonexistent/genesis.json").chainConfig());
    expect(classifyFailure(file, "witness")).toBe("chain_config_unavailable");
    expect(String((file as Error).message)).toContain("--execution.chainConfigFile");
    // The EL being down is said as such, not as a missing chain config.
    const down = await thrown(async () => new RpcChainConfigSource(rpc(await closedPortUrl())).chainConfig());
    expect(classifyFailure(down, "witness")).toBe("execution_unreachable");
  });

  it("fork_mismatch for a fork the profile writes no input for", async () => {
    const e = await thrown(() => statelessSchemaFor("gloas", getProfile("consensus-specs-fulu-2025")));
    expect(classifyFailure(e, "witness")).toBe("fork_mismatch");
  });
});
