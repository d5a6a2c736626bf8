// discv5 discovery of proof-aware peers: our ENR carries `eproof = 1` (uint8) and the usual eth2 fields
// (eth2 = ENRForkID, attnets, syncnets, tcp/udp on 127.0.0.1); discovered ENRs with a non-zero
// `eproof` and a TCP address are handed to `onPeer` for dialing.
import type { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Discv5 } from "@chainsafe/discv5";
import { type ENR, SignableENR } from "@chainsafe/enr";
import { privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { ssz } from "@lodestar/types";
import type { Logger } from "../util/logger.ts";

export const ENR_EPROOF_KEY = "eproof";
const FAR_FUTURE_EPOCH = 2 ** 64 - 1;
const LOOKUP_INTERVAL_MS = 30_000;

export interface DiscoveryOpts {
  privateKey: PrivateKey;
  /** IPv4 address announced and bound (127.0.0.1 unless configured). */
  ip: string;
  udpPort: number;
  tcpPort: number;
  forkDigest: Uint8Array;
  bootnodes: readonly string[];
  logger: Logger;
  /** Called with a dialable multiaddr (with /p2p/<id>) for each proof-aware peer found. */
  onPeer: (addr: string) => void;
}

/** Whether an ENR says its node is proof-aware (`eproof` present and non-zero). */
export function isProofAware(enr: ENR): boolean {
  const value = enr.kvs.get(ENR_EPROOF_KEY);
  return value?.some((b) => b !== 0) === true;
}

export function enrForkIdBytes(forkDigest: Uint8Array): Uint8Array {
  // The next fork is not announced here: far-future epoch, current digest's version unknown → zeros.
  return ssz.phase0.ENRForkID.serialize({
    forkDigest,
    nextForkVersion: new Uint8Array(4),
    nextForkEpoch: FAR_FUTURE_EPOCH,
  });
}

/**
 * discv5 11 / enr 5 are built on @multiformats/multiaddr 12 (`toOptions()`), the libp2p 3 stack on 13:
 * the UDP bind address must come from discv5's own copy, found beside it (or hoisted).
 */
async function discv5Multiaddr(addr: string): Promise<unknown> {
  const entry = fileURLToPath(import.meta.resolve("@chainsafe/discv5"));
  const pkgRoot = join(dirname(entry), "..");
  const nested = join(pkgRoot, "node_modules", "@multiformats", "multiaddr", "dist", "src", "index.js");
  const mod = (await import(existsSync(nested) ? pathToFileURL(nested).href : "@multiformats/multiaddr")) as {
    multiaddr: (a: string) => unknown;
  };
  return mod.multiaddr(addr);
}

export async function createDiscovery(opts: DiscoveryOpts): Promise<ProofPeerDiscovery> {
  return new ProofPeerDiscovery(opts, await discv5Multiaddr(`/ip4/${opts.ip}/udp/${opts.udpPort}`));
}

export class ProofPeerDiscovery {
  private readonly opts: DiscoveryOpts;
  private readonly discv5: Discv5;
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new Set<string>();

  /** Use `createDiscovery`: the bind address needs discv5's own multiaddr version, loaded async. */
  constructor(opts: DiscoveryOpts, bindAddr: unknown) {
    this.opts = opts;
    // discv5 11 is built on @libp2p/interface 2: hand it the same key through its protobuf encoding.
    const key = privateKeyFromProtobuf(privateKeyToProtobuf(opts.privateKey)) as unknown as Parameters<
      typeof SignableENR.createFromPrivateKey
    >[0];
    const enr = SignableENR.createFromPrivateKey(key);
    enr.set(ENR_EPROOF_KEY, Uint8Array.of(1));
    enr.set("eth2", enrForkIdBytes(opts.forkDigest));
    enr.set("attnets", new Uint8Array(8));
    enr.set("syncnets", new Uint8Array(1));
    enr.ip = opts.ip;
    enr.udp = opts.udpPort;
    enr.tcp = opts.tcpPort;
    this.discv5 = Discv5.create({
      enr,
      privateKey: key,
      bindAddrs: { ip4: bindAddr as never },
      config: { enrUpdate: false },
    });
    // The emitter's typings come from a types package that is not installed: use Node's EventEmitter.
    (this.discv5 as unknown as EventEmitter).on("discovered", (found: ENR) => this.onDiscovered(found));
  }

  enrText(): string {
    return this.discv5.enr.encodeTxt();
  }

  async start(): Promise<void> {
    await this.discv5.start();
    for (const text of this.opts.bootnodes) {
      try {
        this.discv5.addEnr(text);
      } catch (e) {
        this.opts.logger.warn({ enr: text.slice(0, 24), err: (e as Error).message }, "bad bootnode ENR");
      }
    }
    this.lookup();
    this.timer = setInterval(() => this.lookup(), LOOKUP_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.discv5.stop();
  }

  /** Runs one random lookup now (also used by tests). */
  lookup(): void {
    this.discv5.findRandomNode().then(
      (enrs) => {
        for (const enr of enrs) this.onDiscovered(enr);
      },
      (e: unknown) => this.opts.logger.debug({ err: (e as Error).message }, "discv5 lookup failed"),
    );
  }

  private onDiscovered(enr: ENR): void {
    if (!isProofAware(enr)) return;
    const tcp = enr.getLocationMultiaddr("tcp");
    if (tcp === undefined) return;
    const addr = `${tcp.toString()}/p2p/${enr.peerId.toString()}`;
    if (this.seen.has(addr)) return;
    this.seen.add(addr);
    this.opts.onPeer(addr);
  }
}
