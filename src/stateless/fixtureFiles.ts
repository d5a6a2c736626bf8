// Readers for the block+witness file formats `eproof stateless` accepts besides BlockchainTests:
// ethrex-replay cache JSON, geth block RLP + ExtWitness RLP pairs, EEST zkevm fixtures (with
// statelessInputBytes / statelessOutputBytes), and a zkboost-style NPR + witness JSON + chain config.
import { existsSync, readFileSync } from "node:fs";
import type { JSONRPCBlock } from "@ethereumjs/block";
import { type Block, createBlockFromRLP, createBlockFromRPC } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { type ExecutionWitnessValue, witnessFromRpcJson } from "../spec/stateless.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { commonFromGethConfig, type GethChainConfig, HOODI_CHAIN_CONFIG } from "./common.ts";

export interface BlockWithWitness {
  block: Block;
  witness: ExecutionWitnessValue;
  common: Common;
}

const NETWORKS: Record<string, GethChainConfig> = { hoodi: HOODI_CHAIN_CONFIG };

/** The chain config of a public network eproof knows by name. */
export function networkChainConfig(name: string): GethChainConfig {
  const c = NETWORKS[name.toLowerCase()];
  if (!c)
    throw new EproofError(
      "BAD_INPUT",
      `unknown network "${name}" (known: ${Object.keys(NETWORKS).join(", ")})`,
    );
  return c;
}

function bytesList(v: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(v) || v.some((x) => !(x instanceof Uint8Array))) {
    throw new EproofError("BAD_INPUT", `${what} is not a list of byte strings`);
  }
  return v as Uint8Array[];
}

/** geth's ExtWitness RLP: [headers (full header lists), codes, state, keys]. */
export function witnessFromGethRlp(bytes: Uint8Array): ExecutionWitnessValue {
  let decoded: unknown;
  try {
    decoded = RLP.decode(bytes);
  } catch (e) {
    throw new EproofError("BAD_INPUT", `witness is not RLP: ${errorMessage(e)}`);
  }
  if (!Array.isArray(decoded) || decoded.length < 3) {
    throw new EproofError("BAD_INPUT", "witness RLP is not [headers, codes, state, keys]");
  }
  const [headers, codes, state] = decoded as unknown[];
  if (!Array.isArray(headers)) throw new EproofError("BAD_INPUT", "witness headers are not a list");
  return {
    headers: headers.map((h) => RLP.encode(h as Uint8Array[])),
    codes: bytesList(codes, "witness codes"),
    state: bytesList(state, "witness state"),
  };
}

/** `<n>-block.rlp` with `<n>-witness.rlp` beside it; the network's config is given. */
export function readGethBlockPair(blockFile: string, config: GethChainConfig): BlockWithWitness {
  const witnessFile = blockFile.replace(/-block\.rlp$/, "-witness.rlp");
  if (witnessFile === blockFile || !existsSync(witnessFile)) {
    throw new EproofError("BAD_INPUT", `${blockFile}: no ${witnessFile} beside it`);
  }
  const common = commonFromGethConfig(config);
  let block: Block;
  try {
    block = createBlockFromRLP(readFileSync(blockFile), { common: common.copy(), setHardfork: true });
  } catch (e) {
    throw new EproofError("BAD_INPUT", `${blockFile}: not a block RLP: ${errorMessage(e)}`);
  }
  return { block, witness: witnessFromGethRlp(readFileSync(witnessFile)), common };
}

interface EthrexCache {
  blocks: {
    header: Record<string, unknown>;
    body: { transactions: Record<string, unknown>[]; uncles?: unknown[]; withdrawals?: unknown[] };
  }[];
  witness: unknown;
  network?: { PublicNetwork?: string } | string;
}

export function isEthrexCache(json: unknown): json is EthrexCache {
  const o = json as Partial<EthrexCache>;
  return typeof o === "object" && o !== null && Array.isArray(o.blocks) && typeof o.witness === "object";
}

/** ethrex-replay cache: RPC-style header, ethrex tx JSON (no hash/from), debug_executionWitness witness. */
export function readEthrexCache(json: EthrexCache, file: string): BlockWithWitness[] {
  const net = typeof json.network === "string" ? json.network : json.network?.PublicNetwork;
  if (!net) throw new EproofError("BAD_INPUT", `${file}: ethrex cache names no public network`);
  const common = commonFromGethConfig(networkChainConfig(net));
  const witness = witnessFromRpcJson(json.witness);
  if (json.blocks.length !== 1) {
    throw new EproofError(
      "BAD_INPUT",
      `${file}: ${json.blocks.length} blocks share one witness; eproof reads single-block caches`,
    );
  }
  return json.blocks.map((b) => {
    const rpc = {
      ...b.header,
      transactions: b.body.transactions.map((tx) => ({
        ...tx,
        gas: tx.gas ?? tx.gasLimit,
        input: tx.input ?? tx.data,
      })),
      uncles: [],
      withdrawals: b.body.withdrawals ?? [],
    } as unknown as JSONRPCBlock;
    try {
      return {
        block: createBlockFromRPC(rpc, [], { common: common.copy(), setHardfork: true }),
        witness,
        common,
      };
    } catch (e) {
      throw new EproofError("BAD_INPUT", `${file}: block does not build: ${errorMessage(e)}`);
    }
  });
}
