/**
 * Contract of the audit event (docs/interfaces.md): every event the builder makes validates against the
 * published schema `events/audit/v1.json`, the schema still promises everything v1.0.0 promised (a frozen
 * copy below), and the documented examples (events/audit/examples, listed in docs/interfaces.md) are valid
 * and all listed.
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AUDIT_DATASCHEMA, AUDIT_SCHEMA_VERSION, buildAuditEvent } from "#shared/domain/audit-event.ts";
import type { Outcome } from "#shared/domain/types.ts";
import type { AuditData, AuditEvent, Delivery } from "#shared/ports.ts";
import { validateJsonSchema } from "../helpers/json-schema-lite.ts";
import { DECISIONS, DELIVERY, OUTCOMES, RULE } from "../unit/audit/fixtures.ts";

const root = new URL("../../", import.meta.url);
/** The parts of the schema document the tests read. */
interface SchemaDoc extends Record<string, unknown> {
  $id: string;
  required: string[];
  "x-schema-version": string;
  properties: Record<string, { const?: unknown; enum?: unknown[] }>;
  $defs: {
    data: { required: string[]; properties: { outcome: { enum: string[] }; origin: { enum: string[] } } };
    rule: { required: string[] };
  };
}
const schema = JSON.parse(readFileSync(new URL("events/audit/v1.json", root), "utf8")) as SchemaDoc;

/** An event as plain JSON, for mutations the type system would rightly refuse. */
type EventJson = Omit<AuditEvent, "data" | "type"> & { type: string; data: Record<string, unknown> } & Record<
    string,
    unknown
  >;
const asJson = (event: AuditEvent): EventJson => JSON.parse(JSON.stringify(event)) as EventJson;
const withData = (e: EventJson, patch: Record<string, unknown>): EventJson => ({
  ...e,
  data: { ...e.data, ...patch },
});
const withRule = (e: EventJson, patch: Record<string, unknown>): EventJson =>
  withData(e, { rule: { ...(e.data.rule as Record<string, unknown>), ...patch } });
const examplesDir = new URL("events/audit/examples/", root);
const examples = Object.fromEntries(
  readdirSync(examplesDir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => [name, JSON.parse(readFileSync(new URL(name, examplesDir), "utf8")) as AuditEvent]),
);

function build(
  outcome: Outcome,
  overrides: Partial<(typeof DECISIONS)[Outcome]> = {},
  delivery: Delivery = DELIVERY,
) {
  return buildAuditEvent({
    source: "acs:fc:cn-hangzhou:123:services/ens-egress/functions/http-intake",
    time: new Date("2025-03-01T10:00:00.000Z"),
    delivery,
    data: { ...DECISIONS[outcome], ...overrides },
  });
}

/**
 * What v1.0.0 promised consumers, frozen. A schema change that drops any of it is breaking: it needs
 * `events/audit/v2.json`, a new `dataschema`, and a line in events/audit/CHANGELOG.md.
 */
const FROZEN_V1 = {
  dataschema: "urn:ens-egress:events:audit:v1",
  required: [
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "datacontenttype",
    "dataschema",
    "correlationid",
    "fcrequestid",
    "data",
  ],
  dataRequired: [
    "outcome",
    "rule",
    "errorCode",
    "errorMessage",
    "attempts",
    "ensRequestIds",
    "ticketId",
    "requestedBy",
    "reason",
    "dryRun",
    "trigger",
    "origin",
    "deliveryId",
    "fcRequestId",
    "ruleIndex",
    "policy",
    "issues",
  ],
  outcomes: ["created", "already_exists", "dry_run", "rejected", "failed"],
  ruleFields: [
    "SecurityGroupId",
    "IpProtocol",
    "PortRange",
    "DestCidrIp",
    "Policy",
    "Priority",
    "SourcePortRange",
  ],
  origins: ["operator", "webhook", "queue"],
  // An event exactly as v1.0.0 produced it: every later v1 schema must still accept it.
  event: {
    specversion: "1.0",
    id: "b999eb92-2090-889a-9378-78996ced8d92",
    source: "acs:fc:cn-hangzhou:1234567890123456:services/ens-egress/functions/queue-worker",
    type: "ens.egress_rule.created",
    subject: "sg-5p1fg655nh68xyz",
    time: "2025-03-01T10:00:00.412Z",
    datacontenttype: "application/json",
    dataschema: "urn:ens-egress:events:audit:v1",
    correlationid: "SEC-1234",
    fcrequestid: "1-6650c0de-2f1a3b4c5d6e7f8091a2b3c4",
    data: {
      outcome: "created",
      rule: {
        SecurityGroupId: "sg-5p1fg655nh68xyz",
        IpProtocol: "tcp",
        PortRange: "443/443",
        DestCidrIp: "10.20.0.0/16",
        Policy: "accept",
        Priority: 1,
        SourcePortRange: "1/65535",
      },
      errorCode: null,
      errorMessage: null,
      attempts: 1,
      ensRequestIds: ["8B1A2C3D-0000-4000-8000-000000000001"],
      ticketId: "SEC-1234",
      requestedBy: "alice@example.com",
      reason: "payments API egress",
      dryRun: false,
      trigger: "queue:mns",
      origin: "queue",
      deliveryId: "msg_1",
      fcRequestId: "1-6650c0de-2f1a3b4c5d6e7f8091a2b3c4",
      ruleIndex: 0,
      policy: { mode: "enforce", allowed: true, violations: [] },
      issues: [],
    },
  },
};

