export { RegistryClient, RegistryError } from "./registry-client";
export { type RunningRegistry, startRegistry } from "./registry-daemon";
