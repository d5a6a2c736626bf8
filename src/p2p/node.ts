// The libp2p 3 host: TCP + noise + yamux, identify, ping and gossipsub, listening and announcing the
// configured addresses, with a connection cap. Protocol logic lives in gossip/ and reqresp/.
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { type GossipSub, type GossipsubOpts, gossipsub } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { Libp2p, PrivateKey } from "@libp2p/interface";
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
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub(o.gossipsub),
    },
  });
}
