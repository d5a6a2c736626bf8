// The libp2p 3 host: TCP + noise + yamux, identify, ping and gossipsub, listening and announcing the
// configured addresses, with a connection cap. Protocol logic lives in gossip/ and reqresp/.
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { type GossipSub, type GossipsubOpts, gossipsub } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { ConnectionGater, Libp2p, PrivateKey } from "@libp2p/interface";
import { type Ping, ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { createLibp2p } from "libp2p";

export type Libp2pServices = {
  pubsub: GossipSub;
  ping: Ping;
  identify: unknown;
};

export type EproofLibp2p = Libp2p<Libp2pServices>;

export interface NodeBuildOpts {
  privateKey: PrivateKey;
  listen: readonly string[];
  announce: readonly string[];
  maxConnections: number;
  gossipsub: Partial<GossipsubOpts>;
  /** Refuses connections (e.g. to and from peers cut off for flooding). */
  connectionGater?: ConnectionGater;
  /**
   * Checked for every inbound gossipsub RPC before any of its messages is transformed (snappy),
   * hashed or validated: false drops the RPC (gossipsub's own graylist check runs after it).
   */
  acceptRpcFrom?: (peer: string) => boolean;
}

type GossipsubFactory = ReturnType<typeof gossipsub>;

/** gossipsub's RPC intake check; the public interface type does not show it. */
interface AcceptFrom {
  acceptFrom(id: string): boolean;
}
function hasAcceptFrom(x: unknown): x is AcceptFrom {
  return typeof (x as { acceptFrom?: unknown }).acceptFrom === "function";
}

/**
 * gossipsub with `accept` checked first in its RPC intake (17.x: `acceptFrom`, called once per RPC
 * before the messages are handled); plain gossipsub if the implementation looks different.
 */
export function gatedGossipsub(
  opts: Partial<GossipsubOpts>,
  accept: (peer: string) => boolean,
): GossipsubFactory {
  const make = gossipsub(opts);
  return (components) => {
    const g = make(components);
    if (hasAcceptFrom(g)) {
      const own = g.acceptFrom.bind(g);
      g.acceptFrom = (id: string) => accept(id) && own(id);
    }
    return g;
  };
}

export async function createLibp2pNode(o: NodeBuildOpts): Promise<EproofLibp2p> {
  return createLibp2p({
    privateKey: o.privateKey,
    start: false,
    addresses: { listen: [...o.listen], announce: [...o.announce] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: o.maxConnections },
    ...(o.connectionGater ? { connectionGater: o.connectionGater } : {}),
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: o.acceptRpcFrom ? gatedGossipsub(o.gossipsub, o.acceptRpcFrom) : gossipsub(o.gossipsub),
    },
  });
}
