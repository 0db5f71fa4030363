/** The router's own small answers: built once, sent as ready bytes. */
export interface Page {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string | number>>;
}

function page(status: number, title: string, message: string, extraHeaders: Record<string, string> = {}): Page {
  const body = Buffer.from(
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title>` +
      `<style>body{font-family:sans-serif;margin:4em auto;max-width:36em;color:#333}</style></head>` +
      `<body><h1>${title}</h1><p>${message}</p></body></html>\n`,
  );
  return {
    status,
    body,
    headers: { "content-type": "text/html; charset=utf-8", "content-length": body.length, "cache-control": "no-store", ...extraHeaders },
  };
}

/** What the maintenance page's Retry-After says, in seconds. */
export const MAINTENANCE_RETRY_AFTER_SECONDS = 60;

export const PAGES = {
  /** The Host is no app's. */
  notFound: page(404, "No such app", "There is no app at this address."),
  /** The app has no running web processes in discovery. */
  noBackends: page(503, "App not available", "This app has no running processes right now. Try again shortly."),
  /** Every backend of the app refused or failed the request. */
  badGateway: page(502, "Bad gateway", "The app did not answer. Try again shortly."),
  /** The backend did not start its answer within the router's backend timeout. */
  gatewayTimeout: page(504, "Gateway timeout", "The app took too long to answer. Try again shortly."),
  /** A request HTTP/1.1 forbids: more than one Host header. */
  badRequest: page(400, "Bad request", "The request carries more than one Host header."),
  /** The app is in maintenance mode (`deis maintenance:on`); its processes keep running. */
  maintenance: page(503, "Down for maintenance", "This app is undergoing maintenance. Try again shortly.", {
    "retry-after": String(MAINTENANCE_RETRY_AFTER_SECONDS),
  }),
  /** The client's address is not in the app's allow-list. */
  forbidden: page(403, "Forbidden", "Your address may not reach this app."),
} as const;

/** The app asks for HTTP basic auth: a 401 naming the realm (the app's name). */
export function unauthorizedPage(realm: string): Page {
  return page(401, "Authentication required", "This app needs a username and password.", {
    "www-authenticate": `Basic realm="${realm.replace(/["\\]/g, "")}", charset="UTF-8"`,
  });
}

export const HEALTHY = Buffer.from('{"status":"ok"}');
