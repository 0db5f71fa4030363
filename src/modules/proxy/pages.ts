/** The router's own small answers: built once, sent as ready bytes. */
export interface Page {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string | number>>;
}

function page(status: number, title: string, message: string): Page {
  const body = Buffer.from(
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title>` +
      `<style>body{font-family:sans-serif;margin:4em auto;max-width:36em;color:#333}</style></head>` +
      `<body><h1>${title}</h1><p>${message}</p></body></html>\n`,
  );
  return {
    status,
    body,
    headers: { "content-type": "text/html; charset=utf-8", "content-length": body.length, "cache-control": "no-store" },
  };
}

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
} as const;

export const HEALTHY = Buffer.from('{"status":"ok"}');
