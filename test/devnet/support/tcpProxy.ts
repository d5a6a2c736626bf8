// A loopback TCP proxy for outage tests: while up it pipes every connection to the target; taken down
// it destroys the connections it holds and closes every new one at once (an upstream that went away:
// requests fail with a reset, an event stream ends), until it is brought up again.
import { createConnection, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private readonly targetHost: string;
  private readonly targetPort: number;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private down = false;
  /** Connections refused while down (a sign the client kept trying). */
  refused = 0;
  port = 0;

  constructor(target: string) {
    const u = new URL(target);
    this.targetHost = u.hostname;
    this.targetPort = Number(u.port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isDown(): boolean {
    return this.down;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      if (this.down) {
        this.refused++;
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      this.sockets.add(client);
      this.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    this.port = typeof addr === "object" && addr ? addr.port : 0;
  }

  /** Goes down: open connections are cut, new ones closed on accept. */
  takeDown(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  bringUp(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.takeDown();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
