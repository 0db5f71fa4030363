export { startRouter, type RouterOptions, type RunningRouter } from "./router";
export { type CertificatePair, loadDefaultCertificate } from "./default-certificate";
export { startRouterWorkers, type RouterWorkersOptions, type RunningRouterWorkers } from "./cluster";
export { formatRequestLine, publishRequestLine, type RequestLogEntry } from "./request-log";
export { RouteTable, AppRoute, type Backend } from "./route-table";
