import { randomBytes } from "node:crypto";
import { DockerEngine } from "../../src/modules/docker";
import { parseIpv4Cidr } from "../../src/modules/docker/subnet-pool";

/**
 * Per-app networks on one engine: Docker's default pools hold about 30 local networks, so the
 * platform hands out subnets of its own pool. Here a small pool of its own (a test-only range).
 */
describe("bridge networks from the platform's subnet pool", () => {
  const label = `deis.platform=nets-${randomBytes(4).toString("hex")}`;
  const [key, value] = label.split("=");
  afterAll(async () => {
    await new DockerEngine().removeNetworks([label]);
  });

  test("more networks than Docker's default pools hold, each on its own subnet inside the pool", async () => {
    const engine = new DockerEngine({}, { cidr: "10.214.0.0/20", size: 28 });
    const subnets = new Set<string>();
    for (let i = 0; i < 32; i++) {
      const id = await engine.ensureNetwork({ name: `${value}-n${i}`, driver: "bridge", labels: { [key]: value }, interContainer: true });
      const inspected = await engine.docker.getNetwork(id).inspect();
      const subnet = inspected.IPAM?.Config?.[0]?.Subnet ?? "";
      const range = parseIpv4Cidr(subnet)!;
      expect(range.prefix).toBe(28);
      expect(range.start >>> 12).toBe(parseIpv4Cidr("10.214.0.0/20")!.start >>> 12);
      subnets.add(subnet);
    }
    expect(subnets.size).toBe(32);
    // The same name again is the same network.
    const again = await engine.ensureNetwork({ name: `${value}-n0`, driver: "bridge", labels: { [key]: value }, interContainer: true });
    expect((await engine.docker.getNetwork(again).inspect()).Name).toBe(`${value}-n0`);
  });

  test("two processes making networks from one pool at once both get theirs, on distinct subnets", async () => {
    const pool = { cidr: "10.214.32.0/21", size: 28 };
    const [a, b] = [new DockerEngine({}, pool), new DockerEngine({}, pool)];
    const make = (engine: DockerEngine, side: string) =>
      Promise.all(Array.from({ length: 6 }, (_, i) => engine.ensureNetwork({ name: `${value}-${side}${i}`, driver: "bridge", labels: { [key]: value }, interContainer: true })));
    const ids = (await Promise.all([make(a, "a"), make(b, "b")])).flat();
    const subnets = await Promise.all(ids.map(async (id) => (await a.docker.getNetwork(id).inspect()).IPAM?.Config?.[0]?.Subnet));
    expect(new Set(subnets).size).toBe(12);
  });

  test("a full pool is refused with the setting to change", async () => {
    const engine = new DockerEngine({}, { cidr: "10.214.16.0/28", size: 28 });
    await engine.ensureNetwork({ name: `${value}-full-a`, driver: "bridge", labels: { [key]: value }, interContainer: true });
    await expect(engine.ensureNetwork({ name: `${value}-full-b`, driver: "bridge", labels: { [key]: value }, interContainer: true })).rejects.toThrow(
      /no free \/28 subnet left in 10\.214\.16\.0\/28.*DEIS_NETWORK_POOL/,
    );
  });
});
