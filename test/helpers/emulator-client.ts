/**
 * A small client of the ENS emulator's control API (docs/interfaces.md) and a reader of the audit file,
 * shared by the integration tests so that each one states what it checks rather than how it talks to the
 * emulator.
 */
import { existsSync, readFileSync } from "node:fs";

/** The control API of one running emulator. */
export interface EmulatorControl {
  /** Calls `/__emulator/<path>`; fails the caller on a non-2xx answer; returns the JSON body (or null). */
  call(method: string, path: string, body?: unknown): Promise<any>;
  /** Total `AuthorizeSecurityGroupEgress` calls the emulator has seen (its own counter, not ours). */
  ensCalls(): Promise<number>;
  /** Total `DescribeSecurityGroupAttribute` calls (the read before the write). */
  ensReads(): Promise<number>;
  /** The seven-field rules of a group. */
  permissions(securityGroupId: string): Promise<Array<Record<string, unknown>>>;
  /** Forgets everything, then creates the given empty groups. */
  resetWith(...securityGroupIds: string[]): Promise<void>;
  /** Replaces the fault configuration. */
  setFaults(settings: Record<string, unknown>): Promise<void>;
}

/** Creates a control client for the emulator at `url`. */
export function emulatorControl(url: string): EmulatorControl {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/__emulator/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${path}: ${response.status} ${text}`);
    return text === "" ? null : JSON.parse(text);
  };
  return {
    call,
    async ensCalls() {
      const stats = (await call("GET", "stats")) as { calls: Record<string, { total: number }> };
      return stats.calls.AuthorizeSecurityGroupEgress?.total ?? 0;
    },
    async ensReads() {
      const stats = (await call("GET", "stats")) as { calls: Record<string, { total: number }> };
      return stats.calls.DescribeSecurityGroupAttribute?.total ?? 0;
    },
    async permissions(securityGroupId) {
      return (
        (await call("GET", `security-groups/${securityGroupId}`)) as {
          Permissions: Array<Record<string, unknown>>;
        }
      ).Permissions;
    },
    async resetWith(...securityGroupIds) {
      await call("POST", "reset");
      for (const id of securityGroupIds) await call("POST", "security-groups", { SecurityGroupId: id });
    },
    async setFaults(settings) {
      await call("PUT", "faults", settings);
    },
  };
}

/** Every audit event in a file sink's file, in order (none when the file does not exist yet). */
export function readAuditEvents(path: string): Array<Record<string, any>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}
