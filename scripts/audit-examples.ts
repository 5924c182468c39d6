/**
 * Builds the documented audit examples by running the real use case (real schema, default policy, real event
 * builder) with in-memory fakes for ENS and the audit trail, at a fixed time. `npm run docs` writes them to
 * `events/audit/examples/` (listed in docs/interfaces.md); a contract test rebuilds them and fails when the
 * files are stale, so the examples can never show an event the code would not produce.
 */
import { DEFAULT_POLICY } from "#shared/domain/policy.ts";
import type { AuditEvent, Delivery, EnsCallResult, Logger } from "#shared/ports.ts";
import { type AuthorizeDeps, authorizeEgressRequest } from "#shared/use-cases/authorize-egress-request.ts";

const TIME = Date.parse("2026-03-02T09:30:00.000Z");
const SOURCE = "acs:fc:cn-hangzhou:1234567890123456:services/ens-egress/functions/http-intake";
const credentials = { accessKeyId: "example-ak", accessKeySecret: "example-secret" };
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

const rule = {
  SecurityGroupId: "sg-5p1fg655nh68xyz",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.20.0.0/16",
};
const meta = {
  TicketId: "NET-1234",
  RequestedBy: "alice@example.com",
  Reason: "edge nodes pull from the artifact mirror",
};

interface ExampleCase {
  name: string;
  body: Record<string, unknown>;
  delivery: Delivery;
  ens?: EnsCallResult;
}

const jira = (id: string): Delivery => ({
  trigger: "http:/webhooks/jira",
  origin: "webhook",
  deliveryId: id,
  fcRequestId: "1-6650c0de-2f1a3b4c5d6e7f8091a2b3c4",
});

const CASES: ExampleCase[] = [
  {
    name: "created",
    body: { ...rule, ...meta },
    delivery: jira("7c2f9a41-3b8e-4d15-a6c0-e19b5d4f2a83"),
    ens: {
      outcome: "created",
      attempts: 2,
      ensRequestIds: ["5B3C7E2A-51F0-4C5D-8E21-6A0D1B9C3F47", "0E9D1C4B-7A62-4F8E-9B13-2C5A6D7E8F90"],
      error: null,
    },
  },
  {
    name: "already_exists",
    body: { ...rule, ...meta },
    delivery: jira("2b8e6f10-94c1-4a7d-8e35-6c0d2f1a9b47"),
    ens: {
      outcome: "already_exists",
      attempts: 1,
      ensRequestIds: ["9A1B2C3D-4E5F-4A6B-8C7D-0E1F2A3B4C5D"],
      error: null,
    },
  },
  {
    name: "dry_run",
    body: { ...rule, ...meta, PortRange: "8443/8443", DryRun: true },
    delivery: {
      trigger: "http:/webhooks/generic",
      origin: "webhook",
      deliveryId: "msg_2mYqBkHZ9hO5wQ3nL8vT1xR4pJs",
      fcRequestId: "1-6650c0df-0a1b2c3d4e5f60718293a4b5",
    },
  },
  {
    name: "rejected-guardrail",
    body: {
      SecurityGroupId: "sg-5p1fg655nh68xyz",
      IpProtocol: "tcp",
      PortRange: "1/65535",
      DestCidrIp: "0.0.0.0/0",
      TicketId: "NET-1236",
      RequestedBy: "carol@example.com",
    },
    delivery: jira("5b0c8a52-8d27-4f3e-9d6b-0f1c2a3b4c5d"),
  },
  {
    name: "rejected-invalid",
    body: {
      SecurityGroupId: "sg-5p1fg655nh68xyz",
      IpProtocol: "icmp",
      PortRange: "22/22",
      DestCidrIp: "10.0.0.0/8",
      TicketId: "NET-1237",
    },
    delivery: {
      trigger: "queue:mns",
      origin: "queue",
      deliveryId: "0B4C5D6E7F8A9B0C-1-18E2A3F4B5C-200000002",
      fcRequestId: "1-6650c0e0-1b2c3d4e5f6071829304a5b6",
    },
  },
  {
    name: "failed",
    body: { ...rule, SecurityGroupId: "sg-0nosuchgroup", TicketId: "NET-1238" },
    delivery: {
      trigger: "queue:mns",
      origin: "queue",
      deliveryId: "0B4C5D6E7F8A9B0C-1-18E2A3F4B5C-200000003",
      fcRequestId: "1-6650c0e0-1b2c3d4e5f6071829304a5b6",
    },
    ens: {
      outcome: "failed",
      attempts: 1,
      ensRequestIds: ["3C4D5E6F-7A8B-4C9D-8E0F-1A2B3C4D5E6F"],
      error: {
        code: "InvalidSecurityGroupId.NotFound",
        message:
          "ENS answered HTTP 400 InvalidSecurityGroupId.NotFound: The specified SecurityGroupId does not exist.",
        requestId: "3C4D5E6F-7A8B-4C9D-8E0F-1A2B3C4D5E6F",
        httpStatus: 400,
        redeliver: false,
      },
    },
  },
];

/** The documented examples, by name, as the real code builds them. */
export async function buildAuditExamples(): Promise<Record<string, AuditEvent>> {
  const examples: Record<string, AuditEvent> = {};
  for (const example of CASES) {
    const events: AuditEvent[] = [];
    const deps: AuthorizeDeps = {
      ens: {
        async authorizeSecurityGroupEgress() {
          if (!example.ens) throw new Error(`example ${example.name} must not call ENS`);
          return example.ens;
        },
        async describeSecurityGroupEgress() {
          return {
            ok: true,
            rules: [],
            attempts: 1,
            ensRequestIds: ["6F1C2B3A-0000-4000-8000-0000000000D1"],
          };
        },
      },
      audit: {
        async emit(batch) {
          events.push(...batch);
          return { delivered: true, failures: [] };
        },
      },
      policy: DEFAULT_POLICY,
      policyMode: "enforce",
      clock: { now: () => TIME },
      logger: silent,
      auditSource: SOURCE,
    };
    const budget = { ensDeadline: TIME + 25_000, auditDeadline: TIME + 29_000 };
    await authorizeEgressRequest(
      { body: example.body, delivery: example.delivery, credentials },
      deps,
      budget,
    );
    const [event] = events;
    if (!event || events.length !== 1)
      throw new Error(`example ${example.name} produced ${events.length} events`);
    examples[example.name] = event;
  }
  return examples;
}
