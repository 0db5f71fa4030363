import { ConfigError, loadConfig } from "../../../src/core/config";
import { DockerEngine } from "../../../src/modules/docker";

describe("loadConfig", () => {
  test("embedded defaults need nothing configured", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      apiPort: 8000,
      domain: "localhost",
      databaseUrl: undefined,
      redisUrl: undefined,
      etcdEndpoints: [],
      registrationMode: "enabled",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  test("reads and normalises what is set", () => {
    const config = loadConfig({
      DEIS_PORT: "9000",
      DEIS_DOMAIN: "Apps.Example.com",
      DATABASE_URL: "postgres://u@db/deis",
      REDIS_URL: "redis://cache:6379",
      ETCD_ENDPOINTS: "http://a:2379, http://b:2379",
      DEIS_REGISTRATION_MODE: "admin_only",
    });
    expect(config).toMatchObject({
      apiPort: 9000,
      domain: "apps.example.com",
      etcdEndpoints: ["http://a:2379", "http://b:2379"],
      registrationMode: "admin_only",
    });
  });

  test("audit retention and hook retries: defaults, values, and errors naming the variable", () => {
    expect(loadConfig({})).toMatchObject({ auditRetentionDays: 90, hookAttempts: 5, hookRetrySeconds: 10 });
    expect(loadConfig({ DEIS_AUDIT_RETENTION_DAYS: "7", DEIS_HOOK_ATTEMPTS: "3", DEIS_HOOK_RETRY_SECONDS: "1" })).toMatchObject({ auditRetentionDays: 7, hookAttempts: 3, hookRetrySeconds: 1 });
    expect(() => loadConfig({ DEIS_AUDIT_RETENTION_DAYS: "0" })).toThrow(new ConfigError("DEIS_AUDIT_RETENTION_DAYS", "must be between 1 and 36500, got 0"));
    expect(() => loadConfig({ DEIS_HOOK_ATTEMPTS: "many" })).toThrow(new ConfigError("DEIS_HOOK_ATTEMPTS", 'must be a whole number, got "many"'));
    expect(() => loadConfig({ DEIS_HOOK_RETRY_SECONDS: "0" })).toThrow(/DEIS_HOOK_RETRY_SECONDS: must be between 1 and 3600/);
  });

  test("DOCKER_HOST: the local socket by default; a unix socket or tcp address; anything else refused naming it", () => {
    expect(loadConfig({}).dockerHost).toBeUndefined();
    expect(DockerEngine.endpoint(undefined)).toEqual({ socketPath: "/var/run/docker.sock" });
    const unix = loadConfig({ DOCKER_HOST: "unix:///run/swarm/docker.sock" }).dockerHost;
    expect(DockerEngine.endpoint(unix)).toEqual({ socketPath: "/run/swarm/docker.sock" });
    expect(DockerEngine.endpoint(loadConfig({ DOCKER_HOST: "tcp://10.0.0.5:2375" }).dockerHost)).toEqual({ protocol: "http", host: "10.0.0.5", port: 2375 });
    expect(() => loadConfig({ DOCKER_HOST: "ssh://manager" })).toThrow(new ConfigError("DOCKER_HOST", 'must use unix: or tcp:, got "ssh:"'));
  });

  test("router engine: node by default, nginx when chosen (binary path absolute); anything else names the variable", () => {
    expect(loadConfig({})).toMatchObject({ routerEngine: "node", nginxPath: null });
    expect(loadConfig({ DEIS_ROUTER_ENGINE: "nginx", DEIS_NGINX_PATH: "/opt/nginx/sbin/nginx" })).toMatchObject({ routerEngine: "nginx", nginxPath: "/opt/nginx/sbin/nginx" });
    expect(() => loadConfig({ DEIS_ROUTER_ENGINE: "haproxy" })).toThrow(new ConfigError("DEIS_ROUTER_ENGINE", 'must be one of node, nginx, got "haproxy"'));
    expect(() => loadConfig({ DEIS_NGINX_PATH: "nginx" })).toThrow(new ConfigError("DEIS_NGINX_PATH", 'must be an absolute path, got "nginx"'));
  });

  test("interactive one-off limits: defaults, values, and errors naming the variable", () => {
    expect(loadConfig({})).toMatchObject({ runIdleSeconds: 3600, runMaxSeconds: 86_400 });
    expect(loadConfig({ DEIS_RUN_IDLE_SECONDS: "60", DEIS_RUN_MAX_SECONDS: "600" })).toMatchObject({ runIdleSeconds: 60, runMaxSeconds: 600 });
    expect(() => loadConfig({ DEIS_RUN_IDLE_SECONDS: "0" })).toThrow(new ConfigError("DEIS_RUN_IDLE_SECONDS", "must be between 1 and 86400, got 0"));
    expect(() => loadConfig({ DEIS_RUN_MAX_SECONDS: "1h" })).toThrow(new ConfigError("DEIS_RUN_MAX_SECONDS", 'must be a whole number, got "1h"'));
  });

  test("one-offs per app: 10 by default, 1 to 1000", () => {
    expect(loadConfig({})).toMatchObject({ oneOffsPerApp: 10 });
    expect(loadConfig({ DEIS_ONE_OFFS_PER_APP: "3" })).toMatchObject({ oneOffsPerApp: 3 });
    expect(() => loadConfig({ DEIS_ONE_OFFS_PER_APP: "0" })).toThrow(new ConfigError("DEIS_ONE_OFFS_PER_APP", "must be between 1 and 1000, got 0"));
  });

  test("drain exceptions: off by default; a list of addresses and CIDRs", () => {
    expect(loadConfig({})).toMatchObject({ drainsAllowPrivate: false, drainsAllow: [] });
    expect(loadConfig({ DEIS_DRAINS_ALLOW_PRIVATE: "1", DEIS_DRAINS_ALLOW: "127.0.0.1/32, fd00::1" })).toMatchObject({
      drainsAllowPrivate: true,
      drainsAllow: ["127.0.0.1/32", "fd00::1"],
    });
  });

  test.each([
    ["DEIS_PORT", "eighty", /DEIS_PORT: must be a whole number/],
    ["DEIS_PORT", "70000", /DEIS_PORT: must be between 0 and 65535/],
    ["DATABASE_URL", "mysql://x/y", /DATABASE_URL: must use postgres: or postgresql:/],
    ["REDIS_URL", "not a url", /REDIS_URL: must be a URL/],
    ["ETCD_ENDPOINTS", "etcd:2379", /ETCD_ENDPOINTS: each endpoint must look like http:\/\/host:port/],
    ["DEIS_REGISTRATION_MODE", "open", /DEIS_REGISTRATION_MODE: must be one of enabled, disabled, admin_only/],
    ["DEIS_DOMAIN", "bad_domain!", /DEIS_DOMAIN: must be a DNS name/],
    ["DEIS_DRAINS_ALLOW_PRIVATE", "yes", /DEIS_DRAINS_ALLOW_PRIVATE: must be 1 or 0/],
    ["DEIS_DRAINS_ALLOW", "127.0.0.1/32,logs.example.com", /DEIS_DRAINS_ALLOW: each entry must be an address or a CIDR/],
    ["DEIS_DRAINS_ALLOW", "10.0.0.0/33", /DEIS_DRAINS_ALLOW: each entry must be an address or a CIDR/],
  ])("%s=%s is refused with the variable and the rule", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});
