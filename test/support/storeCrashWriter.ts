// Child process of the store crash test: writes numbered proofs forever and prints "ack <i>" only
// after putProof resolved. The test kill -9s it mid-stream and checks every acknowledged proof.
import { openProofStore } from "../../src/store/levelStore.ts";
import { numberedPayload, numberedProof } from "./storeRecords.ts";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: storeCrashWriter.ts <dir>\n");
  process.exit(2);
}
const store = await openProofStore(dir);
process.stdout.write("ready\n");
// Two writers in flight at once, as the service writes several proof types concurrently.
let next = 0;
async function writer(): Promise<void> {
  for (;;) {
    const i = next++;
    if (i % 4 === 0) await store.putPayload(numberedPayload(i / 4));
    await store.putProof(numberedProof(i));
    process.stdout.write(`ack ${i}\n`);
  }
}
await Promise.all([writer(), writer()]);
