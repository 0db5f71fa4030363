import type { RequestContext } from "../core/context";
import type { Services } from "../modules/controller";

/** What every resolver gets: the request context (first argument of every service call) and the services. */
export interface GraphQLContext {
  readonly ctx: RequestContext;
  readonly services: Services;
}
