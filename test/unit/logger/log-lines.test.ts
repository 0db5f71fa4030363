import { LineSplitter, MAX_LINE_BYTES, cleanMessage, formatLine, parseDrainUrl, parseSyslog } from "../../../src/modules/logger";

describe("log lines", () => {
  test("format as <time> <app>[<source>]: <message>, the platform's own as deis[...]", () => {
    const at = "2026-11-24T10:00:00.000Z";
    expect(formatLine({ app: "shop", source: "web.1", message: "listening", at })).toBe(`${at} shop[web.1]: listening`);
    expect(formatLine({ app: "shop", source: "deis[api]", message: "alice scaled web=3", at })).toBe(`${at} deis[api]: alice scaled web=3`);
  });

  test("control characters become visible escapes; tabs stay", () => {
    expect(cleanMessage("a\tb\u0000c\u001b[31mred")).toEqual(["a\tb\\x00c\\x1b[31mred"]);
  });

  test("a line over 64 KiB is split into pieces, nothing lost, characters kept whole", () => {
    const line = "é".repeat(MAX_LINE_BYTES); // two bytes each
    const pieces = cleanMessage(line);
    expect(pieces).toHaveLength(2);
    expect(pieces.every((p) => Buffer.byteLength(p) <= MAX_LINE_BYTES)).toBe(true);
    expect(pieces.join("")).toBe(line);
  });

  test("the splitter joins lines across chunks, even mid-character, and replaces invalid bytes", () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from("one\ntwo é\nthr");
    expect(splitter.push(bytes.subarray(0, 9))).toEqual(["one"]);
    expect(splitter.push(bytes.subarray(9))).toEqual(["two é"]);
    expect(splitter.push(Buffer.from([0x65, 0xff, 0x0a]))).toEqual(["thre\uFFFD"]);
    expect(splitter.push(Buffer.from("tail"))).toEqual([]);
    expect(splitter.flush()).toEqual(["tail"]);
  });
});

describe("syslog", () => {
  test("RFC 5424: APP-NAME is the app, PROCID the source", () => {
    expect(parseSyslog("<14>1 2026-11-24T10:00:00Z host shop worker.9 - - hello there")).toEqual({
      app: "shop",
      source: "worker.9",
      message: "hello there",
      at: "2026-11-24T10:00:00.000Z",
      token: "host",
    });
    expect(parseSyslog('<14>1 - - shop - - [x@1 a="b"] \uFEFFwith data')).toMatchObject({ app: "shop", source: "syslog", message: "with data", at: null, token: null });
  });

  test("the ingest token: a [deis token=...] element wins over HOSTNAME; other elements carry none", () => {
    expect(parseSyslog('<14>1 - box shop web.1 - [x@1 token="no"][deis token="t0k"] hi')).toMatchObject({ app: "shop", token: "t0k", message: "hi" });
    expect(parseSyslog('<14>1 - - shop web.1 - [deis@32473 a="b" token="t1"] hi')).toMatchObject({ token: "t1" });
    expect(parseSyslog('<14>1 - t2 shop web.1 - [x@1 token="no"] hi')).toMatchObject({ token: "t2" });
    expect(parseSyslog("<13>Nov 24 10:00:00 t3 shop[cron]: hi")).toMatchObject({ app: "shop", token: "t3" });
  });

  test("RFC 3164: the tag is the app, its pid the source", () => {
    expect(parseSyslog("<13>Nov 24 10:00:00 host shop[cron]: nightly job done")).toEqual({ app: "shop", source: "cron", message: "nightly job done", at: null, token: "host" });
    expect(parseSyslog("<13>shop: short form")).toMatchObject({ app: "shop", source: "syslog", message: "short form", token: null });
  });

  test.each(["", "hello world", "<999 nope", "<14>1 truncated", "\u0000\u0001binary"])("garbage %j is refused", (raw) => {
    expect(parseSyslog(raw)).toBeNull();
  });

  test("drain URLs: syslog:// is UDP, syslog+tcp:// is TCP", () => {
    expect(parseDrainUrl("syslog://logs.example.com:514")).toEqual({ protocol: "udp", host: "logs.example.com", port: 514 });
    expect(parseDrainUrl("syslog+tcp://127.0.0.1:6514")).toEqual({ protocol: "tcp", host: "127.0.0.1", port: 6514 });
    expect(parseDrainUrl("http://example.com")).toBeNull();
    expect(parseDrainUrl("syslog://host:99999")).toBeNull();
  });
});
