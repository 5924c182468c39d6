import { describe, expect, it } from "vitest";
import { decodeQueueEvent, type QueueMessage } from "#shared/triggers/queue-decoder.ts";
import { fixtureBytes, fixtureJson, fixtureNames } from "./fixtures.ts";

const MAX = 65536;
const rule = {
  SecurityGroupId: "sg-demo0001",
  IpProtocol: "tcp",
  PortRange: "443/443",
  DestCidrIp: "10.0.0.0/8",
};
const ruleText = JSON.stringify(rule);
const ruleBase64 = Buffer.from(ruleText).toString("base64");

function ok(value: unknown) {
  return { ok: true, value };
}

function decodeFixture(name: string): QueueMessage[] {
  return decodeQueueEvent(fixtureBytes(`queue/${name}`), MAX);
}

function decodedBase64(text: string): unknown {
  return JSON.parse(Buffer.from(text, "base64").toString("utf8"));
}

type CloudEvents = Array<{ data: Record<string, unknown> }>;

const expectations: Record<string, () => void> = {
  "eventbridge-mns-base64-batch.json": () => {
    const events = fixtureJson<CloudEvents>("queue/eventbridge-mns-base64-batch.json");
    expect(decodeFixture("eventbridge-mns-base64-batch.json")).toEqual(
      events.map((event) => ({
        messageId: event.data.messageId,
        trigger: "queue:mns",
        body: ok(decodedBase64(String(event.data.messageBody))),
      })),
    );
  },
  "eventbridge-rocketmq.json": () => {
    const [event] = fixtureJson<CloudEvents>("queue/eventbridge-rocketmq.json");
    expect(decodeFixture("eventbridge-rocketmq.json")).toEqual([
      {
        messageId: "AC14C305069E1B28CDFA3181CDA2F3B1",
        trigger: "queue:rocketmq",
        body: ok(JSON.parse(String(event?.data.body))),
      },
    ]);
  },
  "eventbridge-kafka.json": () => {
    const events = fixtureJson<CloudEvents>("queue/eventbridge-kafka.json");
    expect(decodeFixture("eventbridge-kafka.json")).toEqual([
      {
        messageId: "egress-requests/7/25",
        trigger: "queue:kafka",
        body: ok(JSON.parse(String(events[0]?.data.value))),
      },
      {
        messageId: "egress-requests/7/26",
        trigger: "queue:kafka",
        body: ok(JSON.parse(String(events[1]?.data.value))),
      },
    ]);
  },
  "mns-topic-stream.json": () => {
    const event = fixtureJson<{ body: string }>("queue/mns-topic-stream.json");
    expect(decodeFixture("mns-topic-stream.json")).toEqual([
      { messageId: null, trigger: "queue:mns-topic", body: ok(JSON.parse(event.body)) },
    ]);
  },
  "mns-topic-json.json": () => {
    const event = fixtureJson<{ Message: string }>("queue/mns-topic-json.json");
    expect(decodeFixture("mns-topic-json.json")).toEqual([
      {
        messageId: "2F5B3C082B923D4EAC694B76D928A1E4",
        trigger: "queue:mns-topic",
        body: ok(JSON.parse(event.Message)),
      },
    ]);
  },
  "direct-invoke.json": () => {
    expect(decodeFixture("direct-invoke.json")).toEqual([
      { messageId: null, trigger: "invoke", body: ok(fixtureJson("queue/direct-invoke.json")) },
    ]);
  },
  "poison-message.json": () => {
    const [first, second] = decodeFixture("poison-message.json");
    expect(first).toMatchObject({
      messageId: "9A274F06B4C12E7F0A9D6C385D1E8B3C",
      trigger: "queue:mns",
      body: { ok: true },
    });
    expect(second).toEqual({
      messageId: "6D3B4B8591F28E0C5A7D3B16C47A0E29",
      trigger: "queue:mns",
      body: { ok: false, message: "the message body is neither JSON nor Base64-encoded JSON" },
    });
  },
};

describe("events/queue fixtures", () => {
  it("has an expectation for every fixture and a fixture for every expectation", () => {
    expect(fixtureNames("queue")).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, check] of Object.entries(expectations)) {
    it(`${name} decodes as documented`, check);
  }

  it("the MNS topic JSON fixture carries the real MD5 of its message", async () => {
    const { createHash } = await import("node:crypto");
    const event = fixtureJson<{ Message: string; MessageMD5: string }>("queue/mns-topic-json.json");
    expect(createHash("md5").update(event.Message).digest("hex").toUpperCase()).toBe(event.MessageMD5);
  });
});

function cloudEvent(type: string, data: Record<string, unknown>, id = "evt-1"): Record<string, unknown> {
  return { specversion: "1.0", id, source: "s", type, time: "2025-01-15T08:31:02.118Z", data };
}