describe("audit event schema v1", () => {
  it.each(OUTCOMES)("accepts the built event for outcome %s", (outcome) => {
    expect(validateJsonSchema(schema, build(outcome))).toEqual([]);
  });

  it("accepts the edge cases: unknown rule, validation issues, audit-only verdicts, ad hoc delivery", () => {
    const cases = [
      build("rejected", {
        rule: null,
        policy: null,
        issues: [{ path: "(root)", message: "body is not JSON" }],
      }),
      build("created", {
        policy: {
          mode: "audit-only",
          allowed: true,
          violations: [{ guardrail: "MaxPortRangeWidth", reason: "wide" }],
        },
      }),
      build(
        "failed",
        { ticketId: null },
        { trigger: "invoke", origin: "operator", deliveryId: null, fcRequestId: "r-9" },
      ),
      build("created", {
        rule: { ...RULE, IpProtocol: "icmp", PortRange: "-1/-1", SourcePortRange: "-1/-1" },
      }),
    ];
    for (const event of cases) expect(validateJsonSchema(schema, event)).toEqual([]);
  });

  it("accepts every event built from arbitrary decisions", () => {
    const text = fc.string({ maxLength: 40 });
    fc.assert(
      fc.property(
        fc.constantFrom(...OUTCOMES),
        fc.option(text, { nil: null }),
        fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: null }),
        fc.nat({ max: 10 }),
        fc.array(fc.record({ path: text, message: text }), { maxLength: 3 }),
        (outcome, ticketId, deliveryId, attempts, issues) => {
          const event = build(outcome, { ticketId, attempts, issues }, { ...DELIVERY, deliveryId });
          expect(validateJsonSchema(schema, event)).toEqual([]);
        },
      ),
    );
  });

  it.each<[string, (e: EventJson) => EventJson]>([
    ["type and outcome disagree", (e) => ({ ...e, type: "ens.egress_rule.failed" })],
    ["unknown outcome", (e) => withData({ ...e, type: "ens.egress_rule.maybe" }, { outcome: "maybe" })],
    ["missing correlationid", ({ correlationid: _, ...e }) => e as EventJson],
    ["missing data.attempts", (e) => withData(e, { attempts: undefined })],
    ["random id", (e) => ({ ...e, id: "not-a-uuid" })],
    ["time without zone", (e) => ({ ...e, time: "2025-03-01T10:00:00" })],
    ["negative attempts", (e) => withData(e, { attempts: -1 })],
    ["Priority out of range", (e) => withRule(e, { Priority: 0 })],
    ["uppercase protocol", (e) => withRule(e, { IpProtocol: "TCP" })],
    ["extension name not CloudEvents-shaped", (e) => ({ ...e, "Bad-Name": 1 })],
    ["other dataschema", (e) => ({ ...e, dataschema: "urn:ens-egress:events:audit:v2" })],
  ])("refuses an event with %s", (_, mutate) => {
    const mutated: unknown = JSON.parse(JSON.stringify(mutate(asJson(build("created")))));
    expect(validateJsonSchema(schema, mutated).length).toBeGreaterThan(0);
  });

  it("allows what consumers must tolerate: extensions and new optional data members", () => {
    const event = withData(
      { ...asJson(build("created")), aliyuneventbusname: "audit", aliyunregionid: "cn-hangzhou" },
      { futureField: { any: "shape" } },
    );
    expect(validateJsonSchema(schema, event)).toEqual([]);
  });

  it("matches the code: dataschema, version, outcomes, every data member described, the 1.0.0 ones required", () => {
    expect(schema.$id).toBe(AUDIT_DATASCHEMA);
    expect(schema.properties.dataschema?.const).toBe(AUDIT_DATASCHEMA);
    expect(schema["x-schema-version"]).toBe(AUDIT_SCHEMA_VERSION);
    expect(schema.$defs.data.properties.outcome.enum).toEqual(OUTCOMES);
    const event = build("created");
    // Members added by a minor version are optional in the schema (older events lack them) and say since when.
    const added = Object.keys(event.data).filter((key) => !schema.$defs.data.required.includes(key));
    expect(added).toEqual(["mayHaveCreated"]);
    for (const key of added) {
      const described = schema.$defs.data.properties as Record<string, { description?: string } | undefined>;
      expect(described[key]?.description).toMatch(/^Since 1\.\d+\.0\./);
    }
    expect([...schema.$defs.data.required, ...added].sort()).toEqual(Object.keys(event.data).sort());
    for (const key of Object.keys(event)) expect(schema.properties).toHaveProperty(key);
  });
});

