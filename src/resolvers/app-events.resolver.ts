import { Arg, Authorized, Resolver, Root, Subscription } from "type-graphql";
import type { AppEventPayload } from "../modules/controller";
import type { BuildLogLine as BuildLogPayload } from "../core/topics";
import type { GraphQLContext } from "./context";
import { AppEvent, BuildLogLine } from "./types/objects";

@Resolver()
export class AppEventsResolver {
  @Authorized()
  @Subscription(() => AppEvent, {
    description: "Releases, config changes, domains, collaborators and the end of the app, as they commit.",
    subscribe: ({ args, context }) => {
      const { ctx, services } = context as GraphQLContext;
      return services.streams.appEvents(ctx, (args as { app: string }).app);
    },
  })
  appEvents(@Root() event: AppEventPayload, @Arg("app", () => String) _app: string): AppEvent {
    return { ...event, at: new Date(event.at) };
  }

  @Authorized()
  @Subscription(() => AppEvent, {
    description: "Events of every app you may see (every app, for an admin), for live lists of apps; an app you lose gets one last event.",
    subscribe: ({ context }) => {
      const { ctx, services } = context as GraphQLContext;
      return services.streams.appListEvents(ctx);
    },
  })
  appListEvents(@Root() event: AppEventPayload): AppEvent {
    return { ...event, at: new Date(event.at) };
  }

  @Authorized()
  @Subscription(() => BuildLogLine, {
    description: "Each line of the app's builds (git pushes) as it is printed.",
    subscribe: ({ args, context }) => {
      const { ctx, services } = context as GraphQLContext;
      return services.streams.buildLogs(ctx, (args as { app: string }).app);
    },
  })
  buildLogs(@Root() line: BuildLogPayload, @Arg("app", () => String) _app: string): BuildLogLine {
    return { ...line, at: new Date(line.at) };
  }
}
