import { describe, expect, it } from "vitest";
import { parseEndpointUrl } from "../../../src/proving/backends/httpBody.ts";

describe("parseEndpointUrl", () => {
  it("keeps an http(s) URL without trailing slashes and names its host", () => {
    expect(parseEndpointUrl("ere", "http://10.0.0.5:3000//")).toEqual({
      url: "http://10.0.0.5:3000",
      host: "10.0.0.5:3000",
    });
  });

  it("refuses other schemes and non-URLs with BAD_CONFIG, never echoing credentials", () => {
    expect(() => parseEndpointUrl("zkboost", "ftp://user:secret@host/")).toThrow(
      "zkboost endpoint must be http(s), not ftp:",
    );
    expect(() => parseEndpointUrl("ere", "not a url")).toThrow(/ere endpoint "not a url" is not a URL/);
    let message = "";
    try {
      parseEndpointUrl("ere", "user:secret@ bad host");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe("ere endpoint must be http(s), not user:");
    expect(() => parseEndpointUrl("ere", "http://user:secret@ bad host")).toThrow(
      /^ere endpoint is not a URL$/,
    );
  });
});
