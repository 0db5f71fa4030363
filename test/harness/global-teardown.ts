/** Stops what global-setup.ts started, by PID. */
export default async function globalTeardown(): Promise<void> {
  for (const component of (globalThis.__deisComponents ?? []).reverse()) {
    await component.stop().catch((error: unknown) => console.error(`stopping ${component.name}:`, error));
  }
}
