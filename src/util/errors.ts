// Typed errors with a stable code, so the CLI and APIs can print a message a user can act on.

export type ErrorCode =
  | "BAD_USAGE"
  | "BAD_CONFIG"
  | "BAD_INPUT"
  | "SSZ_DECODE"
  | "UNKNOWN_TYPE"
  | "UNKNOWN_FORK"
  | "BAD_HEX"
  | "KEYSTORE"
  | "DOUBLE_SIGN"
  | "UPSTREAM"
  | "TIMEOUT"
  | "NOT_FOUND"
  | "PROVER"
  | "STORE"
  | "INTERNAL";

export class EproofError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "EproofError";
  }
}

export function isEproofError(e: unknown): e is EproofError {
  return e instanceof EproofError;
}

/** The message of any thrown value, without a stack. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
