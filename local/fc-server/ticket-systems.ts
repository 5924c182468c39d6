/**
 * The ticket systems of the local stack (docs/tickets.md, local stack): the Jira and ServiceNow emulators with demo
 * tickets and the notifier's settings pointing at them. A ticket system the user points at with TICKET_JIRA_URL or
 * TICKET_SERVICENOW_URL is used instead, with the user's own credentials.
 */
import {
  DEMO_JIRA_ACCOUNT,
  DEMO_SERVICENOW_USER,
  startJiraEmulator,
  startServiceNowEmulator,
} from "../ticket-emulators/index.ts";
import { envValue } from "./local-settings.ts";

/** The Jira issues the local Jira starts with: `events/http/jira-native.json` is about NET-231. */
export const DEMO_JIRA_ISSUES: readonly string[] = ["NET-1", "NET-2", "NET-231", "HELP-1"];

/** The ServiceNow records the local instance starts with. */
export const DEMO_SERVICENOW_RECORDS: ReadonlyArray<{ table: string; sys_id: string; number: string }> = [
  { table: "sc_req_item", sys_id: "2ad1e1a8c3f0221078b49b2e0501311a", number: "RITM0010423" },
  { table: "change_request", sys_id: "9d385017c611228701d22104cc95c371", number: "CHG0030001" },
];

/** The emulators that run, and how to stop them. */
export interface TicketSystems {
  jira: string | null;
  servicenow: string | null;
  close(): Promise<void>;
}

/** Sets the functions' environment; `force` overrides the user, as the demo credentials must match. */
interface EnvWriter {
  force(name: string, value: string): void;
}

/** Starts the emulators the user did not replace, and points the notifier at them. */
export async function startLocalTicketSystems(env: EnvWriter): Promise<TicketSystems> {
  const running: Array<{ close(): Promise<void> }> = [];
  let jira: string | null = null;
  let servicenow: string | null = null;
  try {
    if (envValue(process.env, "TICKET_JIRA_URL") === undefined) {
      const emulator = await startJiraEmulator({
        mode: "cloud",
        accounts: [DEMO_JIRA_ACCOUNT],
        issues: [...DEMO_JIRA_ISSUES],
        serviceDeskProjects: ["HELP"],
      });
      running.push(emulator);
      jira = emulator.url;
      env.force("TICKET_JIRA_URL", emulator.url);
      env.force("TICKET_JIRA_API", "cloud");
      env.force("TICKET_JIRA_EMAIL", DEMO_JIRA_ACCOUNT.email ?? "");
      env.force("TICKET_JIRA_TOKEN", DEMO_JIRA_ACCOUNT.token);
    }
    if (envValue(process.env, "TICKET_SERVICENOW_URL") === undefined) {
      const emulator = await startServiceNowEmulator({
        users: [DEMO_SERVICENOW_USER],
        records: [...DEMO_SERVICENOW_RECORDS],
      });
      running.push(emulator);
      servicenow = emulator.url;
      env.force("TICKET_SERVICENOW_URL", emulator.url);
      env.force("TICKET_SERVICENOW_USER", DEMO_SERVICENOW_USER.user);
      env.force("TICKET_SERVICENOW_PASSWORD", DEMO_SERVICENOW_USER.password);
    }
  } catch (error) {
    await Promise.all(running.map((emulator) => emulator.close()));
    throw error;
  }
  return {
    jira,
    servicenow,
    close: async () => {
      await Promise.all(running.map((emulator) => emulator.close()));
    },
  };
}
