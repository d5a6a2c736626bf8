// `eproof light` on the real devnet (Lodestar 1.5.1 + EthereumJS): a prover node proves every block
// with the CPU proof type and gossips it; an `eproof light` process follows the beacon node as an
// untrusted light-client server and verifies the gossip by re-execution. Checked: its verified head
// follows the proven head; its verified eth_getBalance answers equal the execution client's; a proxy
// that flips one byte of eth_getProof is caught; a forged optimistic update is refused; with the prover
// stopped the head stops and the gap is reported.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The devnet runs the minimal preset; @lodestar/params reads this when first imported.
vi.hoisted(() => {
  process.env.LODESTAR_PRESET = "minimal";
});

import { createBeaconConfig } from "@lodestar/config";
import { HttpBeaconClient } from "../../src/beacon/httpBeaconClient.ts";
import { networkFromBeaconSpec } from "../../src/config/network.ts";
import { configSchema } from "../../src/config/schema.ts";
import { DEVNET_SETUP_COMMAND, locateDevnetTools } from "../../src/devnet/devnetTools.ts";
import type { Devnet } from "../../src/devnet/interface.ts";
import { jsonRpcCall } from "../../src/devnet/jsonRpc.ts";
import { type DevnetLight, startDevnetLight } from "../../src/devnet/lightNode.ts";
import { startDevnet } from "../../src/devnet/startDevnet.ts";
import { startTxGenerator, type TxGenerator } from "../../src/devnet/txGenerator.ts";
import { LightConsensus } from "../../src/light/consensus.ts";
import type { LightHeadStatus, VerifiedExecutionHead } from "../../src/light/interface.ts";
import { LightClientApi } from "../../src/light/lightClientApi.ts";
import { defaultVerifiedRpcOpts, VerifiedRpc } from "../../src/light/verifiedRpc.ts";
import { type EproofNode, startNode } from "../../src/node/daemon.ts";
import { interopSecretKey } from "../../src/signing/interopKeys.ts";
import { CPU_PROOF_TYPE_NAME } from "../../src/spec/proofTypes.ts";
import { systemClock } from "../../src/util/clock.ts";
import { toHex } from "../../src/util/hex.ts";
import { silentLogger as makeSilentLogger } from "../../src/util/logger.ts";

const silentLogger = makeSilentLogger();

const tools = locateDevnetTools();
const title = tools
  ? "eproof light on the devnet (real beacon node, execution client and gossip)"
  : `eproof light on the devnet — SKIPPED: devnet tools not installed; run \`${DEVNET_SETUP_COMMAND}\``;

