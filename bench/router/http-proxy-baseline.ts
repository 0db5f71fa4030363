/**
 * Reference only: plain http-proxy as its README shows it (one process, one target), given the
 * same keep-alive agent lever as our router. Prints `listening <port>`; stops on SIGTERM.
 */
import { Agent, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import httpProxy from "http-proxy";

const proxy = httpProxy.createProxyServer({
  target: `http://${process.env.BENCH_BACKEND}`,
  agent: new Agent({ keepAlive: true, maxFreeSockets: 1024 }),
  xfwd: true,
});
proxy.on("error", (_error, _req, res) => {
  if ("writeHead" in res && !res.headersSent) res.writeHead(502);
  res.end();
});
const server = createServer((req, res) => proxy.web(req, res));
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
