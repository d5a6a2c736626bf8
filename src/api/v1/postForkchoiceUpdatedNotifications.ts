// POST /v1/forkchoice_updated_notifications — JSON {head_block_hash, safe_block_hash,
// finalized_block_hash}: the proof engine's notify_forkchoice_updated for clients that push.
// Unauthenticated, so nothing here is trusted: the node never prunes proofs or the double-sign
// journal on it (only the beacon node's finalized checkpoints, via the chain follower, do).
import type { IncomingMessage } from "node:http";
import { HttpError } from "../../http/errors.ts";
import { sendJson } from "../../http/respond.ts";
import type { RouteHandler } from "../../http/server.ts";
import type { ForkchoiceNotification } from "../options.ts";
import { parseRoot } from "../params.ts";

export function postForkchoiceUpdatedNotifications(deps: {
  onForkchoiceUpdated?: (fcu: ForkchoiceNotification) => void | Promise<void>;
}): RouteHandler {
  return async (_req: IncomingMessage, res, ctx) => {
    const body = await ctx.body();
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      throw HttpError.badRequest("body is not valid JSON");
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw HttpError.badRequest(
        "body must be a JSON object with head_block_hash, safe_block_hash, finalized_block_hash",
      );
    }
    const o = json as Record<string, unknown>;
    const field = (name: string): Uint8Array => {
      const v = o[name];
      if (typeof v !== "string") throw HttpError.badRequest(`missing ${name}`);
      return parseRoot(v, name);
    };
    const fcu: ForkchoiceNotification = {
      headBlockHash: field("head_block_hash"),
      safeBlockHash: field("safe_block_hash"),
      finalizedBlockHash: field("finalized_block_hash"),
    };
    await deps.onForkchoiceUpdated?.(fcu);
    sendJson(res, 200, { accepted: true });
  };
}
