import type { AuditEvent, AuditTrail } from "#shared/ports.ts";

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
      const failures = trail.failing
        ? events.map((event) => ({ sink: "fake", eventId: event.id, error: "AuditSinkDown: fake" }))
        : [];
      return { delivered: !trail.failing, failures };
    },
  };
  return trail;
}
