// Transaction public keys for StatelessInput.public_keys: one 65-byte uncompressed secp256k1 key
// (0x04‖X‖Y) per transaction, recovered from the signatures, and the check of keys someone supplied.
import type { Block } from "@ethereumjs/block";
import { Common } from "@ethereumjs/common";
import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, equalsBytes } from "@ethereumjs/util";
import type { ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";
import type { StatelessNpr } from "../spec/stateless.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { commonFromGethConfig, type GethChainConfig } from "./common.ts";
import { payloadView } from "./payloadBlock.ts";

function uncompressed(tx: TypedTransaction): Uint8Array {
  const xy = tx.getSenderPublicKey();
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(xy, 1);
  return out;
}

/** Recovers one key per transaction of the NPR's payload; a bad signature or encoding is BAD_INPUT. */
export function recoverPublicKeys(
  npr: ForkedNewPayloadRequest | StatelessNpr,
  chainConfig: GethChainConfig | Common,
): Uint8Array[] {
  const view = payloadView(npr);
  const common = chainConfig instanceof Common ? chainConfig.copy() : commonFromGethConfig(chainConfig);
  common.setHardforkBy({
    blockNumber: BigInt(view.payload.blockNumber),
    timestamp: BigInt(view.payload.timestamp),
  });
  return recoverTransactionKeys(view.payload.transactions, common);
}

/** One key per signed transaction (RLP/typed bytes) under `common`'s chain id and hardfork. */
export function recoverTransactionKeys(transactions: readonly Uint8Array[], common: Common): Uint8Array[] {
  return transactions.map((raw, i) => {
    try {
      return uncompressed(createTxFromRLP(raw, { common }));
    } catch (e) {
      throw new EproofError(
        "BAD_INPUT",
        `transaction ${i}: cannot recover its sender key: ${errorMessage(e)}`,
      );
    }
  });
}

/** Throws unless `keys` holds exactly the recovered key of each of the block's transactions. */
export function checkPublicKeys(block: Block, keys: readonly Uint8Array[]): void {
  if (keys.length !== block.transactions.length) {
    throw new Error(`public_keys has ${keys.length} keys for ${block.transactions.length} transactions`);
  }
  block.transactions.forEach((tx, i) => {
    const want = uncompressed(tx);
    const got = keys[i] ?? new Uint8Array();
    if (!equalsBytes(want, got)) {
      throw new Error(
        `public key ${i} is ${bytesToHex(got).slice(0, 18)}…, the signature recovers ${bytesToHex(want).slice(0, 18)}…`,
      );
    }
  });
}
