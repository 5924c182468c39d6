import { describe, expect, it } from "vitest";
import { isJiraIssueWebhook, mapJiraIssueWebhook } from "#shared/triggers/webhooks/jira-issue.ts";

const fieldMap = {
  SecurityGroupId: "customfield_10100",
  IpProtocol: "customfield_10101",
  PortRange: "customfield_10102",
  DestCidrIp: "customfield_10103",
  Policy: "customfield_10104",
  Priority: "customfield_10105",
  DryRun: "customfield_10106",
  Reason: "summary",
};

function webhook(
  fields: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    timestamp: 1736929811867,
    webhookEvent: "jira:issue_updated",
    user: { accountId: "5d8b", displayName: "Bob Approver" },
    issue: { id: "10457", key: "NET-231", fields },
    ...extra,
  };
}

describe("isJiraIssueWebhook", () => {
  it("tells a native issue webhook from a rule request sent by Jira Automation", () => {
    expect(isJiraIssueWebhook(webhook({}))).toBe(true);
    expect(isJiraIssueWebhook({ SecurityGroupId: "sg-demo0001", TicketId: "NET-1" })).toBe(false);
    expect(isJiraIssueWebhook({ webhookEvent: "jira:issue_updated" })).toBe(false);
    expect(isJiraIssueWebhook([webhook({})])).toBe(false);
  });
});

describe("mapJiraIssueWebhook", () => {
  it("maps select options, numbers and system fields, and sets TicketId and RequestedBy", () => {
    const result = mapJiraIssueWebhook(
      webhook({
        summary: "  Open HTTPS to the mirror ",
        reporter: { displayName: "Alice Requester", emailAddress: "alice@example.com" },
        customfield_10100: "sg-demo0001",
        customfield_10101: { self: "https://x/option/10020", value: "tcp", id: "10020" },
        customfield_10102: "443/443",
        customfield_10103: "10.20.0.0/16",
        customfield_10104: [{ value: "accept", id: "10031" }],
        customfield_10105: 1,
        customfield_10106: null,
      }),
      fieldMap,
    );
    expect(result).toEqual({
      ok: true,
      body: {
        SecurityGroupId: "sg-demo0001",
        IpProtocol: "tcp",
        PortRange: "443/443",
        DestCidrIp: "10.20.0.0/16",
        Policy: "accept",
        Priority: 1,
        Reason: "Open HTTPS to the mirror",
        RequestedBy: "alice@example.com",
        TicketId: "NET-231",
      },
    });
  });

  it("turns text numbers and flags into JSON types", () => {
    const result = mapJiraIssueWebhook(
      webhook({ customfield_10105: " 20 ", customfield_10106: { value: "Yes" } }),
      fieldMap,
    );
    expect(result).toMatchObject({ ok: true, body: { Priority: 20, DryRun: true } });
  });

  it("falls back to the webhook user's display name when there is no reporter", () => {
    const result = mapJiraIssueWebhook(webhook({ customfield_10100: "sg-demo0001" }), fieldMap);
    expect(result).toMatchObject({ ok: true, body: { RequestedBy: "Bob Approver", TicketId: "NET-231" } });
  });

  it("lets a mapped RequestedBy win and never lets a mapped TicketId replace the issue key", () => {
    const result = mapJiraIssueWebhook(
      webhook({ customfield_2: { emailAddress: "carol@example.com" }, customfield_3: "OTHER-1" }),
      { RequestedBy: "customfield_2", TicketId: "customfield_3" },
    );
    expect(result).toEqual({ ok: true, body: { RequestedBy: "carol@example.com", TicketId: "NET-231" } });
  });

  it("leaves unmapped and empty fields out, so validation names what is missing", () => {
    const result = mapJiraIssueWebhook(webhook({ customfield_10100: "", customfield_10102: [] }), fieldMap);
    expect(result).toEqual({ ok: true, body: { RequestedBy: "Bob Approver", TicketId: "NET-231" } });
  });

  it("does not read inherited properties or write reserved keys", () => {
    const hostileMap = JSON.parse('{"__proto__":"summary","Reason":"constructor"}') as Record<string, string>;
    const result = mapJiraIssueWebhook(webhook({ summary: "polluted" }), hostileMap);
    expect(result).toEqual({ ok: true, body: { RequestedBy: "Bob Approver", TicketId: "NET-231" } });
    if (result.ok) {
      expect(Object.hasOwn(result.body, "__proto__")).toBe(false);
      expect(Object.getPrototypeOf(result.body)).toBe(Object.prototype);
    }
  });

  it("refuses without a field map, and without an issue key", () => {
    expect(mapJiraIssueWebhook(webhook({}), null)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/JIRA_FIELD_MAP/),
    });
    expect(mapJiraIssueWebhook(webhook({}), {})).toMatchObject({ ok: false });
    const noKey = webhook({}, { issue: { id: "1", fields: {} } });
    expect(mapJiraIssueWebhook(noKey, fieldMap)).toEqual({
      ok: false,
      message: "the Jira webhook has no issue.key",
    });
  });
});