describe("message bodies", () => {
  it("decodes MNS bodies in Base64 or, with IsBase64Decode, as plain JSON", () => {
    const event = [
      cloudEvent("mns:Queue:SendMessage", { messageId: "m1", messageBody: ruleBase64 }),
      cloudEvent("mns:Queue:SendMessage", { messageId: "m2", messageBody: ruleText }),
    ];
    expect(decodeQueueEvent(JSON.stringify(event), MAX).map((m) => m.body)).toEqual([ok(rule), ok(rule)]);
  });

  it("decodes Kafka values in the Json, Text and Binary value formats", () => {
    const kafka = (value: unknown, offset: number) =>
      cloudEvent("alikafka:Topic:Message", { topic: "t", partition: 0, offset, value });
    const messages = decodeQueueEvent([kafka(rule, 1), kafka(ruleText, 2), kafka(ruleBase64, 3)], MAX);
    expect(messages).toEqual([
      { messageId: "t/0/1", trigger: "queue:kafka", body: ok(rule) },
      { messageId: "t/0/2", trigger: "queue:kafka", body: ok(rule) },
      { messageId: "t/0/3", trigger: "queue:kafka", body: ok(rule) },
    ]);
  });

  it("refuses reserved keys also in already-parsed Kafka values and in Base64 bodies", () => {
    const polluted = JSON.parse('{"__proto__":{"admin":true}}') as unknown;
    const messages = decodeQueueEvent(
      [
        cloudEvent("alikafka:Topic:Message", { topic: "t", partition: 0, offset: 1, value: polluted }),
        cloudEvent("mns:Queue:SendMessage", {
          messageId: "m",
          messageBody: Buffer.from('{"constructor":1}').toString("base64"),
        }),
      ],
      MAX,
    );
    expect(messages.map((m) => m.body)).toEqual([
      { ok: false, message: 'the message body uses the reserved key "__proto__"' },
      { ok: false, message: 'the message body uses the reserved key "constructor"' },
    ]);
  });

  it("refuses bodies over the limit, measured after Base64 decoding", () => {
    const big = JSON.stringify({ ...rule, Reason: "x".repeat(2000) });
    const limit = 1000;
    const event = [
      cloudEvent("mns:Queue:SendMessage", { messageId: "plain", messageBody: big }),
      cloudEvent("mns:Queue:SendMessage", {
        messageId: "b64",
        messageBody: Buffer.from(big).toString("base64"),
      }),
      cloudEvent("alikafka:Topic:Message", { topic: "t", partition: 0, offset: 1, value: JSON.parse(big) }),
      cloudEvent("mns:Queue:SendMessage", { messageId: "small-b64", messageBody: ruleBase64 }),
    ];
    const bodies = decodeQueueEvent(event, limit).map((m) => m.body);
    expect(bodies.slice(0, 3).every((b) => !b.ok && /limit/.test(b.message))).toBe(true);
    // Base64 of a body under the limit may itself be longer than the limit: what counts is the content.
    const justUnder = JSON.stringify({ ...rule, Reason: "y".repeat(limit - ruleText.length - 12) });
    expect(Buffer.byteLength(justUnder)).toBeLessThanOrEqual(limit);
    const encoded = Buffer.from(justUnder).toString("base64");
    expect(encoded.length).toBeGreaterThan(limit);
    expect(
      decodeQueueEvent(
        [cloudEvent("mns:Queue:SendMessage", { messageId: "m", messageBody: encoded })],
        limit,
      )[0]?.body,
    ).toEqual(ok(JSON.parse(justUnder)));
    expect(bodies[3]).toEqual(ok(rule));
  });

  it("marks missing, non-JSON and non-UTF-8 bodies as poison without hiding the rest of the batch", () => {
    const event = [
      cloudEvent("mq:Topic:SendMessage", { topic: "t", systemProperties: { UNIQ_KEY: "u1" }, body: "TEST" }),
      cloudEvent("mq:Topic:SendMessage", { topic: "t", systemProperties: {} }, "evt-2"),
      cloudEvent("mns:Queue:SendMessage", {
        messageId: "m3",
        messageBody: Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString("base64"),
      }),
      cloudEvent("mq:Topic:SendMessage", {
        topic: "t",
        systemProperties: { UNIQ_KEY: "u4" },
        body: ruleText,
      }),
    ];
    expect(decodeQueueEvent(event, MAX)).toEqual([
      {
        messageId: "u1",
        trigger: "queue:rocketmq",
        body: { ok: false, message: "the message body is neither JSON nor Base64-encoded JSON" },
      },
      {
        messageId: "evt-2",
        trigger: "queue:rocketmq",
        body: { ok: false, message: "the message has no body" },
      },
      {
        messageId: "m3",
        trigger: "queue:mns",
        body: { ok: false, message: "the message body is neither JSON nor Base64-encoded JSON" },
      },
      { messageId: "u4", trigger: "queue:rocketmq", body: ok(rule) },
    ]);
  });
});

