/**
 * The ticket-system emulators (README.md): Jira (Cloud or Data Center, with Jira Service Management request comments)
 * and ServiceNow, each with a loopback control API to read what was written and to inject faults.
 */
export type { TicketFaultKind, TicketFaultSettings, TicketFaultSpec } from "./faults.ts";
export {
  DEMO_JIRA_ACCOUNT,
  type JiraAccount,
  type JiraEmulatorOptions,
  type JiraTransition,
  startJiraEmulator,
} from "./jira.ts";
export type { RunningEmulator } from "./server.ts";
export {
  DEMO_SERVICENOW_USER,
  type ServiceNowEmulatorOptions,
  type ServiceNowUser,
  startServiceNowEmulator,
} from "./servicenow.ts";
