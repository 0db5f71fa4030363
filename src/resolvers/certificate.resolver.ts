import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { Certificate } from "../entities";
import type { GraphQLContext } from "./context";
import { ConnectionType, PageArgsType, pageComplexity } from "./types/pagination";

export const CertificateConnection = ConnectionType(Certificate, "Certificate");

@Resolver(() => Certificate)
export class CertificateResolver {
  @Authorized()
  @Query(() => CertificateConnection, { description: "The app's TLS certificates.", complexity: pageComplexity })
  async certificates(
    @Arg("app", () => String) app: string,
    @Args(() => PageArgsType) page: PageArgsType,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return new CertificateConnection(await services.certificates.list(ctx, app, page));
  }

  @Authorized()
  @Mutation(() => Certificate, { description: "Adds a PEM certificate and key; the router serves it on the app's domains it covers." })
  addCertificate(
    @Arg("app", () => String) app: string,
    @Arg("name", () => String) name: string,
    @Arg("certificate", () => String) certificate: string,
    @Arg("key", () => String) key: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.certificates.add(ctx, app, name, certificate, key);
  }

  @Authorized()
  @Mutation(() => Boolean)
  removeCertificate(
    @Arg("app", () => String) app: string,
    @Arg("name", () => String) name: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.certificates.remove(ctx, app, name);
  }
}