interface Track {
  slot: number;
  provedAt: number;
  lightAt?: number;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** A reverse proxy to `target` whose response bodies pass through `rewrite(path, body)`. */
async function rewritingProxy(target: string, rewrite: (path: string, body: string) => string) {
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const up = await fetch(`${target}${req.url ?? "/"}`, {
      method: req.method,
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      body: req.method === "GET" ? undefined : Buffer.concat(chunks),
    });
    const body = rewrite(req.url ?? "/", await up.text());
    res.writeHead(up.status, { "content-type": up.headers.get("content-type") ?? "application/json" });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

async function lightStatus(light: DevnetLight): Promise<LightHeadStatus & { lastRefusal?: unknown }> {
  const r = await fetch(`${light.apiUrl}/eth/v1/eproof/light/head`);
  return ((await r.json()) as { data: LightHeadStatus }).data;
}

async function lightRpc(light: DevnetLight, method: string, params: unknown[]) {
  const r = await fetch(`${light.apiUrl}/rpc`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return (await r.json()) as { result?: string; error?: { code: number; message: string; data?: unknown } };
}

describe.skipIf(tools === undefined)(title, () => {
  const dir = mkdtempSync(join(tmpdir(), "eproof-light-devnet-"));
  let devnet: Devnet;
  let prover: EproofNode | undefined;
  let light: DevnetLight;
  let txGen: TxGenerator;
  const tracks = new Map<number, Track>();

  beforeAll(async () => {
    devnet = await startDevnet({ dataDir: join(dir, "chain"), secondsPerSlot: 2, logger: silentLogger });
    const chainConfigFile = join(dir, "chain-config.json");
    writeFileSync(chainConfigFile, JSON.stringify(devnet.chainConfig));
    const config = configSchema.parse({
      network: "custom",
      dataDir: join(dir, "prover"),
      logLevel: "warn",
      beacon: { url: devnet.beaconUrl },
      execution: { url: devnet.rpcUrl, witness: "proof", chainConfigFile },
      proving: { proofTypes: [CPU_PROOF_TYPE_NAME], backends: [{ kind: "cpu" }] },
      p2p: {
        listen: [`/ip4/127.0.0.1/tcp/${await freePort()}`],
        discovery: false,
        localProofTypes: [CPU_PROOF_TYPE_NAME],
      },
      api: { port: 0 },
    });
    prover = await startNode(config, {
      logger: silentLogger,
      signingKey: { secretKey: interopSecretKey(0), validatorIndex: 0 },
    });
    await prover.ready;
    prover.onPublished((_proof, payload) => {
      if (!tracks.has(payload.slot)) tracks.set(payload.slot, { slot: payload.slot, provedAt: Date.now() });
    });
    txGen = startTxGenerator({
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      accounts: devnet.accounts,
      intervalMs: 2000,
      logger: silentLogger,
    });
    const head = await new HttpBeaconClient(
      { baseUrl: devnet.beaconUrl },
      { clock: systemClock },
    ).getHeadHeader();
    light = await startDevnetLight({
      dataDir: join(dir, "light"),
      beaconUrl: devnet.beaconUrl,
      rpcUrl: devnet.rpcUrl,
      chainConfigFile,
      checkpointRoot: toHex(head.root),
      peers: prover.p2p()?.multiaddrs() ?? [],
      apiPort: await freePort(),
      p2pPort: await freePort(),
      logger: silentLogger,
    });
    light.onHead((h, at) => {
      for (const t of tracks.values()) if (t.slot <= h.slot && t.lightAt === undefined) t.lightAt = at;
    });
  }, 240_000);

  afterAll(async () => {
    txGen?.stop();
    await light?.stop();
    await prover?.stop();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("keeps a verified execution head that follows the proven head", async () => {
    // Twelve slots of proofs; then every block proved before the last two has been reached by the light head.
    await vi.waitFor(() => expect(light.head()?.slot ?? 0).toBeGreaterThanOrEqual(14), {
      timeout: 90_000,
      interval: 500,
    });
    const headSlot = light.head()?.slot ?? 0;
    const proven = [...tracks.values()].filter((t) => t.slot <= headSlot && t.slot > 2);
    expect(proven.length).toBeGreaterThanOrEqual(8);
    expect(proven.every((t) => t.lightAt !== undefined)).toBe(true);
    // In slots from proof to light head: a header needs the next block's sync aggregate, so ~1 slot.
    const lag = proven.map((t) => Math.max(0, ((t.lightAt ?? 0) - t.provedAt) / 2000)).sort((a, b) => a - b);
    const median = lag[Math.floor(lag.length / 2)] ?? Number.POSITIVE_INFINITY;
    console.log(
      `light head lag behind the proven head (slots): median ${median.toFixed(2)}, max ${lag.at(-1)?.toFixed(2)}`,
    );
    expect(median).toBeLessThanOrEqual(1);
    const status = await lightStatus(light);
    expect(status.head?.slot).toBe(headSlot);
    expect(status.head?.proofs.map((p) => p.name)).toEqual([CPU_PROOF_TYPE_NAME]);
    // The head's block is the beacon node's canonical block at that slot, its payload the EL's block.
    const h = status.head as VerifiedExecutionHead;
    const block = (await jsonRpcCall(devnet.rpcUrl, "eth_getBlockByNumber", [
      `0x${h.executionBlockNumber.toString(16)}`,
      false,
    ])) as { hash: string; stateRoot: string };
    expect(block.hash).toBe(h.executionBlockHash);
    expect(block.stateRoot).toBe(h.stateRoot);
  }, 120_000);

  it("answers eth_getBalance for the generator's accounts, checked against the verified state root", async () => {
    let changed = 0;
    for (const a of devnet.accounts) {
      // Asked at the head's own number; if the head moved in between, that number is refused (-32002): ask again.
      let answered: { n: number; balance: bigint } | undefined;
      for (let attempt = 0; attempt < 5 && !answered; attempt++) {
        const n = ((await lightStatus(light)).head as VerifiedExecutionHead).executionBlockNumber;
        const r = await lightRpc(light, "eth_getBalance", [a.address, `0x${n.toString(16)}`]);
        if (r.error?.code === -32002) continue;
        expect(r.error).toBeUndefined();
        answered = { n, balance: BigInt(r.result as string) };
      }
      expect(answered).toBeDefined();
      const { n, balance } = answered as { n: number; balance: bigint };
      const el = (await jsonRpcCall(devnet.rpcUrl, "eth_getBalance", [
        a.address,
        `0x${n.toString(16)}`,
      ])) as string;
      expect(balance).toBe(BigInt(el));
      if (balance !== BigInt(devnet.genesis.alloc[a.address.toLowerCase()]?.balance ?? "0")) changed++;
    }
    // The generator spent from its senders: some balances moved since genesis (not the trivial case).
    expect(changed).toBeGreaterThan(0);
  }, 60_000);

  it("catches an execution RPC that flips one byte of an eth_getProof answer", async () => {
    let flipped = 0;
    const proxy = await rewritingProxy(devnet.rpcUrl, (_path, body) => {
      if (!body.includes('"accountProof"')) return body;
      // The last hex digit of the balance: a wrong balance with a well-formed proof beside it.
      const m = /"balance":"0x([0-9a-f]*)([0-9a-f])"/.exec(body);
      if (!m) return body;
      flipped++;
      const last = m[2] === "0" ? "1" : "0";
      return body.replace(m[0], `"balance":"0x${m[1]}${last}"`);
    });
    try {
      const rpc = new VerifiedRpc(
        { ...defaultVerifiedRpcOpts, upstreamUrl: proxy.url },
        { head: () => light.head(), clock: systemClock },
      );
      const r = (await rpc.handle({
        jsonrpc: "2.0",
        id: 7,
        method: "eth_getBalance",
        params: [devnet.accounts[1]?.address, "latest"],
      })) as { error?: { code: number; message: string; data?: { mismatch?: string } } };
      expect(flipped).toBeGreaterThan(0);
      expect(r.error?.code).toBe(-32003);
      expect(r.error?.data?.mismatch).toBe("balance");
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it("refuses a forged optimistic update from the beacon node and keeps its head", async () => {
    const proxy = await rewritingProxy(devnet.beaconUrl, (path, body) => {
      if (!path.startsWith("/eth/v1/beacon/light_client/optimistic_update")) return body;
      // Flip a byte of the sync committee's aggregate signature.
      return body.replace(/"sync_committee_signature":"0x(..)/, (_m, b: string) => {
        const flippedByte = (Number.parseInt(b, 16) ^ 0x01).toString(16).padStart(2, "0");
        return `"sync_committee_signature":"0x${flippedByte}`;
      });
    });
    try {
      const beacon = new HttpBeaconClient({ baseUrl: devnet.beaconUrl }, { clock: systemClock });
      const genesis = await beacon.getGenesis();
      const network = networkFromBeaconSpec(
        await beacon.getSpec(),
        {
          genesis_time: String(genesis.genesisTime),
          genesis_validators_root: toHex(genesis.genesisValidatorsRoot),
        },
        [],
      );
      const head = await beacon.getHeadHeader();
      const seen: number[] = [];
      const lc = new LightConsensus(
        {
          checkpointRoot: head.root,
          genesisTime: network.genesisTime,
          secondsPerSlot: network.secondsPerSlot,
          pollIntervalMs: 500,
          clockToleranceSlots: 1,
        },
        {
          api: new LightClientApi(
            { baseUrl: proxy.url, requestTimeoutMs: 5000, maxResponseBytes: 8 << 20 },
            { clock: systemClock },
          ),
          config: createBeaconConfig(network.forkConfig, network.genesisValidatorsRoot),
          clock: systemClock,
          logger: silentLogger,
          onHeader: (h) => seen.push(h.slot),
        },
      );
      await lc.bootstrap();
      const bootSlot = lc.optimisticSlot;
      // Polled until the server's update is newer than the checkpoint (older ones are irrelevant, not checked).
      await vi.waitFor(
        async () => {
          await lc.poll();
          expect(lc.refusal?.reason).toBe("bad_signature");
        },
        { timeout: 15_000, interval: 1000 },
      );
      expect(lc.optimisticSlot).toBe(bootSlot);
      expect(seen).toEqual([bootSlot]);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it("stops at the last proven block when the prover stops, and reports the gap", async () => {
    await prover?.stop();
    prover = undefined;
    const stoppedAt = light.head()?.slot ?? 0;
    // The chain goes on (the beacon node uses the execution client directly): headers keep coming.
    await vi.waitFor(
      async () => expect((await lightStatus(light)).optimisticSlot).toBeGreaterThanOrEqual(stoppedAt + 4),
      { timeout: 30_000, interval: 500 },
    );
    const status = await lightStatus(light);
    // At most the one block whose proof was in flight when the prover stopped.
    expect(status.head?.slot ?? 0).toBeLessThanOrEqual(stoppedAt + 1);
    expect(status.lagSlots).toBeGreaterThanOrEqual(3);
    expect(status.unprovenSlots.length).toBeGreaterThanOrEqual(3);
    expect(status.unprovenSlots.every((s) => s > (status.head?.slot ?? 0))).toBe(true);
  }, 60_000);
});
