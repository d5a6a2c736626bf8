// EIP-2335 keystores: the validator key eproof signs proofs with, decrypted with a password file.
import { readFile } from "node:fs/promises";
import { Keystore } from "@chainsafe/bls-keystore";
import { SecretKey } from "@chainsafe/blst";
import { EproofError, errorMessage } from "../util/errors.ts";

export interface LoadedKey {
  secretKey: SecretKey;
  pubkey: Uint8Array;
}

export async function loadKeystore(keystorePath: string, passwordPath: string): Promise<LoadedKey> {
  let text: string;
  try {
    text = await readFile(keystorePath, "utf8");
  } catch (e) {
    throw new EproofError("KEYSTORE", `cannot read keystore ${keystorePath}: ${errorMessage(e)}`);
  }
  // JSON.parse quotes the start of its input in its message: for a password file given as the
  // keystore that would print the password, so its message is never passed on.
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EproofError("KEYSTORE", `keystore ${keystorePath} is not JSON (is it the password file?)`);
  }
  let keystore: Keystore;
  try {
    // Schema errors name fields and rules (instance path + ajv message), never the file's values.
    keystore = Keystore.fromObject(json);
  } catch (e) {
    throw new EproofError(
      "KEYSTORE",
      `keystore ${keystorePath} is not an EIP-2335 keystore: ${errorMessage(e)}`,
    );
  }
  let password: string;
  try {
    // Password files often end with a newline that is not part of the password.
    password = (await readFile(passwordPath, "utf8")).replace(/\r?\n$/, "");
  } catch (e) {
    throw new EproofError("KEYSTORE", `cannot read password file ${passwordPath}: ${errorMessage(e)}`);
  }
  if (!(await keystore.verifyPassword(password))) {
    throw new EproofError("KEYSTORE", `wrong password for keystore ${keystorePath}`);
  }
  const secretKey = SecretKey.fromBytes(await keystore.decrypt(password));
  const pubkey = secretKey.toPublicKey().toBytes();
  if (keystore.pubkey && Buffer.from(pubkey).toString("hex") !== keystore.pubkey.replace(/^0x/, "")) {
    throw new EproofError(
      "KEYSTORE",
      `keystore ${keystorePath} decrypts to a key that does not match its pubkey`,
    );
  }
  return { secretKey, pubkey };
}

/** Writes a new EIP-2335 keystore (for tests and `eproof keys create`-style tooling). */
export async function createKeystoreJson(secretKey: SecretKey, password: string): Promise<string> {
  const pubkey = secretKey.toPublicKey().toBytes();
  const ks = await Keystore.create(password, secretKey.toBytes(), pubkey, "m/12381/3600/0/0/0");
  return ks.stringify();
}
