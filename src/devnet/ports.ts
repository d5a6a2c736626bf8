// Loopback ports for the devnet: a caller-chosen consecutive range, or free ports picked by the OS.
import { createServer } from "node:net";

export interface DevnetPorts {
  elRpc: number;
  elEngine: number;
  elP2p: number;
  clRest: number;
  /** TCP and UDP (discovery stays off, but Lodestar still binds it). */
  clP2p: number;
}

export function portsFromBase(base: number): DevnetPorts {
  if (!Number.isInteger(base) || base < 1024 || base + 4 > 65535)
    throw new RangeError(`bad basePort ${base}`);
  return { elRpc: base, elEngine: base + 1, elP2p: base + 2, clRest: base + 3, clP2p: base + 4 };
}

async function freePort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(0, "127.0.0.1", () => res());
  });
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return { port: addr.port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Five distinct free ports (held open together while picking, so they differ). */
export async function freeDevnetPorts(): Promise<DevnetPorts> {
  const held = [];
  for (let i = 0; i < 5; i++) held.push(await freePort());
  await Promise.all(held.map((h) => h.close()));
  const [elRpc, elEngine, elP2p, clRest, clP2p] = held.map((h) => h.port);
  if (
    elRpc === undefined ||
    elEngine === undefined ||
    elP2p === undefined ||
    clRest === undefined ||
    clP2p === undefined
  ) {
    throw new Error("port allocation failed");
  }
  return { elRpc, elEngine, elP2p, clRest, clP2p };
}
