// Preloaded (node --require) into every devnet child process (Lodestar, EthereumJS client).
// 1. No orphans: the child exits, with its whole process group, as soon as the process that started it
//    is gone (it gets re-parented), even if that parent was SIGKILLed and could not clean up.
// 2. Loopback only: binds on a wildcard address (0.0.0.0, ::, or no host) are moved to 127.0.0.1, because
//    the EthereumJS client hard-codes 0.0.0.0 for its devp2p listener.
"use strict";
const net = require("node:net");
const dgram = require("node:dgram");

// The starter passes its pid: reading process.ppid here would be too late if it died while we booted.
const startParent = Number(process.env.EPROOF_DEVNET_PARENT_PID) || process.ppid;
const pollMs = Number(process.env.EPROOF_DEVNET_PARENT_POLL_MS || "500");
const checkParent = () => {
  if (process.ppid === startParent) return;
  try {
    // Negative pid: the whole group (the child is its group's leader: spawned detached).
    process.kill(-process.pid, "SIGKILL");
  } catch {
    process.kill(process.pid, "SIGKILL");
  }
};
checkParent();
setInterval(checkParent, pollMs).unref();

const LOOPBACK = "127.0.0.1";
const isWildcard = (host) => host === undefined || host === null || host === "0.0.0.0" || host === "::";

const origListen = net.Server.prototype.listen;
net.Server.prototype.listen = function guardedListen(...args) {
  const first = args[0];
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, cb])
    if (typeof args[1] === "function" || args[1] === undefined || isWildcard(args[1])) {
      if (typeof args[1] === "function" || args[1] === undefined) args.splice(1, 0, LOOPBACK);
      else args[1] = LOOPBACK;
    }
  } else if (first !== null && typeof first === "object" && !(first instanceof net.Server) && first.path === undefined) {
    if ("port" in first && isWildcard(first.host)) args[0] = { ...first, host: LOOPBACK };
  }
  return origListen.apply(this, args);
};

const origBind = dgram.Socket.prototype.bind;
dgram.Socket.prototype.bind = function guardedBind(...args) {
  const first = args[0];
  if (typeof first === "number") {
    if (typeof args[1] === "function" || args[1] === undefined) args.splice(1, 0, LOOPBACK);
    else if (isWildcard(args[1])) args[1] = LOOPBACK;
  } else if (first !== null && typeof first === "object") {
    if (isWildcard(first.address)) args[0] = { ...first, address: LOOPBACK };
  }
  return origBind.apply(this, args);
};
