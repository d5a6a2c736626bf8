// A stand-in for the SP1 verifier worker that speaks its messages but misbehaves on cue, so the pool's
// handling of a hung or crashing verifier can be tested: proof[0] = 0xff never answers, 0xfe exits the
// thread, 0xfd throws out of the handler; anything else is "valid" unless proof[1] = 0.
import { parentPort } from "node:worker_threads";

const port = parentPort;
if (port) {
  port.on("message", (req: { id: number; proof: Uint8Array; vk: Uint8Array }) => {
    const cue = req.proof[0];
    if (cue === 0xff) return;
    if (cue === 0xfe) process.exit(3);
    if (cue === 0xfd) throw new Error("verifier double blew up");
    port.postMessage({ id: req.id, valid: req.proof[1] !== 0 });
  });
  port.postMessage({ ready: true });
}
