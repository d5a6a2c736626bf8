// The one error shape every eproof HTTP surface answers with: {"code": <http status>, "message": "..."}
// (zkboost's ErrorResponse), built by named constructors so handlers read as intent.
import type { ServerResponse } from "node:http";
import { isEproofError } from "../util/errors.ts";

export interface ErrorBody {
  code: number;
  message: string;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.name = "HttpError";
  }

  static badRequest(message: string): HttpError {
    return new HttpError(400, message);
  }
  static unauthorized(message: string): HttpError {
    return new HttpError(401, message);
  }
  static forbidden(message: string): HttpError {
    return new HttpError(403, message);
  }
  static notFound(message: string): HttpError {
    return new HttpError(404, message);
  }
  static methodNotAllowed(method: string, path: string): HttpError {
    return new HttpError(405, `method ${method} is not allowed on ${path}`);
  }
  static payloadTooLarge(limit: number): HttpError {
    return new HttpError(413, `request body exceeds the limit of ${limit} bytes`);
  }
  static unsupportedMediaType(message: string): HttpError {
    return new HttpError(415, message);
  }
  static internal(message: string): HttpError {
    return new HttpError(500, message);
  }
  static badGateway(message: string): HttpError {
    return new HttpError(502, message);
  }
  static unavailable(message: string): HttpError {
    return new HttpError(503, message);
  }
}

/** Maps anything thrown by a handler to a status: input errors are 400, the rest 500. */
export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (isEproofError(e)) {
    switch (e.code) {
      case "BAD_INPUT":
      case "BAD_HEX":
      case "SSZ_DECODE":
      case "UNKNOWN_TYPE":
      case "UNKNOWN_FORK":
        return HttpError.badRequest(e.message);
      case "NOT_FOUND":
        return HttpError.notFound(e.message);
      case "UPSTREAM":
        return HttpError.badGateway(e.message);
      case "TIMEOUT":
        return HttpError.unavailable(e.message);
      default:
        return HttpError.internal(e.message);
    }
  }
  return HttpError.internal("internal error");
}

export function sendError(res: ServerResponse, err: HttpError): void {
  const body: ErrorBody = { code: err.status, message: err.message };
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(err.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
