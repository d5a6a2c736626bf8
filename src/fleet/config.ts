// The fleet configuration: which GPUs (or ZisK clusters of GPUs) serve which ere-server endpoint and
// proof type. A zod schema, exported so the node's config schema can embed it.
import { z } from "zod";

export const ZKVMS = ["zisk", "sp1", "openvm"] as const;
export type Zkvm = (typeof ZKVMS)[number];

/** A GPU by nvidia-smi index or UUID. */
export const gpuRefSchema = z.union([z.number().int().min(0), z.string().regex(/^(GPU|MIG)-[0-9a-fA-F-]+$/)]);

export const fleetEndpointSchema = z
  .object({
    /** Label for logs and metrics, e.g. "zisk-gpu0". */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes"),
    /** ere-server base URL. */
    url: z.url(),
    /** Proof type name ("reth-zisk") or u8 id. */
    proofType: z.union([z.string().min(1), z.number().int().min(0).max(255)]),
    zkvm: z.enum(ZKVMS),
    /** One GPU, or several for a ZisK cluster (coordinator + one worker per GPU). */
    gpus: z.array(gpuRefSchema).min(1).max(64),
    /** Host the GPUs sit in (GPUs may repeat across hosts, never within one). */
    host: z.string().min(1).default("localhost"),
  })
  .strict();

export const fleetSchema = z
  .object({
    endpoints: z.array(fleetEndpointSchema).max(64).default([]),
  })
  .strict()
  .superRefine((fleet, ctx) => {
    const names = new Set<string>();
    const gpus = new Map<string, string>();
    fleet.endpoints.forEach((e, i) => {
      if (names.has(e.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["endpoints", i, "name"],
          message: `endpoint name "${e.name}" is used twice`,
        });
      }
      names.add(e.name);
      if (e.gpus.length > 1 && e.zkvm !== "zisk") {
        ctx.addIssue({
          code: "custom",
          path: ["endpoints", i, "gpus"],
          message: `${e.zkvm} endpoints take one GPU each; only ZisK runs a multi-GPU cluster`,
        });
      }
      for (const g of e.gpus) {
        const key = `${e.host}/${g}`;
        const owner = gpus.get(key);
        if (owner) {
          ctx.addIssue({
            code: "custom",
            path: ["endpoints", i, "gpus"],
            message: `GPU ${g} on ${e.host} is already used by endpoint "${owner}"`,
          });
        }
        gpus.set(key, e.name);
      }
    });
  });

export type FleetEndpoint = z.infer<typeof fleetEndpointSchema>;
export type FleetConfig = z.infer<typeof fleetSchema>;
