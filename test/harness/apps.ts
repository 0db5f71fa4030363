import { randomBytes } from "node:crypto";
import type { DeisClient } from "../../src/sdk/client";
import { eventually } from "./wait";

/** An app name no other test file uses (containers share one Docker engine). */
export function uniqueApp(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

/** Waits until release `version` has left PENDING; returns its status and failure reason. */
export function settledRelease(client: DeisClient, app: string, version: number, timeoutMs = 90_000) {
  return eventually(
    `${app} v${version} to finish deploying`,
    async () => {
      const { release } = await client.sdk.Release({ app, version });
      return release.status === "PENDING" ? undefined : release;
    },
    timeoutMs,
  );
}

/** GETs a path from a process's host:port. */
export async function get(address: string, path = "/"): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${address}${path}`);
  return { status: response.status, body: await response.text() };
}
