import type { RegistrationMode } from "../../../core/config";
import type { RequestContext } from "../../../core/context";
import { invalidInput } from "../../../core/errors";
import { type DiscoveryStore, platformKey } from "../../discovery";
import type { AccessService } from "./access.service";

export const REGISTRATION_MODES: readonly RegistrationMode[] = ["enabled", "disabled", "admin_only"];

function isRegistrationMode(value: string | null): value is RegistrationMode {
  return value !== null && (REGISTRATION_MODES as readonly string[]).includes(value);
}

/**
 * Platform settings an admin changes at run time, kept in discovery (`/deis/platform/*`) so every
 * controller process reads the same value. `DEIS_REGISTRATION_MODE` is the mode until an admin sets one.
 */
export class PlatformSettingsService {
  constructor(
    private readonly discovery: DiscoveryStore,
    private readonly access: AccessService,
    private readonly defaults: { readonly registrationMode: RegistrationMode },
  ) {}

  async registrationMode(): Promise<RegistrationMode> {
    const stored = await this.discovery.get(platformKey("registration-mode"));
    return isRegistrationMode(stored) ? stored : this.defaults.registrationMode;
  }

  /** Who may register from now on (admins only). */
  async setRegistrationMode(ctx: RequestContext, mode: string): Promise<RegistrationMode> {
    this.access.requireAdmin(ctx);
    const wanted = mode.trim();
    if (!isRegistrationMode(wanted)) throw invalidInput("mode", `is one of ${REGISTRATION_MODES.join(", ")}`);
    await this.discovery.put(platformKey("registration-mode"), wanted);
    ctx.log.info({ mode: wanted }, "registration mode set");
    return wanted;
  }
}
