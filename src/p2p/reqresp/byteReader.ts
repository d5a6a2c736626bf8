// Pulls exact byte counts out of a libp2p stream's chunk iterator without buffering more than needed.
import { Uint8ArrayList } from "uint8arraylist";

export class StreamEndedError extends Error {
  constructor() {
    super("stream ended early");
    this.name = "StreamEndedError";
  }
}

export class ByteReader {
  private readonly source: AsyncIterator<Uint8Array | Uint8ArrayList>;
  private readonly buffered = new Uint8ArrayList();
  private done = false;

  constructor(source: AsyncIterable<Uint8Array | Uint8ArrayList>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** True when the remote closed and every byte was consumed. */
  async atEnd(): Promise<boolean> {
    if (this.buffered.byteLength > 0) return false;
    await this.fill();
    return this.buffered.byteLength === 0;
  }

  async readByte(): Promise<number> {
    const b = await this.read(1);
    return b[0] ?? 0;
  }

  async read(n: number): Promise<Uint8Array> {
    while (this.buffered.byteLength < n) {
      if (this.done) throw new StreamEndedError();
      await this.fill();
    }
    const out = this.buffered.subarray(0, n);
    this.buffered.consume(n);
    return out;
  }

  /** Unsigned LEB128 varint (protobuf style), at most 10 bytes. */
  async readVarint(): Promise<number> {
    let value = 0;
    for (let i = 0; i < 10; i++) {
      const byte = await this.readByte();
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error("varint longer than 10 bytes");
  }

  private async fill(): Promise<void> {
    if (this.done) return;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return;
    }
    this.buffered.append(next.value);
  }
}

export function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}
