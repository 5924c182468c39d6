/**
 * Writes a `TicketComment` in each ticket system's own format (docs/tickets.md, the comment):
 *
 * - Jira Cloud: Atlassian Document Format built as nodes. Text nodes are literal by definition, so no escaping is
 *   needed and none is attempted: nothing is ever parsed.
 * - Jira Data Center and Jira Service Management: a wiki-markup string. Every markup character of a run is escaped
 *   with a backslash, backslashes become a look-alike (two in a row are a line break), and runs never start a line.
 * - ServiceNow journal: plain text, which the instance shows as text except between `[code]` tags; brackets and
 *   angle brackets in runs become look-alikes, so no run can open a `[code]` block or an HTML tag.
 */
import type { Block, Inline, TicketComment } from "./ticket-comment.ts";

/** An Atlassian Document Format node, as far as this renderer writes them. */
export interface AdfNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  text?: string;
  marks?: Array<{ type: string }>;
}

/** An ADF document: the body of a Jira Cloud v3 comment. */
export interface AdfDocument {
  version: 1;
  type: "doc";
  content: AdfNode[];
}

function adfInlines(inlines: readonly Inline[]): AdfNode[] {
  // ADF refuses empty text nodes.
  return inlines
    .filter((run) => run.text !== "")
    .map((run) =>
      run.mark === undefined
        ? { type: "text", text: run.text }
        : { type: "text", text: run.text, marks: [{ type: run.mark }] },
    );
}

function adfBlock(block: Block): AdfNode {
  switch (block.kind) {
    case "heading":
      return { type: "heading", attrs: { level: 3 }, content: adfInlines(block.inlines) };
    case "paragraph":
      return { type: "paragraph", content: adfInlines(block.inlines) };
    case "list":
      return {
        type: "bulletList",
        content: block.items.map((item) => ({
          type: "listItem",
          content: [{ type: "paragraph", content: adfInlines(item) }],
        })),
      };
  }
}

/** The comment as an ADF document (Jira Cloud REST v3). */
export function renderAdf(comment: TicketComment): AdfDocument {
  return { version: 1, type: "doc", content: comment.blocks.map(adfBlock) };
}

/** Characters that start or end a wiki-markup effect, a link, a macro, a table cell or an image. */
const WIKI_SPECIAL = /[*_?\-+^~|!{}[\]#]/g;

/** A run of literal text as wiki markup: markup characters escaped, backslashes replaced by a look-alike. */
export function escapeWiki(text: string): string {
  return text.replace(/\\/g, "\uFF3C").replace(WIKI_SPECIAL, (char) => `\\${char}`);
}

function wikiInlines(inlines: readonly Inline[]): string {
  return inlines
    .filter((run) => run.text !== "")
    .map((run) => {
      const escaped = escapeWiki(run.text);
      if (run.mark === "strong") return `*${escaped}*`;
      if (run.mark === "code") return `{{${escaped}}}`;
      return escaped;
    })
    .join("");
}

/** The comment as wiki markup (Jira Data Center REST v2, Jira Service Management request comments). */
export function renderWiki(comment: TicketComment): string {
  return comment.blocks
    .map((block) => {
      if (block.kind === "heading") return `h3. ${wikiInlines(block.inlines)}`;
      if (block.kind === "paragraph") return wikiInlines(block.inlines);
      return block.items.map((item) => `* ${wikiInlines(item)}`).join("\n");
    })
    .join("\n\n");
}

/** Look-alikes for the characters that could open a ServiceNow `[code]` block or an HTML tag. */
const JOURNAL_LOOKALIKES: Readonly<Record<string, string>> = {
  "[": "\uFF3B",
  "]": "\uFF3D",
  "<": "\u2039",
  ">": "\u203A",
};

/** A run of literal text for a ServiceNow journal: brackets and angle brackets replaced by look-alikes. */
export function neutraliseJournalText(text: string): string {
  return text.replace(/[[\]<>]/g, (char) => JOURNAL_LOOKALIKES[char] ?? char);
}

/** ServiceNow's default limit for a multi-line text value; a journal entry stays below it. */
export const SERVICENOW_MAX_CHARS = 4000;

const journalLine = (inlines: readonly Inline[]): string =>
  inlines.map((run) => neutraliseJournalText(run.text)).join("");

const moreRules = (count: number): string =>
  `- …and ${count} more rule(s): their outcomes are in the audit trail`;

/** Rule lines while they fit in `budget` characters, then a count of the rest. */
function fitLines(lines: readonly string[], budget: number): string {
  const kept: string[] = [];
  let left = budget;
  for (const [index, line] of lines.entries()) {
    const reserve = index < lines.length - 1 ? moreRules(lines.length - index).length + 1 : 0;
    if (line.length + 1 + reserve > left) {
      kept.push(moreRules(lines.length - index));
      break;
    }
    kept.push(line);
    left -= line.length + 1;
  }
  return kept.join("\n");
}

/**
 * The comment as ServiceNow journal text, at most `maxChars` long. Every block but the rule list is short and kept;
 * rule lines are kept while they fit and the rest are counted; the last block, which holds the summary id the
 * notifier searches for, is never cut.
 */
export function renderJournalText(comment: TicketComment, maxChars = SERVICENOW_MAX_CHARS): string {
  const parts = comment.blocks.map((block) =>
    block.kind === "list" ? block.items.map((item) => `- ${journalLine(item)}`) : journalLine(block.inlines),
  );
  const fixed = parts.reduce<number>(
    (sum, part) => sum + (typeof part === "string" ? part.length + 2 : 2),
    0,
  );
  const text = parts.map((part) => (typeof part === "string" ? part : fitLines(part, maxChars - fixed)));
  const tail = text.pop() ?? "";
  const head = text.join("\n\n");
  return `${head.slice(0, Math.max(0, maxChars - tail.length - 2))}\n\n${tail}`;
}
