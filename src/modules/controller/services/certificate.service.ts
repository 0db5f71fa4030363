import { X509Certificate, createPrivateKey } from "node:crypto";
import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { alreadyExists, invalidInput, notFound } from "../../../core/errors";
import { Certificate } from "../../../entities";
import { type Page, type PageArgs, paginate } from "../pagination";
import type { UnitOfWork } from "../unit-of-work";
import type { AccessService } from "./access.service";
import { isUniqueViolation } from "../../database";
import type { RoutingService } from "./routing.service";

const CERT_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const MAX_CERTIFICATES_PER_APP = 20;

interface ParsedCertificate {
  readonly commonName: string;
  readonly sans: string[];
  readonly fingerprint: string;
  readonly startsAt: Date;
  readonly expiresAt: Date;
}

/** Reads a PEM certificate chain and its key; refuses what the router could not serve. */
export function parseCertificate(certificatePem: string, keyPem: string, now = new Date()): ParsedCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certificatePem);
  } catch {
    throw invalidInput("certificate", "must be a PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw invalidInput("key", "must be a PEM private key, unencrypted (-----BEGIN PRIVATE KEY-----)");
  }
  if (!x509.checkPrivateKey(key)) throw invalidInput("key", "does not belong to the certificate");
  const expiresAt = new Date(x509.validTo);
  if (expiresAt <= now) throw invalidInput("certificate", `expired on ${expiresAt.toISOString()}`);
  const commonName = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1]?.toLowerCase() ?? "";
  const sans = (x509.subjectAltName ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4).toLowerCase());
  if (!commonName && sans.length === 0) throw invalidInput("certificate", "names no domain (no CN, no DNS subject alternative name)");
  return { commonName: commonName || sans[0], sans, fingerprint: x509.fingerprint256, startsAt: new Date(x509.validFrom), expiresAt };
}

/** TLS certificates of an app; the router serves each on the app's domains it covers (SNI). */
export class CertificateService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly routing: RoutingService,
  ) {}

  async list(ctx: RequestContext, appName: string, page: PageArgs): Promise<Page<Certificate>> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const query = this.dataSource
      .getRepository(Certificate)
      .createQueryBuilder("certificate")
      .where(`certificate."appId" = :appId`, { appId: app.id });
    return paginate(query, [{ column: "certificate.name", type: "text", value: (c) => c.name }], "ASC", page);
  }

  async add(ctx: RequestContext, appName: string, name: string, certificate: string, key: string): Promise<Certificate> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    if (!CERT_NAME_RE.test(name)) throw invalidInput("name", "a certificate name is lowercase letters, digits and inner hyphens, 1-63");
    const parsed = parseCertificate(certificate, key);
    try {
      return await this.unitOfWork.run(ctx, async (tx) => {
        if (await tx.manager.existsBy(Certificate, { appId: app.id, name })) {
          throw alreadyExists("name", `${appName} already has a certificate named ${name}`);
        }
        if ((await tx.manager.countBy(Certificate, { appId: app.id })) >= MAX_CERTIFICATES_PER_APP) {
          throw invalidInput("certificate", `an app has at most ${MAX_CERTIFICATES_PER_APP} certificates`);
        }
        const saved = await tx.manager.save(
          tx.manager.create(Certificate, { appId: app.id, name, certificate: certificate.trim(), key: key.trim(), ...parsed }),
        );
        tx.afterCommit(() => this.routing.request(app.name));
        return saved;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists("name", `${appName} already has a certificate named ${name}`);
      throw error;
    }
  }

  async remove(ctx: RequestContext, appName: string, name: string): Promise<boolean> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    await this.unitOfWork.run(ctx, async (tx) => {
      const result = await tx.manager.delete(Certificate, { appId: app.id, name });
      if (!result.affected) throw notFound("certificate", name);
      tx.afterCommit(() => this.routing.request(app.name));
    });
    return true;
  }
}