describe("message ids and sources", () => {
  it("uses the source's own id, falling back to the CloudEvent id", () => {
    const messages = decodeQueueEvent(
      [
        cloudEvent("mns:Queue:SendMessage", { messageBody: ruleText }, "evt-mns"),
        cloudEvent("mq:Topic:SendMessage", { msgId: "msg-1", systemProperties: {}, body: ruleText }),
        cloudEvent("alikafka:Topic:Message", { topic: "t", value: ruleText }, "evt-kafka"),
        cloudEvent("amqp:Queue:SendMessage", {
          envelope: { deliveryTag: 98 },
          body: rule,
          props: { messageId: "amqp-1" },
        }),
      ],
      MAX,
    );
    expect(messages.map((m) => [m.messageId, m.trigger])).toEqual([
      ["evt-mns", "queue:mns"],
      ["msg-1", "queue:rocketmq"],
      ["evt-kafka", "queue:kafka"],
      ["amqp-1", "queue:rabbitmq"],
    ]);
  });

  it("decodes the RawData push format and self-managed RocketMQ (no CloudEvents wrapper)", () => {
    const messages = decodeQueueEvent(
      [
        { requestId: "r", messageId: "m1", messageBody: ruleBase64 },
        {
          msgId: "7F00",
          topic: "t",
          systemProperties: { UNIQ_KEY: "7F00-U" },
          userProperties: {},
          body: ruleText,
        },
        { topic: "t", partition: 2, offset: 9, value: rule },
      ],
      MAX,
    );
    expect(messages).toEqual([
      { messageId: "m1", trigger: "queue:mns", body: ok(rule) },
      { messageId: "7F00-U", trigger: "queue:rocketmq", body: ok(rule) },
      { messageId: "t/2/9", trigger: "queue:kafka", body: ok(rule) },
    ]);
  });

  it("accepts batches of JSON-encoded events and a single event without the array", () => {
    const event = cloudEvent("mns:Queue:SendMessage", { messageId: "m1", messageBody: ruleText });
    expect(decodeQueueEvent([JSON.stringify(event)], MAX)).toEqual([
      { messageId: "m1", trigger: "queue:mns", body: ok(rule) },
    ]);
    expect(decodeQueueEvent(Buffer.from(JSON.stringify(event)), MAX)).toEqual([
      { messageId: "m1", trigger: "queue:mns", body: ok(rule) },
    ]);
  });

  it("keeps unsupported events and items as poison messages", () => {
    const messages = decodeQueueEvent(
      [
        cloudEvent("oss:ObjectCreated:PutObject", { bucket: "b" }, "evt-oss"),
        42,
        "not json",
        { specversion: "1.0", type: "x" },
      ],
      MAX,
    );
    expect(messages.map((m) => [m.messageId, m.trigger, m.body.ok])).toEqual([
      ["evt-oss", "queue:unknown", false],
      [null, "queue:unknown", false],
      [null, "queue:unknown", false],
      [null, "queue:unknown", false],
    ]);
    expect(messages[0]?.body).toEqual({
      ok: false,
      message: 'unsupported event type "oss:ObjectCreated:PutObject"',
    });
  });

  it("decodes an empty batch to no messages", () => {
    expect(decodeQueueEvent(Buffer.from("[]"), MAX)).toEqual([]);
  });
});

describe("direct invocations", () => {
  it("treats a JSON object payload as the rule request", () => {
    expect(decodeQueueEvent(Buffer.from(ruleText), MAX)).toEqual([
      { messageId: null, trigger: "invoke", body: ok(rule) },
    ]);
    expect(decodeQueueEvent(rule, MAX)).toEqual([{ messageId: null, trigger: "invoke", body: ok(rule) }]);
  });

  it("applies the body checks to the payload: size, duplicate and reserved keys", () => {
    const big = Buffer.from(JSON.stringify({ ...rule, Reason: "x".repeat(MAX) }));
    expect(decodeQueueEvent(big, MAX)[0]?.body).toMatchObject({
      ok: false,
      message: expect.stringMatching(/limit/),
    });
    expect(decodeQueueEvent(Buffer.from('{"PortRange":"1/1","PortRange":"2/2"}'), MAX)[0]?.body).toEqual({
      ok: false,
      message: 'the message body repeats the key "PortRange"',
    });
    expect(decodeQueueEvent(Buffer.from('{"__proto__":{}}'), MAX)[0]?.body).toMatchObject({ ok: false });
  });

  it("turns an event that is not JSON into one poison message", () => {
    for (const event of [
      Buffer.from("hello world"),
      Buffer.from([0xff, 0x00]),
      Buffer.alloc(0),
      "",
      undefined,
      null,
    ]) {
      const messages = decodeQueueEvent(event, MAX);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ messageId: null, trigger: "invoke", body: { ok: false } });
    }
  });

  it("decodes a Base64 or JSON-string payload like a message body", () => {
    expect(decodeQueueEvent(Buffer.from(ruleBase64), MAX)[0]?.body).toEqual(ok(rule));
    expect(decodeQueueEvent(Buffer.from(JSON.stringify(ruleText)), MAX)[0]?.body).toEqual(ok(rule));
  });
});
