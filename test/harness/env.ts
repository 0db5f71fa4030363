/** The addresses global-setup.ts published; a clear error when a test runs outside that harness. */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with jest (npm test), whose global setup starts the components`);
  return value;
}

export const testEnv = {
  get postgresUrl(): string {
    return required("DEIS_TEST_POSTGRES_URL");
  },
  get redisUrl(): string {
    return required("DEIS_TEST_REDIS_URL");
  },
  get etcdEndpoints(): string {
    return required("DEIS_TEST_ETCD_ENDPOINTS");
  },
  get registryUrl(): string {
    return required("DEIS_TEST_REGISTRY_URL");
  },
  get root(): string {
    return required("DEIS_TEST_ROOT");
  },
};
