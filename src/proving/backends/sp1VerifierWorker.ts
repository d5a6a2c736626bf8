// Worker-thread side of Sp1VerifierPool: runs the SP1 Hypercube STARK verifier (wasm, from npm
// @ethproofs/sp1-hypercube-wasm-verifier) on proofs it is sent and answers each with a verdict.
// The package entry is a bundler build (it imports the .wasm as a module), so the module compiled by the
// pool is instantiated here with the package's generated glue as its import object.
import { parentPort, workerData } from "node:worker_threads";
import { errorMessage } from "../../util/errors.ts";

export interface Sp1WorkerData {
  /** The compiled verifier (the pool compiles it once and shares it). */
  module: WebAssembly.Module;
  /** URL of the package's generated `*_bg.js` glue. */
  glueUrl: string;
}

export interface Sp1WorkerRequest {
  id: number;
  proof: Uint8Array;
  /** bincode [KoalaBear; 8]: 8 canonical u32, little-endian. */
  vk: Uint8Array;
}

export type Sp1WorkerResponse = { id: number; valid: boolean } | { id: number; error: string };

interface Glue {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
  verify_stark(proof: Uint8Array, vk: Uint8Array): boolean;
}

/** Module name the wasm imports its glue under (wasm-bindgen's bundler target). */
const GLUE_MODULE = "./sp1_hypercube_wasm_verifier_bg.js";

async function start(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as Sp1WorkerData;
  let glue: Glue;
  let generation = 0;
  // The glue keeps module-level views of the instance's memory: a fresh instance gets a fresh glue module.
  const instantiate = async () => {
    const url = generation++ === 0 ? data.glueUrl : `${data.glueUrl}?instance=${generation}`;
    const fresh = (await import(url)) as Glue & WebAssembly.ModuleImports;
    const instance = new WebAssembly.Instance(data.module, { [GLUE_MODULE]: fresh });
    fresh.__wbg_set_wasm(instance.exports);
    const init = instance.exports.__wbindgen_start;
    if (typeof init === "function") init();
    glue = fresh;
  };
  await instantiate();
  port.on("message", async (req: Sp1WorkerRequest) => {
    let res: Sp1WorkerResponse;
    try {
      res = { id: req.id, valid: glue.verify_stark(req.proof, req.vk) };
    } catch (e) {
      // A trap (Rust panic) leaves the instance's heap undefined: start from a fresh one.
      res = { id: req.id, error: `SP1 verifier trapped: ${errorMessage(e)}` };
      await instantiate();
    }
    port.postMessage(res);
  });
  port.postMessage({ ready: true });
}

void start();
