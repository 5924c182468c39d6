/** Keys, control-API helper and emulator start-up shared by the emulator's integration tests. */
import {
  type EnsEmulator,
  type EnsEmulatorOptions,
  startEnsEmulator,
} from "../../../../local/ens-emulator/index.ts";
import type { TestCredentials } from "./official-clients.ts";

/** A permanent key. */
export const PLAIN: TestCredentials = { accessKeyId: "plain-ak", accessKeySecret: "plain-secret" };
/** STS credentials: the key only works with its token. */
export const STS: TestCredentials = {
  accessKeyId: "STS.test-ak",
  accessKeySecret: "sts-secret",
  securityToken: "sts-token/with+special=chars",
};
/** A key whose RAM policy denies AuthorizeSecurityGroupEgress. */
export const READ_ONLY: TestCredentials = { accessKeyId: "ro-ak", accessKeySecret: "ro-secret" };

/** Starts an emulator that knows the three keys above. */
export function startTestEmulator(options: EnsEmulatorOptions = {}): Promise<EnsEmulator> {
  return startEnsEmulator({
    accessKeys: [
      { id: PLAIN.accessKeyId, secret: PLAIN.accessKeySecret },
      { id: STS.accessKeyId, secret: STS.accessKeySecret, securityToken: STS.securityToken as string },
      {
        id: READ_ONLY.accessKeyId,
        secret: READ_ONLY.accessKeySecret,
        deniedActions: ["AuthorizeSecurityGroupEgress"],
      },
    ],
    ...options,
  });
}

/** Calls the control API (docs/interfaces.md) over HTTP, as an operator or another test would. */
export async function control(
  emulator: { url: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  const res = await fetch(`${emulator.url}/__emulator/${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
