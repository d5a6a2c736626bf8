// Types for snappyjs (the package ships none): snappy block compression.
declare module "snappyjs" {
  export function compress(uncompressed: Uint8Array): Uint8Array;
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}
