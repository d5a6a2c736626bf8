// discv5 on 127.0.0.1: ENRs carry eproof = 1 and eth2 fields; a node bootstrapped with another's ENR
// finds it and dials it; ENRs without eproof are not proof-aware. The peer key persists with mode 0600.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENR, SignableENR } from "@chainsafe/enr";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { describe, expect, it } from "vitest";
import { ENR_EPROOF_KEY, enrForkIdBytes, isProofAware } from "../../src/p2p/discovery.ts";
import { loadOrCreatePeerKey, PEER_KEY_FILE } from "../../src/p2p/peerKey.ts";
import { FORK_DIGEST, makeValidators, startNode, waitFor } from "./harness.ts";

const validators = makeValidators(2);

function udpPort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000);
}

describe("discv5 discovery", () => {
  it("finds a proof-aware node from its ENR and connects to it", async () => {
    const a = await startNode(validators, { discv5Port: udpPort() });
    const aEnr = a.p2p.enr();
    if (!aEnr) throw new Error("no ENR");
    const decoded = ENR.decodeTxt(aEnr);
    expect(isProofAware(decoded)).toBe(true);
    expect(decoded.kvs.get(ENR_EPROOF_KEY)).toEqual(Uint8Array.of(1));
    expect(decoded.kvs.get("eth2")).toEqual(enrForkIdBytes(FORK_DIGEST));
    expect(decoded.ip).toBe("127.0.0.1");
    expect(decoded.peerId.toString()).toBe(a.p2p.peerId);
    const b = await startNode(validators, { discv5Port: udpPort(), bootnodes: [aEnr] });
    try {
      await waitFor(() => b.p2p.peers().some((p) => p.peerId === a.p2p.peerId), 15_000);
      // The dialer sent Status: the peer is known as proof-aware.
      await waitFor(() => b.p2p.peers().some((p) => p.peerId === a.p2p.peerId && p.proofAware), 5_000);
    } finally {
      await b.p2p.stop();
      await a.p2p.stop();
    }
  }, 30_000);

  it("does not treat an ENR without eproof (or eproof = 0) as proof-aware", async () => {
    const key = await generateKeyPair("secp256k1");
    const enr = SignableENR.createV4(key.raw);
    expect(isProofAware(enr.toENR())).toBe(false);
    enr.set(ENR_EPROOF_KEY, Uint8Array.of(0));
    expect(isProofAware(enr.toENR())).toBe(false);
  });
});

describe("persistent peer key", () => {
  it("is created once with mode 0600 and reloaded", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eproof-p2p-"));
    try {
      const first = await loadOrCreatePeerKey(dir);
      const mode = (await stat(join(dir, PEER_KEY_FILE))).mode & 0o777;
      expect(mode).toBe(0o600);
      const second = await loadOrCreatePeerKey(dir);
      expect(second.equals(first)).toBe(true);
      expect(first.type).toBe("secp256k1");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
