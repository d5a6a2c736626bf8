/** Polls `cond` every 10 ms; throws naming `what` after `timeoutMs` (default 5 s). */
export async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 10) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
