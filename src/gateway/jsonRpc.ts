// JSON-RPC 2.0 envelopes for the Engine API gateway: request validation and errors built by named
// constructors (standard codes plus the Engine API's -38xxx codes).
export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params: unknown[];
  /** A request without an id: JSON-RPC says it gets no response. */
  notification: boolean;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: unknown }
  | { jsonrpc: "2.0"; id: JsonRpcId; error: JsonRpcErrorObject };

export class RpcError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
    this.name = "RpcError";
  }

  static parseError(message: string): RpcError {
    return new RpcError(-32700, `Parse error: ${message}`);
  }
  static invalidRequest(message: string): RpcError {
    return new RpcError(-32600, `Invalid Request: ${message}`);
  }
  static methodNotFound(method: string): RpcError {
    return new RpcError(-32601, `Method not found: ${method}`);
  }
  static invalidParams(message: string): RpcError {
    return new RpcError(-32602, `Invalid params: ${message}`);
  }
  static internal(message: string): RpcError {
    return new RpcError(-32603, `Internal error: ${message}`);
  }
  /** A method this gateway can only serve through an upstream execution client. */
  static noUpstream(method: string): RpcError {
    return new RpcError(
      -32000,
      `${method} needs an upstream execution client and none is configured (gateway.upstreamUrl)`,
    );
  }
  static upstreamFailed(method: string, message: string): UpstreamUnavailable {
    return new UpstreamUnavailable(`upstream execution client failed for ${method}: ${message}`);
  }
  static tooLargeRequest(message: string): RpcError {
    return new RpcError(-38004, `Too large request: ${message}`);
  }
}

/** The upstream could not be reached or answered garbage (as opposed to a JSON-RPC error of its own). */
export class UpstreamUnavailable extends RpcError {
  constructor(message: string) {
    super(-32000, message);
    this.name = "UpstreamUnavailable";
  }
}

export function errorResponse(id: JsonRpcId, err: RpcError): JsonRpcResponse {
  const error: JsonRpcErrorObject = { code: err.code, message: err.message };
  if (err.data !== undefined) error.data = err.data;
  return { jsonrpc: "2.0", id, error };
}

export function resultResponse(id: JsonRpcId, result: unknown): JsonRpcResponse {
  return { jsonrpc: "2.0", id, result };
}

/** Validates one request object; the id is recovered when possible so the error can carry it. */
export function parseRequest(
  v: unknown,
): { ok: true; req: JsonRpcRequest } | { ok: false; id: JsonRpcId; err: RpcError } {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return { ok: false, id: null, err: RpcError.invalidRequest("a request must be a JSON object") };
  }
  const o = v as Record<string, unknown>;
  const rawId = o.id;
  const idOk =
    rawId === undefined || rawId === null || typeof rawId === "string" || typeof rawId === "number";
  const id: JsonRpcId = idOk && rawId !== undefined ? (rawId as JsonRpcId) : null;
  if (!idOk)
    return { ok: false, id: null, err: RpcError.invalidRequest("id must be a string, number or null") };
  if (o.jsonrpc !== "2.0") return { ok: false, id, err: RpcError.invalidRequest('jsonrpc must be "2.0"') };
  if (typeof o.method !== "string" || o.method.length === 0) {
    return { ok: false, id, err: RpcError.invalidRequest("method must be a non-empty string") };
  }
  if (o.params !== undefined && !Array.isArray(o.params)) {
    return {
      ok: false,
      id,
      err: RpcError.invalidParams("params must be an array (the Engine API uses positional params)"),
    };
  }
  return {
    ok: true,
    req: {
      jsonrpc: "2.0",
      id,
      method: o.method,
      params: (o.params as unknown[] | undefined) ?? [],
      notification: rawId === undefined,
    },
  };
}
