/**
 * The comment (docs/tickets.md): useful to a person (what was asked, what happened and why, the ENS request id, the
 * audit id, how to get an exception) and safe in each format, whatever a requester typed: ADF is built from nodes,
 * wiki markup is escaped, ServiceNow text cannot open a `[code]` block or a tag. The properties feed hostile text
 * into every field that comes from a request.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { oneLine, type SettledRuleInput } from "#shared/domain/request-summary.ts";
import { buildTicketComment } from "#shared/domain/ticket-comment.ts";
import {
  type AdfNode,
  escapeWiki,
  renderAdf,
  renderJournalText,
  renderWiki,
} from "#shared/domain/ticket-comment-render.ts";
import { CREATED, FAILED, META, REFUSED, settledEvent } from "./fixtures.ts";

const OPTIONS = { exceptionContact: "the network security team (#netsec)" };

/** Markup a requester might try: Jira wiki links, mentions, macros and colours, HTML, ServiceNow code blocks. */
const ATTACKS = [
  "[click here|https://evil.example/login]",
  "[~admin] please approve",
  "{html}<script>alert(1)</script>{html}",
  "{color:red}*APPROVED*{color}",
  "!https://evil.example/pixel.png!",
  "[code]<img src=x onerror=alert(1)>[/code]",
  "[CODE]<b>x</b>[/Code]",
  "<a href='https://evil.example'>docs</a>",
  "line one\nh1. fake heading\n* fake item",
  "back\\\\slash \\\\ line break",
  "| fake | table |",
];

const hostile = fc.oneof(
  fc.constantFrom(...ATTACKS),
  fc.string({ maxLength: 200, unit: "grapheme" }),
  fc
    .array(
      fc.constantFrom(
        "[",
        "]",
        "{",
        "}",
        "*",
        "_",
        "|",
        "!",
        "<",
        ">",
        "\\",
        "~",
        "#",
        "-",
        "+",
        "^",
        "?",
        "code",
        "html",
        " ",
        "\n",
      ),
      { maxLength: 60 },
    )
    .map((parts) => parts.join("")),
);

function eventWith(text: string) {
  const rule: SettledRuleInput = { ...FAILED, ruleIndex: 0, message: text };
  const refused: SettledRuleInput = {
    ...REFUSED,
    ruleIndex: 1,
    policy: { mode: "enforce", allowed: false, violations: [{ guardrail: "WorldOpenEgress", reason: text }] },
  };
  return settledEvent([rule, refused], { ...META, Reason: text, RequestedBy: text.slice(0, 100) || "x" });
}

function textNodes(nodes: readonly AdfNode[]): AdfNode[] {
  return nodes.flatMap((node) => (node.type === "text" ? [node] : textNodes(node.content ?? [])));
}

function nodeTypes(nodes: readonly AdfNode[]): string[] {
  return nodes.flatMap((node) => [node.type, ...nodeTypes(node.content ?? [])]);
}

describe("the comment says what happened", () => {
  const event = settledEvent([CREATED, REFUSED, FAILED]);
  const comment = buildTicketComment(event, OPTIONS);
  const text = renderJournalText(comment);

  it("what was asked, each outcome and why, the ENS request id and the audit ids", () => {
    expect(text).toContain("Egress request refused");
    expect(text).toContain("requested by alice@example.com");
    expect(text).toContain("Reason given: payments API egress");
    expect(text).toContain(
      "Rule 1: tcp 443/443 to 10.20.0.0/16 in sg-demo0001 (accept, priority 1): created",
    );
    expect(text).toContain(`ENS request ${CREATED.ensRequestId}`);
    for (const rule of [CREATED, REFUSED, FAILED]) expect(text).toContain(`Audit id ${rule.auditId}`);
    expect(text).toContain(
      "refused by the WorldOpenEgress guardrail: DestCidrIp 0.0.0.0/0 is the whole internet",
    );
    expect(text).toContain("failed (InvalidSecurityGroupId.NotFound)");
  });

  it("how to get an exception to the guardrail that refused, and the summary id last", () => {
    expect(text).toContain(
      "To ask for an exception to the WorldOpenEgress guardrail, contact the network security team (#netsec): it is decided by the policy setting worldOpen.",
    );
    expect(comment.marker).toBe(event.id);
    expect(text.trimEnd().split("\n").at(-1)).toContain(
      `Summary ${event.id} of delivery ${event.data.deliveryId}`,
    );
  });

  it("in all three formats, with the summary id findable in each", () => {
    expect(JSON.stringify(renderAdf(comment))).toContain(event.id);
    expect(renderWiki(comment)).toContain(event.id.replace(/-/g, "\\-"));
    expect(renderWiki(comment)).toMatch(/^h3\. Egress request refused\n\n/);
    expect(text).toContain(event.id);
  });
});

