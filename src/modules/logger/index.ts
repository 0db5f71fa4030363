export { formatLine, cleanMessage, LineSplitter, MAX_LINE_BYTES } from "./log-lines";
export { LogStore } from "./log-store";
export { LogServer, type LogServerOptions } from "./log-server";
export { normalizeDrainUrl, parseDrainUrl } from "./drains";
export { parseSyslog, startSyslog, toSyslog } from "./syslog";
