// The node's persistent secp256k1 peer key (so its peer id and ENR survive restarts): `peer-key` in the
// data dir, libp2p protobuf encoding, file mode 0600.
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { EproofError } from "../util/errors.ts";

export const PEER_KEY_FILE = "peer-key";

export async function loadOrCreatePeerKey(dataDir: string | undefined): Promise<PrivateKey> {
  if (dataDir === undefined) return generateKeyPair("secp256k1");
  const path = join(dataDir, PEER_KEY_FILE);
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new EproofError("BAD_CONFIG", `cannot read peer key ${path}: ${(e as Error).message}`);
    }
  }
  if (bytes !== undefined) {
    try {
      return privateKeyFromProtobuf(bytes);
    } catch {
      throw new EproofError("BAD_CONFIG", `peer key ${path} is not a libp2p protobuf private key`);
    }
  }
  const key = await generateKeyPair("secp256k1");
  await mkdir(dataDir, { recursive: true });
  await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600 });
  await chmod(path, 0o600);
  return key;
}
