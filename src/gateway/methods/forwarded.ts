// Methods the gateway does not judge (engine_getPayload*, engine_getBlobs*,
// engine_exchangeCapabilities, engine_getClientVersion*, eth_*): the upstream answers, or a clear
// error says none is configured.
import type { JsonRpcRequest } from "../jsonRpc.ts";
import { RpcError } from "../jsonRpc.ts";
import { callUpstream, type MethodContext, unwrapUpstream } from "./context.ts";

const UPSTREAM_ONLY = [
  /^engine_getPayloadV\d+$/,
  /^engine_getPayloadBodiesBy(Hash|Range)V\d+$/,
  /^engine_getBlobsV\d+$/,
  /^engine_exchangeCapabilities$/,
  /^engine_getClientVersionV\d+$/,
  /^engine_exchangeTransitionConfigurationV1$/,
];

export function isUpstreamOnly(method: string): boolean {
  return UPSTREAM_ONLY.some((re) => re.test(method));
}

export async function forwarded(ctx: MethodContext, req: JsonRpcRequest): Promise<unknown> {
  if (!ctx.upstream) {
    throw isUpstreamOnly(req.method) ? RpcError.noUpstream(req.method) : RpcError.methodNotFound(req.method);
  }
  return unwrapUpstream(await callUpstream(ctx, req));
}
