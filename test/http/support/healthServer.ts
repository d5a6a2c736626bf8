// A real HttpServer with GET /health in its own process (so a test can give it a small fd limit);
// prints its port on stdout. Argument: maxConnections ("default" for the server's default).

import { sendJson } from "../../../src/http/respond.ts";
import { HttpServer } from "../../../src/http/server.ts";
import { silentLogger } from "../../../src/util/logger.ts";

const arg = process.argv[2];
const server = new HttpServer(
  arg && arg !== "default" ? { port: 0, maxConnections: Number(arg) } : { port: 0 },
  { logger: silentLogger() },
);
server.route("GET", "/health", (_req, res) => sendJson(res, 200, { status: "ok" }));
server.route("GET", "/stats", (_req, res) => sendJson(res, 200, server.connectionStats()));
const { port } = await server.start();
process.stdout.write(`${port}\n`);
