// Hostile snappy blocks against the patched snappyjs (patches/snappyjs+0.7.0.patch): each is run in a
// worker thread, so a decoder stuck in a loop fails the test after a few seconds instead of freezing
// the test process (as one did, in the fuzz suite, before the patch).
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { compressSnappyBlock, decompressSnappyBlock } from "../../../src/p2p/gossip/snappyBlock.ts";

const SNAPPY_BLOCK = new URL("../../../src/p2p/gossip/snappyBlock.ts", import.meta.url).href;

/** What decompressSnappyBlock does with `block` in a worker: "ok:<n>", "threw:<message>" or "hung". */
function decodeInWorker(block: Uint8Array, maxBytes: number): Promise<string> {
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    import(workerData.url).then(({ decompressSnappyBlock }) => {
      try {
        parentPort.postMessage("ok:" + decompressSnappyBlock(workerData.block, workerData.maxBytes).length);
      } catch (e) {
        parentPort.postMessage("threw:" + e.message);
      }
    });
  `;
  const worker = new Worker(code, { eval: true, workerData: { url: SNAPPY_BLOCK, block, maxBytes } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve("hung");
    }, 5_000);
    worker.once("message", (m: string) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    worker.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

describe("snappy block decoding of hostile input", () => {
  it("rejects a literal whose 4-byte length has its top bit set (looped forever before the patch)", async () => {
    // Length header 16, then a literal tag with a 4-byte length 0xfffffffa: signed, it stepped back onto the tag.
    const block = Uint8Array.of(0x10, 0xfc, 0xfa, 0xff, 0xff, 0xff, 0x00);
    expect(await decodeInWorker(block, 1024)).toBe("threw:Invalid Snappy bitstream");
  });

  it("rejects a copy with a 4-byte offset that reads as negative, and writes past the declared length", async () => {
    // Header 8, literal "abcd", then a 4-byte-offset copy of 4 bytes at offset 0xfffffffc (-4 signed).
    const negativeOffset = Uint8Array.of(0x08, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x0f, 0xfc, 0xff, 0xff, 0xff);
    expect(await decodeInWorker(negativeOffset, 1024)).toBe("threw:Invalid Snappy bitstream");
    // Header 2, then a 4-byte literal: more output than declared (was silently cut to 2 bytes).
    const overlong = Uint8Array.of(0x02, 0x0c, 0x61, 0x62, 0x63, 0x64);
    expect(await decodeInWorker(overlong, 1024)).toBe("threw:Invalid Snappy bitstream");
  });

  it("still round-trips real data", () => {
    const data = new TextEncoder().encode("execution_proof ".repeat(500));
    expect(decompressSnappyBlock(compressSnappyBlock(data), 1 << 20)).toEqual(data);
  });
});
