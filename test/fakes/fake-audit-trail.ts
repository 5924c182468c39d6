import type { AuditEvent } from "../../shared/ports.ts";
import type { AuditTrail } from "../../shared/use-cases/authorize-egress-request.ts";

/** An in-memory audit trail that records events; `failing` makes every emit report non-delivery. */
export interface FakeAuditTrail extends AuditTrail {
  events: AuditEvent[];
  failing: boolean;
}

/** Creates a fake audit trail. */
export function createFakeAuditTrail(): FakeAuditTrail {
  const trail: FakeAuditTrail = {
    events: [],
    failing: false,
    async emit(events) {
      trail.events.push(...events);
      return { delivered: !trail.failing };
    },
  };
  return trail;
}
