// The body of the two payload-pushing endpoints (execution_proof_requests, new_payload_notifications):
// an SSZ NewPayloadRequest of any fork, decoded, rooted, and admitted (slot window and pending
// limits) before the proof service stores anything.
import { HttpError } from "../http/errors.ts";
import type { RouteContext } from "../http/server.ts";
import { decodeNprAnyFork, type ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";
import { payloadRequestRoot } from "../spec/payloadRoot.ts";
import type { SpecProfile } from "../spec/profile.ts";
import { errorMessage } from "../util/errors.ts";
import { toHex } from "../util/hex.ts";
import type { PayloadAdmission } from "./admission.ts";

export interface PayloadIntakeDeps {
  profile: SpecProfile;
  /** Undefined: no window or limits (no chain view was given). */
  admission?: PayloadAdmission;
}

export interface AdmittedPayload {
  npr: ForkedNewPayloadRequest;
  rootHex: string;
  /** The slot checked by admission, to register the payload at; undefined without admission. */
  slot: number | undefined;
}

export async function readPayload(
  ctx: RouteContext,
  deps: PayloadIntakeDeps,
  claimedSlot?: number,
): Promise<AdmittedPayload> {
  const body = await ctx.body();
  if (body.length === 0) throw HttpError.badRequest("invalid SSZ body: empty");
  let npr: ForkedNewPayloadRequest;
  let rootHex: string;
  try {
    npr = decodeNprAnyFork(body);
    rootHex = toHex(payloadRequestRoot(npr, deps.profile));
  } catch (e) {
    throw HttpError.badRequest(`invalid SSZ body: ${errorMessage(e)}`);
  }
  const slot = deps.admission?.admit(rootHex, npr.value.executionPayload.timestamp, claimedSlot, body.length);
  return { npr, rootHex, slot: slot ?? claimedSlot };
}

/** Runs the registration; a refusal of a payload that left nothing stored frees its admission. */
export async function registerAdmitted<T>(
  p: AdmittedPayload,
  deps: PayloadIntakeDeps & { isKnownPayload(root: Uint8Array): boolean },
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (deps.admission && !deps.isKnownPayload(Buffer.from(p.rootHex.slice(2), "hex"))) {
      deps.admission.release(p.rootHex);
    }
    throw e;
  }
}
