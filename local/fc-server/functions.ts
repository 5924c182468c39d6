/**
 * The functions the local stack serves, with the settings `template.yml` deploys them with (a contract test keeps
 * the two in step).
 */

/** One function of the service. */
export interface FunctionSpec {
  name: "http-intake" | "queue-worker";
  timeoutSeconds: number;
  memoryMb: number;
}

/** The service name, as deployed and as the invoke API serves it (CONTRACT §2). */
export const SERVICE_NAME = "ens-egress";

/** The function whose HTTP trigger is mounted at the root. */
export const HTTP_FUNCTION = "http-intake";

/** Both functions; the queue worker gets longer because a batch may hold many rules. */
export const FUNCTION_SPECS: readonly FunctionSpec[] = [
  { name: "http-intake", timeoutSeconds: 30, memoryMb: 512 },
  { name: "queue-worker", timeoutSeconds: 120, memoryMb: 512 },
];
