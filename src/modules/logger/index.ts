export { formatLine, cleanMessage, LineSplitter, MAX_LINE_BYTES } from "./log-lines";
export { LogStore } from "./log-store";
export { LogServer, type LogServerOptions } from "./log-server";
export { DrainForwarder, normalizeDrainUrl, parseDrainUrl } from "./drains";
export { DrainGuard, type DrainCheck, type DrainPolicy, type Lookup, type RefusedClass, type ResolvedAddress, classifyAddress, drainPolicyOf, systemLookup } from "./drain-guard";
export { parseSyslog, startSyslog, toSyslog } from "./syslog";
