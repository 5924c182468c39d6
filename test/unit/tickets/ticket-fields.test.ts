/**
 * The request fields that name a ticket (docs/tickets.md): additions only, so every request accepted before is
 * accepted the same way and its metadata has no new member; the new fields must agree with one another, and a
 * misspelt one is still refused by name with a hint.
 */
import { describe, expect, it } from "vitest";
import { ticketOf } from "#shared/domain/request-summary.ts";
import { parseRuleRequest } from "#shared/domain/rule-request.ts";

const RULE = {
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.0.0.0/8",
};
const SYS_ID = "9d385017c611228701d22104cc95c371";

function issues(input: unknown): string[] {
  const parsed = parseRuleRequest(input);
  return parsed.ok ? [] : parsed.issues.map((issue) => issue.message);
}

describe("ticket fields of the rule request", () => {
  it("leaves the metadata of a request without them exactly as it was", () => {
    const parsed = parseRuleRequest({ ...RULE, TicketId: "NET-1" });
    expect(parsed.ok && Object.keys(parsed.request.meta)).toEqual([
      "TicketId",
      "RequestedBy",
      "Reason",
      "DryRun",
    ]);
  });

  it("accepts a ServiceNow record named by table and sys_id, on one rule or beside Rules", () => {
    for (const input of [
      { ...RULE, TicketId: "CHG0030001", ServiceNowTable: "change_request", ServiceNowSysId: SYS_ID },
      {
        Rules: [RULE],
        ServiceNowTable: "u_firewall_change",
        ServiceNowSysId: SYS_ID,
        TicketSystem: "servicenow",
      },
    ]) {
      const parsed = parseRuleRequest(input);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(ticketOf("queue:mns", parsed.request.meta)?.system).toBe("servicenow");
    }
  });

  it("accepts TicketSystem jira with an issue key, so a queue message can name its Jira ticket", () => {
    const parsed = parseRuleRequest({ ...RULE, TicketId: "NET-42", TicketSystem: "jira" });
    expect(parsed.ok && ticketOf("queue:mns", parsed.request.meta)).toEqual({
      system: "jira",
      key: "NET-42",
    });
  });

  it.each([
    [
      { ServiceNowTable: "change_request" },
      "ServiceNowSysId: is required with ServiceNowTable: the two name the record",
    ],
    [
      { ServiceNowSysId: SYS_ID },
      "ServiceNowTable: is required with ServiceNowSysId: the two name the record",
    ],
    [
      { TicketSystem: "servicenow" },
      'TicketSystem: "servicenow" needs ServiceNowTable and ServiceNowSysId to name the record',
    ],
    [
      { TicketSystem: "jira", TicketId: "net 42" },
      'TicketId: must be a Jira issue key such as "NET-1234" when TicketSystem is "jira"',
    ],
    [
      { TicketSystem: "Jira", TicketId: "NET-1" },
      'TicketSystem: "Jira" is not valid: values are case-sensitive; did you mean "jira"?',
    ],
    [{ ServiceNowTable: "Change_Request", ServiceNowSysId: SYS_ID }, 'did you mean "change_request"?'],
    [{ ServiceNowTable: "change_request", ServiceNowSysId: "not-a-sys-id" }, "is not a sys_id"],
    [{ ServiceNowSysID: SYS_ID }, 'ServiceNowSysID: unknown field; did you mean "ServiceNowSysId"?'],
  ])("refuses %j: %s", (extra, message) => {
    expect(issues({ ...RULE, ...extra }).join("\n")).toContain(message);
  });

  it("keeps the readable ticket fields of a refused request, so its ticket still hears why", () => {
    const parsed = parseRuleRequest({
      ...RULE,
      PortRange: "22",
      TicketId: "CHG0030001",
      ServiceNowTable: "change_request",
      ServiceNowSysId: SYS_ID,
    });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(ticketOf("http:/webhooks/servicenow", parsed.meta)).toEqual({
        system: "servicenow",
        table: "change_request",
        sysId: SYS_ID,
        number: "CHG0030001",
      });
    }
  });
});
