/**
 * The docker module: the one adapter for the Docker engine (containers, images, builds, networks,
 * events, Swarm), the platform's stack image, image names and which app may use an image. The
 * runtime, the builder and the log server reach the engine only through it.
 */
export { type ContainerSpec, type ContainerState, type ContainerStats, DockerEngine, type EngineEvent, type ImageInfo, type NetworkSpec, type TerminalContainer, type TerminalSize, type VolumeMount } from "./docker-engine";
export { BridgeFirewall, type FirewallRule, INBOUND_CHAIN, ISOLATION_CHAIN } from "./bridge-firewall";
export { DockerSwarm } from "./docker-swarm";
export type { NodeState, ServiceDefinition, ServiceState, TaskState } from "./swarm-types";
export { DockerUnavailable, statusOf } from "./docker-errors";
export { APP_ID_LABEL, APP_LABEL, ImageNames, LOCAL_APP_REPOSITORY, PLATFORM_LABEL, normalizeReference, parseReference } from "./image-names";
export { type ImageOwner, ImagePolicy, ImageRefused } from "./image-policy";
export { type SubnetPool, poolProblem } from "./subnet-pool";
export { STACK_IMAGE, StackImageError, ensureStackImage } from "./stack-image";
