// `execution.witness: auto`: ask the EL's debug witness methods first; once the EL shows it has neither,
// build every later witness from eth_getProof instead (and remember that, so the probe is paid once).
import type { Logger } from "../util/logger.ts";
import type { FetchedWitness, WitnessRequest, WitnessSource } from "./interface.ts";
import { WitnessMethodsMissingError } from "./rpcWitnessSource.ts";

export class FallbackWitnessSource implements WitnessSource {
  private readonly primary: WitnessSource;
  private readonly fallback: WitnessSource;
  private readonly logger: Logger;
  private primaryMissing = false;

  constructor(primary: WitnessSource, fallback: WitnessSource, logger: Logger) {
    this.primary = primary;
    this.fallback = fallback;
    this.logger = logger;
  }

  async fetchWitness(req: WitnessRequest, signal?: AbortSignal): Promise<FetchedWitness> {
    if (!this.primaryMissing) {
      try {
        return await this.primary.fetchWitness(req, signal);
      } catch (e) {
        if (!(e instanceof WitnessMethodsMissingError)) throw e;
        this.primaryMissing = true;
        this.logger.info(
          "execution client has no debug_executionWitness: rebuilding witnesses from eth_getProof",
        );
      }
    }
    return this.fallback.fetchWitness(req, signal);
  }
}
