/** One access key the emulator accepts. */
export interface AccessKeyConfig {
  id: string;
  secret: string;
  /** When set, every request signed with this key must carry exactly this STS token. */
  securityToken?: string;
  /** Actions this key may not call: they are answered with NoPermission, as a RAM deny would be. */
  deniedActions?: string[];
}

/** An `ENS_EMULATOR_ACCESS_KEYS` / `--access-key` value that cannot be parsed. */
export class AccessKeySpecError extends Error {
  /** Always `InvalidAccessKeySpec`. */
  readonly code = "InvalidAccessKeySpec";

  constructor(message: string) {
    super(message);
    this.name = "AccessKeySpecError";
  }
}

/** The key used when neither the options nor the environment name one (docs/interfaces.md). */
export const DEFAULT_ACCESS_KEYS: readonly AccessKeyConfig[] = [{ id: "local-ak", secret: "local-secret" }];

/**
 * Parses `id:secret[:securityToken]` entries separated by commas. Everything after the second colon is the
 * token, so a token may itself contain colons. Errors name the entry's position, never its content (secrets).
 * @example parseAccessKeys("local-ak:local-secret,sts-ak:sts-secret:token") // two keys, the second with a token
 */
export function parseAccessKeys(spec: string): AccessKeyConfig[] {
  const keys: AccessKeyConfig[] = [];
  spec.split(",").forEach((raw, index) => {
    const entry = raw.trim();
    if (entry === "") return;
    const first = entry.indexOf(":");
    const second = first === -1 ? -1 : entry.indexOf(":", first + 1);
    const id = first === -1 ? entry : entry.slice(0, first);
    const secret = first === -1 ? "" : entry.slice(first + 1, second === -1 ? undefined : second);
    const token = second === -1 ? undefined : entry.slice(second + 1);
    if (id === "" || secret === "" || token === "") {
      throw new AccessKeySpecError(
        `access key entry ${index + 1}: expected "id:secret" or "id:secret:securityToken" with non-empty parts`,
      );
    }
    keys.push(token === undefined ? { id, secret } : { id, secret, securityToken: token });
  });
  if (keys.length === 0) throw new AccessKeySpecError("no access key given");
  return keys;
}
