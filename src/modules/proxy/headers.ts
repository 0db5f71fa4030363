import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Header rewriting on the hot path, over raw header lists (`[name, value, name, value, ...]`) so
 * the client's spelling and repeated headers pass through untouched. Only names whose length
 * matches one of the special headers are lowercased.
 */
const enum Special {
  HopByHop,
  /** How the body is framed, and 100-continue: the router's own business with each side. */
  Framing,
  ForwardedFor,
  Forwarded,
  RequestId,
}

const REQUEST_SPECIAL = new Map<string, Special>([
  ["connection", Special.HopByHop],
  ["keep-alive", Special.HopByHop],
  ["proxy-connection", Special.HopByHop],
  ["te", Special.HopByHop],
  ["trailer", Special.HopByHop],
  ["upgrade", Special.HopByHop],
  ["transfer-encoding", Special.Framing],
  ["expect", Special.Framing],
  ["x-forwarded-for", Special.ForwardedFor],
  ["x-forwarded-proto", Special.Forwarded],
  ["x-forwarded-port", Special.Forwarded],
  ["x-forwarded-host", Special.Forwarded],
  ["x-request-id", Special.RequestId],
]);

/**
 * True when a request carries more than one Host header (RFC 9112 3.2: answer 400). Node keeps only
 * the first in `req.headers`, so the raw list is what tells.
 */
export function hasRepeatedHost(raw: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== 4 || name.toLowerCase() !== "host") continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}

/** The router frames its own responses: these never pass from a backend to a client. */
const RESPONSE_HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "trailer", "upgrade"]);

function lengthsOf(names: Iterable<string>): boolean[] {
  const lengths: boolean[] = [];
  for (const name of names) lengths[name.length] = true;
  return lengths;
}

const REQUEST_LENGTHS = lengthsOf(REQUEST_SPECIAL.keys());
const RESPONSE_LENGTHS = lengthsOf(RESPONSE_HOP_BY_HOP);

/** A client's X-Request-Id is kept when it is 1-200 visible ASCII characters. */
const REQUEST_ID_RE = /^[\x21-\x7e]{1,200}$/;

export interface UpstreamHeaders {
  readonly headers: string[];
  readonly requestId: string;
}

/**
 * The headers to send a backend: the client's, less hop-by-hop ones, plus X-Forwarded-For (the
 * client's list with its address appended), X-Forwarded-Proto/Port/Host (as this router saw the
 * request) and X-Request-Id (the client's, or a new one).
 */
export function upstreamHeaders(req: IncomingMessage, upgrade: string | null): UpstreamHeaders {
  const raw = req.rawHeaders;
  const headers: string[] = [];
  let forwardedFor = "";
  let requestId = "";
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const special = REQUEST_LENGTHS[name.length] === true ? REQUEST_SPECIAL.get(name.toLowerCase()) : undefined;
    if (special === undefined) {
      headers.push(name, raw[i + 1]);
    } else if (special === Special.ForwardedFor) {
      forwardedFor = forwardedFor ? `${forwardedFor}, ${raw[i + 1]}` : raw[i + 1];
    } else if (special === Special.RequestId && requestId === "") {
      requestId = raw[i + 1];
    }
  }
  if (!REQUEST_ID_RE.test(requestId)) requestId = randomUUID();
  const socket = req.socket as IncomingMessage["socket"] & { encrypted?: boolean };
  const client = socket.remoteAddress ?? "";
  headers.push(
    "X-Forwarded-For",
    forwardedFor ? `${forwardedFor}, ${client}` : client,
    "X-Forwarded-Proto",
    socket.encrypted ? "https" : "http",
    "X-Forwarded-Port",
    String(socket.localPort ?? ""),
    "X-Forwarded-Host",
    req.headers.host ?? "",
    "X-Request-Id",
    requestId,
  );
  if (upgrade !== null) headers.push("Connection", "Upgrade", "Upgrade", upgrade);
  return { headers, requestId };
}

/**
 * A backend's response headers less the hop-by-hop ones (Node frames the client's response), as
 * strings (undici hands them over as bytes; header bytes are Latin-1, as Node's parser reads them).
 */
export function downstreamHeaders(raw: readonly (string | Buffer)[]): string[] {
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString("latin1");
    if (RESPONSE_LENGTHS[name.length] === true && RESPONSE_HOP_BY_HOP.has(name.toLowerCase())) continue;
    headers.push(name, raw[i + 1].toString("latin1"));
  }
  return headers;
}
