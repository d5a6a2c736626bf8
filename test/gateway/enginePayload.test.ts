// Engine API JSON ↔ NewPayloadRequest: the real devnet NPR survives the round trip with its root.
import { ssz } from "@lodestar/types";
import { describe, expect, it } from "vitest";
import {
  engineParamsFromNpr,
  InvalidEngineParams,
  NoNprForPayload,
  nprFromEngineParams,
} from "../../src/gateway/enginePayload.ts";
import { nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { toHex } from "../../src/util/hex.ts";
import { fixtureNpr, NPR_ROOT } from "../api/support/harness.ts";

function fixtureParams(): unknown[] {
  return JSON.parse(JSON.stringify(engineParamsFromNpr(fixtureNpr().npr).params)) as unknown[];
}

function payloadOf(params: unknown[]): Record<string, unknown> {
  return params[0] as Record<string, unknown>;
}

describe("engine_newPayload params → NewPayloadRequest", () => {
  it("rebuilds the devnet NPR from its engine_newPayloadV4 JSON with the zkboost root", () => {
    const { method, params } = engineParamsFromNpr(fixtureNpr().npr);
    expect(method).toBe("engine_newPayloadV4");
    expect(payloadOf(params).blockNumber).toBe("0x4b0");
    const npr = nprFromEngineParams(4, JSON.parse(JSON.stringify(params)));
    expect(npr.fork).toBe("fulu");
    expect(toHex(nprRoot(npr))).toBe(NPR_ROOT);
  });

  it("builds Deneb (V3) and Gloas (V5) requests with execution requests, root-identical to the SSZ value", () => {
    const deneb = ssz.deneb.NewPayloadRequest.defaultValue();
    deneb.executionPayload.blockNumber = 77;
    deneb.versionedHashes = [new Uint8Array(32).fill(1)];
    const d = engineParamsFromNpr({ fork: "deneb", value: deneb });
    expect(d.method).toBe("engine_newPayloadV3");
    expect(toHex(nprRoot(nprFromEngineParams(3, d.params)))).toBe(
      toHex(ssz.deneb.NewPayloadRequest.hashTreeRoot(deneb)),
    );

    const gloas = ssz.gloas.NewPayloadRequest.defaultValue();
    gloas.executionPayload.slotNumber = 12;
    gloas.executionPayload.blockAccessList = Uint8Array.of(0xc0);
    gloas.executionRequests.withdrawals = [ssz.electra.WithdrawalRequest.defaultValue()];
    const g = engineParamsFromNpr({ fork: "gloas", value: gloas });
    expect(g.method).toBe("engine_newPayloadV5");
    expect((g.params[3] as string[])[0]?.startsWith("0x01")).toBe(true);
    expect(toHex(nprRoot(nprFromEngineParams(5, g.params)))).toBe(
      toHex(ssz.gloas.NewPayloadRequest.hashTreeRoot(gloas)),
    );
  });

  it("builds a Capella NPR from engine_newPayloadV2 with withdrawals, and none from a V1-shaped payload", () => {
    const capella = ssz.capella.NewPayloadRequest.defaultValue();
    capella.executionPayload.blockNumber = 5;
    capella.executionPayload.withdrawals = [
      { ...ssz.capella.Withdrawal.defaultValue(), amount: 32_000_000_000n },
    ];
    const c = engineParamsFromNpr({ fork: "capella", value: capella });
    expect(c.method).toBe("engine_newPayloadV2");
    expect(c.params).toHaveLength(1);
    const built = nprFromEngineParams(2, JSON.parse(JSON.stringify(c.params)));
    expect(built.fork).toBe("capella");
    expect(toHex(nprRoot(built))).toBe(toHex(ssz.capella.NewPayloadRequest.hashTreeRoot(capella)));

    const v1 = { ...payloadOf(c.params) };
    delete v1.withdrawals;
    expect(() => nprFromEngineParams(2, [v1])).toThrow(NoNprForPayload);
    expect(() => nprFromEngineParams(1, [v1])).toThrow(NoNprForPayload);
    expect(() => nprFromEngineParams(2, [{ ...v1, gasUsed: "12" }])).toThrow(InvalidEngineParams);
    expect(() => nprFromEngineParams(2, [{ ...payloadOf(c.params), blobGasUsed: "0x0" }])).toThrow(
      /blobGasUsed/,
    );
  });

  it("refuses malformed params as invalid params", () => {
    const params = fixtureParams();
    expect(() => nprFromEngineParams(4, params.slice(0, 3))).toThrow(/takes 4 params/);
    expect(() =>
      nprFromEngineParams(4, [{ ...payloadOf(params), blockNumber: "0x04b0" }, ...params.slice(1)]),
    ).toThrow(/QUANTITY/);
    expect(() =>
      nprFromEngineParams(4, [{ ...payloadOf(params), blockHash: "0x1234" }, ...params.slice(1)]),
    ).toThrow(InvalidEngineParams);
    expect(() => nprFromEngineParams(4, [payloadOf(params), [], params[2], ["0x01"]])).toThrow(
      /no request data/,
    );
    const withdrawal = toHex(
      Uint8Array.of(
        1,
        ...ssz.electra.WithdrawalRequests.serialize([ssz.electra.WithdrawalRequest.defaultValue()]),
      ),
    );
    const deposit = toHex(
      Uint8Array.of(0, ...ssz.electra.DepositRequests.serialize([ssz.electra.DepositRequest.defaultValue()])),
    );
    expect(() => nprFromEngineParams(4, [payloadOf(params), [], params[2], [withdrawal, deposit]])).toThrow(
      /ascending/,
    );
    expect(() => nprFromEngineParams(4, [payloadOf(params), [], params[2], ["0x07aa"]])).toThrow(
      NoNprForPayload,
    );
    expect(() => nprFromEngineParams(9, [])).toThrow(/not defined/);
  });
});