describe("no breaking change against the frozen v1.0.0 contract", () => {
  it("still requires every member v1.0.0 required, and no new ones", () => {
    expect([...schema.required].sort()).toEqual([...FROZEN_V1.required].sort());
    expect([...schema.$defs.data.required].sort()).toEqual([...FROZEN_V1.dataRequired].sort());
    expect([...schema.$defs.rule.required].sort()).toEqual([...FROZEN_V1.ruleFields].sort());
  });

  it("keeps the enums and the dataschema", () => {
    expect(schema.$defs.data.properties.outcome.enum).toEqual(FROZEN_V1.outcomes);
    expect(schema.properties.type?.enum).toEqual(FROZEN_V1.outcomes.map((o) => `ens.egress_rule.${o}`));
    expect(schema.$defs.data.properties.origin.enum).toEqual(FROZEN_V1.origins);
    expect(schema.$id).toBe(FROZEN_V1.dataschema);
  });

  it("still accepts an event exactly as v1.0.0 produced it", () => {
    expect(validateJsonSchema(schema, FROZEN_V1.event)).toEqual([]);
  });

  it("still builds that very event from the same inputs (ids and shape are stable)", () => {
    const rebuilt = buildAuditEvent({
      source: FROZEN_V1.event.source,
      time: new Date(FROZEN_V1.event.time),
      delivery: {
        trigger: "queue:mns",
        origin: "queue",
        deliveryId: "msg_1",
        fcRequestId: FROZEN_V1.event.fcrequestid,
      },
      data: FROZEN_V1.event.data as unknown as AuditData,
    });
    // 1.1.0 adds one optional member at the end of `data`; everything v1.0.0 wrote is unchanged, id included.
    const { mayHaveCreated, ...v1Data } = rebuilt.data;
    expect(mayHaveCreated).toBe(false);
    expect({ ...rebuilt, data: v1Data }).toEqual(FROZEN_V1.event);
    expect(Object.keys(rebuilt)).toEqual(Object.keys(FROZEN_V1.event));
  });
});

describe("documented examples", () => {
  it("has one example per outcome, each valid", () => {
    const outcomes = new Set(Object.values(examples).map((e) => e.data.outcome));
    expect([...outcomes].sort()).toEqual([...OUTCOMES].sort());
    for (const [name, event] of Object.entries(examples)) {
      expect(validateJsonSchema(schema, event), name).toEqual([]);
    }
  });

  it("docs/interfaces.md links exactly the example files, each beside its type", () => {
    const doc = readFileSync(new URL("docs/interfaces.md", root), "utf8");
    const section = doc.slice(
      doc.indexOf("<!-- audit-examples:start -->"),
      doc.indexOf("<!-- audit-examples:end -->"),
    );
    const links = [
      ...section.matchAll(/^\| `([^`]+)` \|.*\]\(\.\.\/events\/audit\/examples\/([^)]+)\) \|$/gm),
    ];
    expect(links.map((m) => m[2]).sort()).toEqual(Object.keys(examples).sort());
    for (const [, type, file] of links) expect(examples[file ?? ""]?.type, file).toBe(type);
  });
});
