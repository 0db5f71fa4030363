import { BlockList, type Socket, createServer } from "node:net";
import { type Lookup, DrainForwarder, DrainGuard, type RefusedClass, classifyAddress } from "../../../src/modules/logger";
import { createLogger } from "../../../src/core/logger";
import { eventually } from "../../harness/wait";

/** Drains may not reach this host, its loopback, link-local (metadata) or private ranges, in any spelling. */
const NO_OWN = new BlockList();
const guard = (policy: Partial<ConstructorParameters<typeof DrainGuard>[0]> = {}, lookup?: Lookup, own: string[] = []) =>
  new DrainGuard({ allowPrivate: false, allowed: [], platformHosts: [], ...policy }, lookup, () => own);

describe("the drain address classifier", () => {
  // Each spelling is resolved by the OS resolver (getaddrinfo), as a connect would be.
  test.each<[string, RefusedClass | "loopback name"]>([
    ["127.0.0.1", "loopback"],
    ["127.1", "loopback"],
    ["2130706433", "loopback"],
    ["0x7f000001", "loopback"],
    ["017700000001", "loopback"],
    ["0x7f.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["[::1]", "loopback"],
    ["[::ffff:7f00:1]", "loopback"],
    ["[::ffff:127.0.0.1]", "loopback"],
    ["[0:0:0:0:0:ffff:7f00:0001]", "loopback"],
    ["LOCALHOST", "loopback name"],
    ["localhost.", "loopback name"],
    ["api.localhost", "loopback name"],
    ["0.0.0.0", "unspecified"],
    ["0", "unspecified"],
    ["[::]", "unspecified"],
    ["169.254.169.254", "link-local"],
    ["2852039166", "link-local"],
    ["[::ffff:a9fe:a9fe]", "link-local"],
    ["[fe80::1]", "link-local"],
    ["224.0.0.1", "multicast"],
    ["[ff02::1]", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["[::7f00:1]", "reserved"],
    ["10.0.0.1", "private"],
    ["172.17.0.2", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["[fd00::1]", "private"],
    ["[::ffff:10.0.0.1]", "private"],
  ])("%s is refused as %s", async (host, refused) => {
    const verdict = await guard().check(host);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.rule).toContain(refused === "loopback name" ? "loopback name" : ` ${refused} address`);
  });

  test("public addresses pass; a name is checked on every address it resolves to", async () => {
    expect(await guard().check("93.184.215.14")).toMatchObject({ ok: true, addresses: [{ address: "93.184.215.14", family: 4 }] });
    expect(await guard().check("[2606:4700::1111]")).toMatchObject({ ok: true });
    const twoFaced: Lookup = async () => [{ address: "93.184.215.14", family: 4 }, { address: "127.0.0.1", family: 4 }];
    expect(await guard({}, twoFaced).check("logs.example.com")).toEqual({ ok: false, rule: expect.stringContaining("127.0.0.1, a loopback address") });
    const nowhere: Lookup = async () => Promise.reject(new Error("ENOTFOUND"));
    expect(await guard({}, nowhere).check("nowhere.invalid")).toEqual({ ok: false, rule: "nowhere.invalid does not resolve to an address" });
  });

  test("this host's own addresses (its interfaces, what DEIS_HOST resolves to) are refused even where private is allowed", async () => {
    const own = guard({ allowPrivate: true, platformHosts: ["deis.internal"] }, async (host) =>
      host === "deis.internal" ? [{ address: "10.9.9.9", family: 4 }] : [{ address: host.replace(/^\[|\]$/g, ""), family: host.includes(":") ? 6 : 4 }],
    ["203.0.114.7"]);
    expect(await own.check("203.0.114.7")).toEqual({ ok: false, rule: expect.stringContaining("one of this platform's own addresses") });
    expect(await own.check("10.9.9.9")).toEqual({ ok: false, rule: expect.stringContaining("one of this platform's own addresses") });
    expect(await own.check("10.9.9.10")).toMatchObject({ ok: true });
  });

  test("the operator's settings: DEIS_DRAINS_ALLOW_PRIVATE lets private ranges through; DEIS_DRAINS_ALLOW CIDRs win over every class", async () => {
    expect(await guard({ allowPrivate: true }).check("172.17.0.2")).toMatchObject({ ok: true });
    expect(await guard({ allowPrivate: true }).check("127.0.0.1")).toMatchObject({ ok: false });
    expect(await guard({ allowed: ["127.0.0.1/32"] }).check("127.0.0.1")).toMatchObject({ ok: true });
    expect(await guard({ allowed: ["127.0.0.1/32"] }).check("127.0.0.2")).toMatchObject({ ok: false });
  });

  /** A seeded generator, so a failure names an address that reproduces. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
  }
  const v4 = (base: number, bits: number, next: () => number) => {
    const value = (base + Math.floor(next() * 2 ** (32 - bits))) >>> 0;
    return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
  };
  const ip = (text: string) => text.split(".").reduce((sum, part) => sum * 256 + Number(part), 0);
  const hex = (next: () => number) => Math.floor(next() * 0x10000).toString(16);

  test.each<[string, RefusedClass, string, number]>([
    ["127.0.0.0/8", "loopback", "127.0.0.0", 8],
    ["169.254.0.0/16", "link-local", "169.254.0.0", 16],
    ["224.0.0.0/4", "multicast", "224.0.0.0", 4],
    ["10.0.0.0/8", "private", "10.0.0.0", 8],
    ["172.16.0.0/12", "private", "172.16.0.0", 12],
    ["192.168.0.0/16", "private", "192.168.0.0", 16],
    ["100.64.0.0/10", "private", "100.64.0.0", 10],
  ])("every address of %s, plain and IPv4-mapped, is %s (2,000 random ones)", (_range, refused, base, bits) => {
    const next = random(bits * 7919 + ip(base));
    for (let i = 0; i < 1000; i++) {
      const address = v4(ip(base), bits, next);
      expect([address, classifyAddress(address, NO_OWN, false)]).toEqual([address, refused]);
      const mapped = `::ffff:${address}`;
      expect([mapped, classifyAddress(mapped, NO_OWN, false)]).toEqual([mapped, refused]);
    }
  });

  test("random IPv6 in fe80::/10, ff00::/8 and fc00::/7 are link-local, multicast and private; random global unicast passes", () => {
    const next = random(42);
    const rest = () => Array.from({ length: 7 }, () => hex(next)).join(":");
    for (let i = 0; i < 1000; i++) {
      const linkLocal = `fe${(8 + Math.floor(next() * 4)).toString(16)}${Math.floor(next() * 16).toString(16)}:${rest()}`;
      expect([linkLocal, classifyAddress(linkLocal, NO_OWN, false)]).toEqual([linkLocal, "link-local"]);
      const multicast = `ff${Math.floor(next() * 256).toString(16).padStart(2, "0")}:${rest()}`;
      expect([multicast, classifyAddress(multicast, NO_OWN, false)]).toEqual([multicast, "multicast"]);
      const unique = `f${next() < 0.5 ? "c" : "d"}${Math.floor(next() * 256).toString(16).padStart(2, "0")}:${rest()}`;
      expect([unique, classifyAddress(unique, NO_OWN, false)]).toEqual([unique, "private"]);
      const global = `2${Math.floor(next() * 0x1000).toString(16).padStart(3, "0")}:${rest()}`;
      // Documentation, 6to4 and Teredo (which carry an IPv4 address) are reserved.
      if (global.startsWith("2001:") || global.startsWith("2002:")) continue;
      expect([global, classifyAddress(global, NO_OWN, false)]).toEqual([global, null]);
    }
  });

  test("random public IPv4 (outside every refused range) passes", () => {
    const next = random(7);
    const refusedRanges = new BlockList();
    for (const [base, bits] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 3]] as const) {
      refusedRanges.addSubnet(base, bits);
    }
    let checked = 0;
    while (checked < 2000) {
      const address = v4(0, 0, next);
      if (refusedRanges.check(address)) continue;
      checked += 1;
      expect([address, classifyAddress(address, NO_OWN, false)]).toEqual([address, null]);
    }
  });
});

describe("the log server's drain forwarder", () => {
  const log = createLogger("silent");

  /** A TCP syslog receiver on 127.0.0.1 that collects what arrives and can drop its connections. */
  async function receiver() {
    const received: string[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("data", (chunk) => received.push(chunk.toString()));
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    return {
      port,
      received,
      dropConnections: () => sockets.forEach((s) => s.destroy()),
      close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
    };
  }
  const line = (message: string) => ({ app: "shop", source: "web.1", message, at: new Date().toISOString() });

  test("a name that later resolves to a refused address (DNS rebinding) is not followed: lines are skipped, nothing crashes", async () => {
    const collector = await receiver();
    let answer = "127.0.0.1";
    const lookups: string[] = [];
    const lookup: Lookup = async (host) => {
      lookups.push(`${host}->${answer}`);
      return [{ address: answer, family: 4 }];
    };
    const forwarder = new DrainForwarder(guard({ allowed: ["127.0.0.1/32"] }, lookup), log, { recheckMs: 0 });
    const url = `syslog+tcp://collector.test:${collector.port}`;
    try {
      forwarder.send(url, line("first"));
      await eventually("the first line at the collector", async () => (collector.received.join("").includes("first") ? true : undefined));

      // The name now points at the cloud metadata address; the connection is lost, and the next connect checks again.
      answer = "169.254.169.254";
      collector.dropConnections();
      await eventually("the forwarder to refuse the new address", async () => {
        forwarder.send(url, line("while-rebound"));
        return forwarder.refusal(url) ?? undefined;
      }).then((rule) => expect(rule).toContain("169.254.169.254, a link-local address"));
      // Each of these connects anew, checks, and is refused (the name is resolved when each is sent).
      for (let i = 0; i < 3; i++) forwarder.send(url, line(`dropped-${i}`));

      // Pointing back at the allowed collector, lines flow again; none sent while it was refused ever arrive.
      answer = "127.0.0.1";
      await eventually("lines to flow again", async () => {
        forwarder.send(url, line("flowing"));
        return collector.received.join("").includes("flowing") ? true : undefined;
      });
      expect(collector.received.join("")).not.toContain("dropped-");
      expect(lookups).toContain(`collector.test->169.254.169.254`);
    } finally {
      forwarder.close();
      await collector.close();
    }
  });

  test("UDP drains re-check their host, and send to the checked address, not the name", async () => {
    const { createSocket } = await import("node:dgram");
    const udp = createSocket("udp4");
    const received: string[] = [];
    udp.on("message", (m) => received.push(m.toString()));
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    let answer = "127.0.0.1";
    const forwarder = new DrainForwarder(guard({ allowed: ["127.0.0.1/32"] }, async () => [{ address: answer, family: 4 }]), log, { recheckMs: 0 });
    const url = `syslog://collector.test:${udp.address().port}`;
    try {
      await eventually("a datagram", async () => {
        forwarder.send(url, line("udp-one"));
        return received.some((m) => m.includes("udp-one")) ? true : undefined;
      });
      answer = "10.1.2.3";
      await eventually("the refusal", async () => {
        forwarder.send(url, line("udp-refused"));
        return forwarder.refusal(url) ?? undefined;
      }).then((rule) => expect(rule).toContain("a private address"));
      for (let i = 0; i < 3; i++) forwarder.send(url, line(`udp-dropped-${i}`));
      answer = "127.0.0.1";
      await eventually("datagrams again", async () => {
        forwarder.send(url, line("udp-two"));
        return received.some((m) => m.includes("udp-two")) ? true : undefined;
      });
      expect(received.some((m) => m.includes("udp-dropped-"))).toBe(false);
    } finally {
      forwarder.close();
      udp.close();
    }
  });
});
