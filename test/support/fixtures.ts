// Paths to the shared, read-only fixtures beside the repository.
import { readFileSync } from "node:fs";

export const SHARED = new URL("../../../shared/", import.meta.url);
export const FIXTURES = new URL("fixtures/", SHARED);

export function fixturePath(rel: string): string {
  return new URL(rel, FIXTURES).pathname;
}

export function readFixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(rel)));
}

export function readFixtureJson<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(fixturePath(rel), "utf8")) as T;
}
