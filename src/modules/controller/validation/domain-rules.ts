import { isIP } from "node:net";
import { invalidInput } from "../../../core/errors";

const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A custom domain: a DNS name of two or more labels, or a wildcard `*.example.com`. Returns it
 * lowercased and without a trailing dot.
 */
export function normalizeDomain(raw: string, platformDomain: string, field = "domain"): string {
  const domain = raw.trim().toLowerCase().replace(/\.$/, "");
  if (domain.length === 0) throw invalidInput(field, "must not be empty");
  if (domain.length > 253) throw invalidInput(field, `must be at most 253 characters (got ${domain.length})`);
  if (isIP(domain)) throw invalidInput(field, "must be a DNS name, not an IP address");
  const labels = domain.split(".");
  if (labels.some((label) => label.length === 0)) throw invalidInput(field, "must not contain empty labels ('..')");
  const [first, ...rest] = labels;
  if (first === "*" && rest.length === 0) throw invalidInput(field, "a wildcard needs a domain after it, e.g. *.example.com");
  if (labels.slice(1).includes("*") || (first !== "*" && first.includes("*"))) {
    throw invalidInput(field, "a wildcard may only be the whole first label, e.g. *.example.com");
  }
  const named = first === "*" ? rest : labels;
  if (named.length < 2) throw invalidInput(field, "must have at least two labels, e.g. example.com");
  for (const label of named) {
    if (label.length > 63) throw invalidInput(field, "each label is at most 63 characters");
    if (!LABEL_RE.test(label)) {
      throw invalidInput(field, "labels are letters, digits and inner hyphens");
    }
  }
  if (/^\d+$/.test(named[named.length - 1])) throw invalidInput(field, "the top-level domain must not be all digits");
  if (domain === platformDomain || domain.endsWith(`.${platformDomain}`)) {
    throw invalidInput(field, `names under the platform domain ${platformDomain} are given to apps automatically`);
  }
  return domain;
}
