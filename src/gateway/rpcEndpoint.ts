// POST / — the Engine API JSON-RPC endpoint: JWT check first (401 without a valid token), then
// single requests or batches, each answered by its method handler.
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "../http/errors.ts";
import { sendJson } from "../http/respond.ts";
import type { RouteContext, RouteHandler } from "../http/server.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { newPayloadVersion } from "./enginePayload.ts";
import {
  errorResponse,
  type JsonRpcRequest,
  type JsonRpcResponse,
  parseRequest,
  RpcError,
  resultResponse,
} from "./jsonRpc.ts";
import { JwtError, verifyJwt } from "./jwt.ts";
import type { MethodContext } from "./methods/context.ts";
import { forkchoiceUpdated, isForkchoiceUpdated } from "./methods/forkchoiceUpdated.ts";
import { forwarded } from "./methods/forwarded.ts";
import { newPayload } from "./methods/newPayload.ts";

export interface RpcEndpointDeps {
  methods: MethodContext;
  jwtSecret: () => Uint8Array;
  clock: Clock;
  maxBatchSize: number;
}

export async function dispatch(ctx: MethodContext, req: JsonRpcRequest): Promise<JsonRpcResponse> {
  const t0 = performance.now();
  let response: JsonRpcResponse;
  try {
    let result: unknown;
    if (newPayloadVersion(req.method) !== undefined) result = await newPayload(ctx, req);
    else if (isForkchoiceUpdated(req.method)) result = await forkchoiceUpdated(ctx, req);
    else result = await forwarded(ctx, req);
    response = resultResponse(req.id, result);
  } catch (e) {
    if (!(e instanceof RpcError))
      ctx.logger.error({ method: req.method, err: errorMessage(e) }, "engine method failed");
    response = errorResponse(req.id, e instanceof RpcError ? e : RpcError.internal(errorMessage(e)));
  }
  ctx.metrics?.recordRpcCall(req.method, "result" in response, performance.now() - t0);
  return response;
}

async function answerOne(ctx: MethodContext, v: unknown): Promise<JsonRpcResponse | undefined> {
  const parsed = parseRequest(v);
  if (!parsed.ok) return errorResponse(parsed.id, parsed.err);
  const response = await dispatch(ctx, parsed.req);
  return parsed.req.notification ? undefined : response;
}

export function rpcEndpoint(deps: RpcEndpointDeps): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    try {
      verifyJwt(req.headers.authorization, deps.jwtSecret(), Math.floor(deps.clock.now() / 1000));
    } catch (e) {
      if (e instanceof JwtError) {
        deps.methods.metrics?.recordAuthFailure(e.reason);
        throw HttpError.unauthorized(e.message);
      }
      throw e;
    }
    const body = await route.body();
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch (e) {
      sendJson(res, 200, errorResponse(null, RpcError.parseError(errorMessage(e))));
      return;
    }
    if (Array.isArray(json)) {
      if (json.length === 0) {
        sendJson(res, 200, errorResponse(null, RpcError.invalidRequest("empty batch")));
        return;
      }
      if (json.length > deps.maxBatchSize) {
        sendJson(
          res,
          200,
          errorResponse(
            null,
            RpcError.tooLargeRequest(`batch of ${json.length} exceeds ${deps.maxBatchSize}`),
          ),
        );
        return;
      }
      const answers = await Promise.all(json.map((item) => answerOne(deps.methods, item)));
      const responses = answers.filter((a): a is JsonRpcResponse => a !== undefined);
      if (responses.length === 0) {
        res.writeHead(204).end();
        return;
      }
      sendJson(res, 200, responses);
      return;
    }
    const answer = await answerOne(deps.methods, json);
    if (!answer) {
      res.writeHead(204).end();
      return;
    }
    sendJson(res, 200, answer);
  };
}
