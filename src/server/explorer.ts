import { createReadStream, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ServerResponse } from "node:http";

/**
 * GraphiQL served from node_modules, so the explorer works on a machine without internet: the page
 * and every script come from this server. Subscriptions go over graphql-ws on the same URL.
 */
const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  "react.js": { pkg: "react", file: "umd/react.production.min.js", type: "text/javascript" },
  "react-dom.js": { pkg: "react-dom", file: "umd/react-dom.production.min.js", type: "text/javascript" },
  "graphiql.js": { pkg: "graphiql", file: "graphiql.min.js", type: "text/javascript" },
  "graphiql.css": { pkg: "graphiql", file: "graphiql.min.css", type: "text/css" },
  "graphql-ws.js": { pkg: "graphql-ws", file: "umd/graphql-ws.min.js", type: "text/javascript" },
};

/** A package's folder, found from its entry point (some packages export no package.json). */
function packageRoot(pkg: string): string {
  let dir = dirname(require.resolve(pkg));
  while (!existsSync(join(dir, "package.json")) || !dir.endsWith(pkg)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${pkg} package`);
    dir = parent;
  }
  return dir;
}

export const EXPLORER_ASSET_PREFIX = "/graphql/explorer/";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Deis GraphQL explorer</title>
<link rel="stylesheet" href="${EXPLORER_ASSET_PREFIX}graphiql.css">
<style>html, body, #explorer { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="explorer">Loading the explorer…</div>
<script src="${EXPLORER_ASSET_PREFIX}react.js"></script>
<script src="${EXPLORER_ASSET_PREFIX}react-dom.js"></script>
<script src="${EXPLORER_ASSET_PREFIX}graphql-ws.js"></script>
<script src="${EXPLORER_ASSET_PREFIX}graphiql.js"></script>
<script>
  const url = new URL("/graphql", location.href);
  const wsUrl = url.href.replace(/^http/, "ws");
  // Queries and mutations over HTTP with the Headers tab's headers (GraphiQL passes them on).
  const http = GraphiQL.createFetcher({ url: url.href });
  // Subscriptions over graphql-ws, with the Authorization of the Headers tab as it is when the
  // subscription starts (persisted or not): one connection per distinct token.
  const sockets = new Map();
  const socketFor = (authorization) => {
    const key = authorization || "";
    if (!sockets.has(key)) {
      sockets.set(key, graphqlWs.createClient({ url: wsUrl, lazy: true, connectionParams: authorization ? { authorization } : {} }));
    }
    return sockets.get(key);
  };
  const headerValue = (headers, name) => {
    const found = Object.keys(headers || {}).find((key) => key.toLowerCase() === name);
    return found === undefined ? undefined : String(headers[found]);
  };
  // The operation GraphiQL runs: the named one, else the first (comments and fragments skipped).
  const isSubscription = (params) => {
    const text = String(params.query || "").replace(/#[^\\n]*/g, "");
    const operations = [...text.matchAll(/(?:^|})\\s*(query|mutation|subscription)\\b\\s*([_A-Za-z][_0-9A-Za-z]*)?/g)];
    const chosen = operations.find((m) => !params.operationName || m[2] === params.operationName) || operations[0];
    return Boolean(chosen) && chosen[1] === "subscription";
  };
  async function* subscribe(params, headers) {
    const client = socketFor(headerValue(headers, "authorization"));
    try {
      yield* client.iterate({ query: params.query, variables: params.variables || {}, operationName: params.operationName || undefined });
    } catch (error) {
      const errors = Array.isArray(error) ? error : [{ message: error && error.reason ? "the connection closed: " + error.reason : "the connection closed" + (error && error.code ? " (" + error.code + ")" : "") }];
      yield { errors };
    }
  }
  const fetcher = (params, opts) => (isSubscription(params) ? subscribe(params, opts && opts.headers) : http(params, opts));
  const defaultQuery = "# Log in with the login mutation, then put the token in Headers:\\n" +
    '# { "Authorization": "Bearer dts_..." }\\n\\nquery {\\n  platform { domain version }\\n}\\n';
  ReactDOM.createRoot(document.getElementById("explorer")).render(
    React.createElement(GraphiQL, { fetcher, defaultQuery, defaultEditorToolsVisibility: "headers" }),
  );
</script>
</body>
</html>
`;

export function serveExplorerPage(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" });
  res.end(PAGE);
}

/** Serves one explorer asset; false when the path names none. */
export function serveExplorerAsset(path: string, res: ServerResponse): boolean {
  const asset = ASSETS[path.slice(EXPLORER_ASSET_PREFIX.length)];
  if (!asset) return false;
  const file = join(packageRoot(asset.pkg), asset.file);
  res.writeHead(200, { "content-type": `${asset.type}; charset=utf-8`, "cache-control": "public, max-age=3600" });
  createReadStream(file).pipe(res);
  return true;
}
