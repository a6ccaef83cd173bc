/** Questions asked of a built model. */
import type { AccessModel } from './types.js';

/** Every `sub` value a model trusts, with the role that trusts it; for reports and cross-checks. */
export function trustedClaims(model: AccessModel): { role: string; repository: string; claim: string }[] {
  return model.repositories.flatMap((r) => r.roles.flatMap((role) => role.claims.map((claim) => ({ role: role.name, repository: r.key, claim }))));
}
