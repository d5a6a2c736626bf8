// Upstream failures (beacon node, execution client) classified for metrics and retries, with a message
// an operator can act on. URLs in messages never carry credentials.
import { EproofError, errorMessage } from "../util/errors.ts";
import { redactUrl } from "../util/logger.ts";
import type { Upstream, UpstreamErrorKind } from "./interface.ts";

export class UpstreamError extends EproofError {
  readonly upstream: Upstream;
  readonly kind: UpstreamErrorKind;
  readonly status?: number;
  constructor(
    upstream: Upstream,
    kind: UpstreamErrorKind,
    message: string,
    opts: { status?: number; cause?: unknown } = {},
  ) {
    super(kind === "timeout" ? "TIMEOUT" : "UPSTREAM", message, { cause: opts.cause });
    this.name = "UpstreamError";
    this.upstream = upstream;
    this.kind = kind;
    this.status = opts.status;
  }
}

/** Turns whatever undici threw into an UpstreamError (aborts by the caller's own signal pass through). */
export function classifyFetchError(upstream: Upstream, url: string, e: unknown, timedOut: boolean): Error {
  if (e instanceof UpstreamError) return e;
  const where = redactUrl(url);
  if (timedOut)
    return new UpstreamError(upstream, "timeout", `${upstream} request to ${where} timed out`, { cause: e });
  const code =
    typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "";
  if (code.startsWith("UND_ERR_HEADERS_TIMEOUT") || code.startsWith("UND_ERR_BODY_TIMEOUT")) {
    return new UpstreamError(upstream, "timeout", `${upstream} request to ${where} timed out`, { cause: e });
  }
  if (e instanceof Error && e.name === "AbortError") return e;
  return new UpstreamError(
    upstream,
    "connect",
    `${upstream} request to ${where} failed: ${errorMessage(e)}`,
    {
      cause: e,
    },
  );
}

export function malformed(upstream: Upstream, url: string, what: string): UpstreamError {
  return new UpstreamError(upstream, "malformed", `${upstream} answered ${redactUrl(url)} with ${what}`);
}