describe("ADF is built from nodes", () => {
  it("holds only the node types and marks the renderer writes, and every requester's text verbatim (property)", () => {
    fc.assert(
      fc.property(hostile, (attack) => {
        const doc = renderAdf(buildTicketComment(eventWith(attack), OPTIONS));
        expect(doc).toMatchObject({ version: 1, type: "doc" });
        expect(new Set(nodeTypes(doc.content))).toSatisfy((types: Set<string>) =>
          [...types].every((t) => ["heading", "paragraph", "bulletList", "listItem", "text"].includes(t)),
        );
        for (const node of textNodes(doc.content)) {
          expect(node.text).not.toBe("");
          for (const mark of node.marks ?? []) expect(["strong", "code"]).toContain(mark.type);
          expect(Object.keys(node).sort()).toEqual(node.marks ? ["marks", "text", "type"] : ["text", "type"]);
        }
        const reason = oneLine(attack);
        if (reason !== "")
          expect(
            textNodes(doc.content)
              .map((n) => n.text)
              .join(""),
          ).toContain(reason);
        // No link mark, mention, inline card or media node can come from text: it stays text.
        expect(JSON.stringify(doc)).not.toMatch(/"type":"(link|mention|inlineCard|media|emoji)"/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("wiki markup is escaped", () => {
  /** Reads escaped wiki text back: `\x` is `x`. */
  const readBack = (text: string) => text.replace(/\\(.)/g, "$1");

  it("every markup character of a run is escaped and the run reads back unchanged (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: "grapheme" }), (text) => {
        const escaped = escapeWiki(text);
        expect(readBack(escaped)).toBe(text.replace(/\\/g, "\uFF3C"));
        expect(escaped.replace(/\\[*_?\-+^~|!{}[\]#]/g, "")).not.toMatch(/[*_?\-+^~|!{}[\]#\\]/);
      }),
      { numRuns: 500 },
    );
  });

  it("no requester's text opens a link, a mention, a macro or a line of its own in the comment (property)", () => {
    fc.assert(
      fc.property(hostile, (attack) => {
        const wiki = renderWiki(buildTicketComment(eventWith(attack), OPTIONS));
        // Outside escapes, the only markup left is the renderer's own: h3., bullets, *strong* and {{code}}.
        const structure = wiki.replace(/\\./g, "").replace(/\{\{|\}\}/g, "");
        expect(structure).not.toMatch(/[[\]|!{}]/);
        for (const line of wiki.split("\n"))
          expect(line).toMatch(/^(h3\. |\* \*Rule \d+\*|ens\\-egress |[A-Z]|$)/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("ServiceNow text cannot open a [code] block or a tag", () => {
  it("holds no bracket or angle bracket at all, fits 4,000 characters and keeps the summary id (property)", () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 20 }), (attack, count) => {
        const rules = Array.from({ length: count }, (_, i) => ({
          ...FAILED,
          ruleIndex: i,
          message: `${attack} ${"x".repeat(250)}`,
        }));
        const event = settledEvent(rules, { ...META, Reason: attack });
        const text = renderJournalText(buildTicketComment(event, OPTIONS));
        expect(text).not.toMatch(/[[\]<>]/);
        expect(text.length).toBeLessThanOrEqual(4000);
        expect(text).toContain(event.id);
      }),
      { numRuns: 200 },
    );
  });

  it("counts the rule lines that did not fit instead of cutting one in half", () => {
    const rules = Array.from({ length: 20 }, (_, i) => ({
      ...FAILED,
      ruleIndex: i,
      message: "y".repeat(280),
    }));
    const text = renderJournalText(buildTicketComment(settledEvent(rules), OPTIONS));
    expect(text).toMatch(/- …and \d+ more rule\(s\): their outcomes are in the audit trail/);
    for (const line of text.split("\n").filter((l) => l.startsWith("- Rule"))) expect(line).toMatch(/\.$/);
  });
});
