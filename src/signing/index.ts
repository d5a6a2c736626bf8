export * from "./bls.ts";
export * from "./domain.ts";
export * from "./doubleSignGuard.ts";
export * from "./interopKeys.ts";
export * from "./keystore.ts";
export * from "./signer.ts";
