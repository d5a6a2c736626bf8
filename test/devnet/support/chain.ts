// What the fault tests check against: the beacon node's canonical chain (walked by parent links from
// its head, block bodies decoded into their NewPayloadRequest roots) and the proofs an eproof API
// serves for those roots.
import { buildNprFromBlock, type DecodedBlock } from "../../../src/beacon/blockToNpr.ts";
import { HttpBeaconClient } from "../../../src/beacon/httpBeaconClient.ts";
import type { ForkedNewPayloadRequest } from "../../../src/spec/newPayloadRequest.ts";
import { payloadRequestRoot } from "../../../src/spec/payloadRoot.ts";
import { getProfile } from "../../../src/spec/profile.ts";
import { CPU_PROOF_TYPE_ID } from "../../../src/spec/proofTypes.ts";
import { systemClock } from "../../../src/util/clock.ts";
import { toHex } from "../../../src/util/hex.ts";

export interface CanonicalBlock {
  slot: number;
  blockRoot: string;
  /** The NewPayloadRequest root eproof proves (the default profile's form). */
  payloadRoot: string;
  blockNumber: number;
}

/** Caches bodies by block root: a block's payload root never changes. */
export class CanonicalChain {
  private readonly beacon: HttpBeaconClient;
  private readonly known = new Map<string, CanonicalBlock & { parentRoot: string }>();
  private readonly profile = getProfile();

  constructor(beaconUrl: string) {
    this.beacon = new HttpBeaconClient(
      { baseUrl: beaconUrl, requestTimeoutMs: 10_000 },
      { clock: systemClock },
    );
  }

  async headSlot(): Promise<number> {
    return (await this.beacon.getHeadHeader()).slot;
  }

  /** The canonical blocks with a payload from `fromSlot` up to the head (or `toSlot`), oldest first. */
  async blocks(fromSlot = 1, toSlot = Number.POSITIVE_INFINITY): Promise<CanonicalBlock[]> {
    const out: CanonicalBlock[] = [];
    let cursor: string | undefined = toHex((await this.beacon.getHeadHeader()).root);
    while (cursor !== undefined) {
      let b = this.known.get(cursor);
      if (!b) {
        const fetched = await this.beacon.getBlock(cursor);
        if (!fetched) throw new Error(`the beacon node has no block ${cursor}`);
        const built = buildNprFromBlock({ fork: fetched.fork, block: fetched.signedBlock } as DecodedBlock);
        b = {
          slot: fetched.slot,
          blockRoot: cursor,
          parentRoot: toHex(fetched.parentRoot),
          payloadRoot: built
            ? toHex(payloadRequestRoot(built.npr as ForkedNewPayloadRequest, this.profile))
            : "",
          blockNumber: built ? built.blockNumber : 0,
        };
        this.known.set(cursor, b);
      }
      if (b.slot < fromSlot || b.slot === 0) break;
      if (b.slot <= toSlot && b.payloadRoot !== "") out.push(b);
      cursor = b.parentRoot;
    }
    return out.reverse();
  }
}

/** The proof bytes (hex) an eproof API serves for a payload root, undefined on 404 or no answer. */
export async function servedProof(apiUrl: string, payloadRoot: string): Promise<string | undefined> {
  try {
    const r = await fetch(`${apiUrl}/v1/execution_proofs/${payloadRoot}/${CPU_PROOF_TYPE_ID}`, {
      signal: AbortSignal.timeout(3_000),
    });
    const body = new Uint8Array(await r.arrayBuffer());
    return r.status === 200 ? toHex(body) : undefined;
  } catch {
    return undefined;
  }
}
