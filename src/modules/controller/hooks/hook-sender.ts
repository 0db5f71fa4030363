import { createHmac, timingSafeEqual } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { DrainGuard } from "../../logger";

/** The header carrying `sha256=<hex>`: HMAC-SHA256 with the hook's secret over `<timestamp>.<raw body>`. */
export const SIGNATURE_HEADER = "x-deis-signature";
/** Unix seconds when this attempt was signed; part of what is signed, so a receiver can refuse old replays. */
export const TIMESTAMP_HEADER = "x-deis-timestamp";
export const EVENT_HEADER = "x-deis-event";
export const DELIVERY_HEADER = "x-deis-delivery";

/** How long a receiver has to answer one attempt. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** `sha256=<hex>` for a body sent at `timestamp` (unix seconds). */
export function signHookBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** What a receiver does to check a delivery (README shows it); here for the tests and as the reference. */
export function verifyHookSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signHookBody(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return /^\d+$/.test(timestamp) && expected.length === given.length && timingSafeEqual(expected, given);
}

export interface HookRequest {
  readonly url: string;
  readonly secret: string;
  readonly body: string;
  readonly event: string;
  readonly deliveryId: string;
}

/** What one attempt came to: the receiver's status (null when none answered) and, when not 2xx, why. */
export interface HookResponse {
  readonly statusCode: number | null;
  readonly error: string | null;
}

/**
 * Sends hook deliveries over HTTP(S). Each attempt asks the drain guard about the URL's host first
 * (it resolves the name) and connects only to the addresses it approved, never resolving again, so
 * a name that moves to a loopback or private address between the check and the connect is refused.
 * Redirects are not followed.
 */
export class HookSender {
  constructor(
    private readonly guard: DrainGuard,
    private readonly userAgent: string,
  ) {}

  async send(hook: HookRequest, now: Date = new Date()): Promise<HookResponse> {
    const url = new URL(hook.url);
    const verdict = await this.guard.check(url.hostname, "a hook");
    if (!verdict.ok) return { statusCode: null, error: `refused: ${verdict.rule}` };
    const approved = verdict.addresses;
    const lookup: LookupFunction = (_host, options, callback) => {
      const first = approved[0];
      if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, approved.map((a) => ({ address: a.address, family: a.family })));
      else callback(null, first.address, first.family);
    };
    const timestamp = Math.floor(now.getTime() / 1000);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<HookResponse>((resolve) => {
      const req = send(
        url,
        {
          method: "POST",
          lookup,
          timeout: ATTEMPT_TIMEOUT_MS,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(hook.body),
            "user-agent": this.userAgent,
            [SIGNATURE_HEADER]: signHookBody(hook.secret, timestamp, hook.body),
            [TIMESTAMP_HEADER]: String(timestamp),
            [EVENT_HEADER]: hook.event,
            [DELIVERY_HEADER]: hook.deliveryId,
          },
        },
        (res) => {
          res.resume();
          const statusCode = res.statusCode ?? 0;
          const ok = statusCode >= 200 && statusCode < 300;
          res.once("end", () => resolve({ statusCode, error: ok ? null : `the receiver answered ${statusCode}` }));
          res.once("error", () => resolve({ statusCode, error: ok ? null : `the receiver answered ${statusCode}` }));
        },
      );
      req.once("timeout", () => req.destroy(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`)));
      req.once("error", (error) => resolve({ statusCode: null, error: error.message.slice(0, 300) }));
      req.end(hook.body);
    });
  }
}
