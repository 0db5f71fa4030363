import { BuildpackError, type SourceTree, parseProcfile, planBuild } from "../../../src/modules/builder/buildpacks";

const STACK = "deis.local/stack:node-test";

function tree(files: Record<string, string>): SourceTree {
  return { files: new Set(Object.keys(files)), read: async (name) => files[name] ?? null };
}

async function refusal(files: Record<string, string>): Promise<BuildpackError> {
  const error = await planBuild(tree(files), STACK).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildpackError);
  return error as BuildpackError;
}

describe("parseProcfile", () => {
  test("reads type: command lines, skipping blanks and comments", () => {
    expect(parseProcfile("# processes\nweb: node server.js --port $PORT\r\n\nworker:   node worker.js  \n")).toEqual({
      web: "node server.js --port $PORT",
      worker: "node worker.js",
    });
  });

  test.each([
    ["an uppercase type", "Web: node server.js", /line 1 is not "type: command"/],
    ["a line without a colon", "web node server.js", /line 1/],
    ["an empty command", "web:", /line 1/],
    ["a type named twice", "web: a\nweb: b", /names web twice/],
    ["the third line wrong", "web: a\n# c\nbad line", /line 3/],
  ])("refuses %s, naming the Procfile", (_, text, message) => {
    let error: unknown;
    try {
      parseProcfile(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BuildpackError);
    expect((error as BuildpackError).message).toMatch(message);
    expect((error as BuildpackError).details.field).toBe("Procfile");
  });
});

describe("planBuild", () => {
  test("a Dockerfile wins, with its Procfile's types", async () => {
    await expect(planBuild(tree({ Dockerfile: "FROM x", "package.json": "{}", Procfile: "worker: run" }), STACK)).resolves.toEqual({
      kind: "dockerfile",
      procfile: { worker: "run" },
    });
  });

  test("a Node.js app with a lockfile installs its dependencies and runs npm start as web", async () => {
    const plan = await planBuild(
      tree({ "package.json": JSON.stringify({ scripts: { start: "node ." }, dependencies: { a: "1" } }), "package-lock.json": "{}" }),
      STACK,
    );
    expect(plan).toMatchObject({ kind: "buildpack", language: "node", procfile: { web: "npm start" } });
    if (plan.kind !== "buildpack") throw new Error("unreachable");
    expect(plan.dockerfile.split("\n")).toEqual([
      `FROM ${STACK}`,
      "WORKDIR /app",
      "COPY . /app",
      "ENV NODE_ENV=production",
      "RUN npm ci --omit=dev --no-audit --no-fund --fetch-retries=1 --fetch-retry-maxtimeout=10000 --fetch-timeout=30000",
      'CMD ["/bin/sh", "-c", "npm start"]',
      "",
    ]);
  });

  test("a Procfile's web overrides npm start; no dependencies, no install step", async () => {
    const plan = await planBuild(tree({ "package.json": JSON.stringify({ scripts: { start: "node ." } }), Procfile: "web: node web.js" }), STACK);
    expect(plan.procfile).toEqual({ web: "node web.js" });
    expect(plan.kind === "buildpack" && plan.dockerfile).not.toContain("npm ci");
  });

  test("a static site is served by busybox httpd on $PORT, unless the Procfile says otherwise", async () => {
    await expect(planBuild(tree({ "index.html": "<p>hi</p>" }), STACK)).resolves.toMatchObject({
      kind: "buildpack",
      language: "static",
      procfile: { web: "httpd -f -v -p $PORT -h /app" },
    });
    const custom = await planBuild(tree({ "index.html": "", Procfile: "web: serve" }), STACK);
    expect(custom.procfile).toEqual({ web: "serve" });
  });

  test("a Procfile alone runs on the stack image", async () => {
    await expect(planBuild(tree({ Procfile: "worker: sh run.sh" }), STACK)).resolves.toEqual({
      kind: "buildpack",
      language: "procfile",
      dockerfile: `FROM ${STACK}\nWORKDIR /app\nCOPY . /app\n`,
      procfile: { worker: "sh run.sh" },
    });
  });

  test.each<[string, Record<string, string>, RegExp, string]>([
    ["nothing to build", { "README.md": "hi" }, /no buildpack detected/, "source"],
    ["package.json that is not JSON", { "package.json": "{nope" }, /not valid JSON/, "package.json"],
    ["dependencies without a lockfile", { "package.json": JSON.stringify({ scripts: { start: "x" }, dependencies: { a: "1" } }) }, /package-lock\.json/, "package.json"],
    ["a Node.js app with nothing to start", { "package.json": "{}" }, /"start" script/, "package.json"],
    ["a bad Procfile beside a Dockerfile", { Dockerfile: "FROM x", Procfile: "nope" }, /Procfile line 1/, "Procfile"],
  ])("refuses %s with a typed BUILD_REFUSED error naming the file", async (_, files, message, field) => {
    const error = await refusal(files);
    expect(error.message).toMatch(message);
    expect(error.code).toBe("BUILD_REFUSED");
    expect(error.details.field).toBe(field);
  });
});
