import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseFc3HttpEvent } from "#shared/triggers/fc-http.ts";
import { decodeHttpIntake } from "#shared/triggers/http-intake-decoder.ts";
import {
  LOCAL_SECRETS,
  localIntakeSecrets,
  resignFixture,
  type SignableEvent,
} from "../../helpers/sign-fixture.ts";
import { fixtureBytes, fixtureJson, fixtureNames } from "./fixtures.ts";

/** Decodes a fixture the way the function does, at the instant the fixture says the request arrived. */
function decodeFixture(name: string) {
  const event = fixtureJson<SignableEvent>(`http/${name}`);
  const request = parseFc3HttpEvent(fixtureBytes(`http/${name}`));
  return decodeHttpIntake(request, localIntakeSecrets(), Number(event.requestContext.timeEpoch));
}

function bodyOf(name: string): unknown {
  return JSON.parse(fixtureJson<SignableEvent>(`http/${name}`).body);
}

const expectations: Record<string, (decision: ReturnType<typeof decodeFixture>) => void> = {
  "rules-adhoc.json": (d) =>
    expect(d).toEqual({
      kind: "request",
      body: bodyOf("rules-adhoc.json"),
      trigger: "http:/rules",
      origin: "operator",
      deliveryId: null,
    }),
  "jira-native.json": (d) =>
    expect(d).toEqual({
      kind: "request",
      body: {
        SecurityGroupId: "sg-demo0001",
        IpProtocol: "tcp",
        PortRange: "443/443",
        DestCidrIp: "10.20.0.0/16",
        Policy: "accept",
        Priority: 1,
        Reason: "Open HTTPS egress from edge nodes to the artifact mirror",
        RequestedBy: "alice@example.com",
        TicketId: "NET-231",
      },
      trigger: "http:/webhooks/jira",
      origin: "webhook",
      deliveryId: "7c2f9a41-3b8e-4d15-a6c0-e19b5d4f2a83",
    }),
  "jira-automation.json": (d) =>
    expect(d).toEqual({
      kind: "request",
      body: bodyOf("jira-automation.json"),
      trigger: "http:/webhooks/jira",
      origin: "webhook",
      deliveryId: null,
    }),
  "jira-automation-bearer.json": (d) =>
    expect(d).toEqual({
      kind: "request",
      body: bodyOf("jira-automation-bearer.json"),
      trigger: "http:/webhooks/jira",
      origin: "webhook",
      deliveryId: null,
    }),
  "servicenow.json": (d) =>
    expect(d).toEqual({
      kind: "request",
      body: bodyOf("servicenow.json"),
      trigger: "http:/webhooks/servicenow",
      origin: "webhook",
      deliveryId: "a1f3c9e51b2d3010c7e2a8b4dc4bcb7e",
      // The key is the sender's own, so the body it stands for travels with it.
      bodySha256: createHash("sha256")
        .update(fixtureJson<SignableEvent>("http/servicenow.json").body, "utf8")
        .digest("hex"),
    }),
  "generic-standard-webhook.json": (d) =>
    expect(d).toEqual({
      kind: "request",
      body: bodyOf("generic-standard-webhook.json"),
      trigger: "http:/webhooks/generic",
      origin: "webhook",
      deliveryId: "msg_2mYqBkHZ9hO5wQ3nL8vT1xR4pJs",
    }),
  "bad-signature-jira.json": (d) =>
    expect(d).toMatchObject({
      kind: "refused",
      status: 401,
      code: "Unauthorized",
      message: "authentication failed",
      deliveryId: null,
    }),
  "stale-standard-webhook.json": (d) =>
    expect(d).toMatchObject({
      kind: "refused",
      status: 401,
      code: "Unauthorized",
      logReason: "webhook-timestamp is 900 s old",
    }),
  "oversized-body.json": (d) =>
    expect(d).toMatchObject({ kind: "refused", status: 413, code: "PayloadTooLarge" }),
  "healthz.json": (d) => expect(d).toEqual({ kind: "health" }),
};

describe("events/http fixtures", () => {
  it("has an expectation for every fixture and a fixture for every expectation", () => {
    expect(fixtureNames("http")).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, check] of Object.entries(expectations)) {
    it(`${name} decodes as documented`, () => check(decodeFixture(name)));
  }

  it("carries real signatures: re-signing a good fixture changes nothing", () => {
    for (const name of [
      "jira-native.json",
      "jira-automation.json",
      "generic-standard-webhook.json",
      "stale-standard-webhook.json",
    ]) {
      const event = fixtureJson<SignableEvent>(`http/${name}`);
      expect(resignFixture(event)).toEqual(event);
    }
  });

  it("the bad-signature fixture differs from its valid original only in the tampered body", () => {
    const bad = fixtureJson<SignableEvent>("http/bad-signature-jira.json");
    const good = fixtureJson<SignableEvent>("http/jira-automation.json");
    expect(bad.headers["X-Hub-Signature"]).toBe(good.headers["X-Hub-Signature"]);
    expect(bad.body.replace('"PortRange":"1/65535"', '"PortRange":"5432/5432"')).toBe(good.body);
  });

  it("every bearer fixture uses the local token of its route", () => {
    expect(fixtureJson<SignableEvent>("http/rules-adhoc.json").headers.Authorization).toBe(
      `Bearer ${LOCAL_SECRETS.apiToken}`,
    );
    expect(fixtureJson<SignableEvent>("http/servicenow.json").headers.Authorization).toBe(
      `Bearer ${LOCAL_SECRETS.serviceNowToken}`,
    );
  });

  it("the Standard Webhooks fixture is stale at replay time until re-signed with the current time", () => {
    const event = fixtureJson<SignableEvent>("http/generic-standard-webhook.json");
    const later = Number(event.requestContext.timeEpoch) + 3_600_000;
    expect(decodeHttpIntake(parseFc3HttpEvent(event), localIntakeSecrets(), later)).toMatchObject({
      status: 401,
    });
    const fresh = resignFixture(event, { nowMs: later });
    expect(fresh.requestContext.timeEpoch).toBe(String(later));
    expect(decodeHttpIntake(parseFc3HttpEvent(fresh), localIntakeSecrets(), later)).toMatchObject({
      kind: "request",
      deliveryId: "msg_2mYqBkHZ9hO5wQ3nL8vT1xR4pJs",
    });
  });
});
