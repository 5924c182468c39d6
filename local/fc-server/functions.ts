/**
 * The functions the local stack serves, with the settings `template.yml` deploys them with (a contract test keeps
 * the two in step).
 */

/** One function of the service. */
export interface FunctionSpec {
  name: "http-intake" | "queue-worker" | "ticket-notifier";
  timeoutSeconds: number;
  memoryMb: number;
}

/**
 * The service in the paths of the FC 2.0 invoke API the local server serves (docs/interfaces.md). The deployment is
 * FC 3.0, which has no services: there the functions are `<NamePrefix>-<name>` (docs/deploy.md).
 */
export const SERVICE_NAME = "ens-egress";

/** The function whose HTTP trigger is mounted at the root. */
export const HTTP_FUNCTION = "http-intake";

/**
 * Every function; the queue worker gets longer because a batch may hold many rules, the ticket notifier enough for
 * its retries against a slow ticket system (docs/tickets.md).
 */
export const FUNCTION_SPECS: readonly FunctionSpec[] = [
  { name: "http-intake", timeoutSeconds: 30, memoryMb: 512 },
  { name: "queue-worker", timeoutSeconds: 120, memoryMb: 512 },
  { name: "ticket-notifier", timeoutSeconds: 60, memoryMb: 256 },
];
