import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { BridgeFirewall, DockerEngine, type FirewallRule, INBOUND_CHAIN, ISOLATION_CHAIN } from "../../src/modules/docker";

/**
 * The platform's own rules that keep app networks apart (bridge-firewall.ts), on this host's
 * iptables, for a test-only pool; the cross-tenant attack itself is in test/security/tenants.test.ts.
 */
describe("the firewall rules that keep the pool's networks apart", () => {
  const pool = { cidr: "10.215.0.0/16", size: 28 };
  const label = `deis.platform=fw-${randomBytes(4).toString("hex")}`;
  const [key, value] = label.split("=");
  const warnings: string[] = [];
  const firewall = new BridgeFirewall(pool, (message) => warnings.push(message));
  const iptables = (...args: string[]) => execFileSync("iptables", ["-w", "-t", "mangle", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const present = (rule: FirewallRule) => {
    try {
      iptables("-C", rule.chain, ...rule.args);
      return true;
    } catch {
      return false;
    }
  };

  afterAll(async () => {
    await new DockerEngine().removeNetworks([label]);
    // The pool's own rules; the inbound ones are the same for every platform on this host.
    for (const rule of firewall.rules().filter((r) => r.chain === ISOLATION_CHAIN)) while (present(rule)) iptables("-D", rule.chain, ...rule.args);
  });

  test("ensure puts in the chains, the jumps to them and one rule set for the pool, however many call at once", async () => {
    expect(await Promise.all([firewall.ensure(), firewall.ensure(), firewall.ensure()])).toEqual([true, true, true]);
    expect(await firewall.ensure()).toBe(true);
    iptables("-C", "FORWARD", "-j", ISOLATION_CHAIN);
    iptables("-C", "PREROUTING", "-j", INBOUND_CHAIN);
    const listed = iptables("-S", ISOLATION_CHAIN).split("\n").filter((line) => line.includes(pool.cidr));
    expect(listed).toHaveLength(6);
    expect(listed.every((line) => line.endsWith("-j DROP"))).toBe(true);
    const { low, high } = firewall.publishedPorts;
    const inbound = iptables("-S", INBOUND_CHAIN).split("\n").filter((line) => line.includes(`--dport ${low}:${high}`));
    expect(inbound.map((line) => line.match(/-i (\S+)/)?.[1]).sort()).toEqual(["br-+", "docker0", "docker_gwbridge"]);
    expect(warnings).toEqual([]);
  });

  test("a rule someone removed is back when the engine makes the next network of the pool", async () => {
    await firewall.ensure();
    const [first] = firewall.rules();
    iptables("-D", first.chain, ...first.args);
    expect(present(first)).toBe(false);
    const engine = new DockerEngine({}, pool, firewall);
    await engine.ensureNetwork({ name: `${value}-a`, driver: "bridge", labels: { [key]: value }, interContainer: true });
    expect(present(first)).toBe(true);
    expect(warnings).toEqual([]);
  });

  test("without iptables, the platform is told once what to install and which rules to run by hand", async () => {
    const said: string[] = [];
    const missing = new BridgeFirewall(pool, (message) => said.push(message), "/nonexistent/iptables");
    expect(await missing.ensure()).toBe(false);
    expect(await missing.ensure()).toBe(false);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain("apt-get install -y iptables");
    expect(said[0]).toContain(`iptables -t mangle -A ${ISOLATION_CHAIN} -s ${pool.cidr} -o br-+ -m physdev ! --physdev-is-bridged`);
  });

  test("`firewall` prints the same commands, for an operator to run on the other nodes of a swarm", () => {
    const printed = execFileSync(process.execPath, ["--import", "tsx", join(__dirname, "..", "..", "src", "main.ts"), "firewall"], {
      encoding: "utf8",
      env: { ...process.env, DEIS_NETWORK_POOL: pool.cidr, DEIS_NETWORK_SUBNET_SIZE: String(pool.size) },
    });
    expect(printed.trim().split("\n")).toEqual(firewall.commands());
  });
});
