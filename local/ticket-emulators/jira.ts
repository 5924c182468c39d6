/**
 * A Jira emulator (README.md): issue comments over REST v3 (Atlassian Document Format bodies, checked node by node)
 * and v2 (text bodies), comment entity properties, workflow transitions and Jira Service Management request
 * comments. `cloud` mode authenticates as Jira Cloud does, basic auth with an account e-mail and API token;
 * `datacenter` mode as Jira Data Center does, a personal access token as bearer, and serves REST v2 only.
 */
import { isRecord } from "../lib/json-body.ts";
import { type RunningEmulator, startVendorEmulator } from "./server.ts";
import type { VendorAnswer, VendorModule, VendorRequest } from "./vendor.ts";

/** One account the emulator accepts. */
export interface JiraAccount {
  /** Cloud: the Atlassian account e-mail. */
  email?: string;
  /** Cloud: the API token; Data Center: the personal access token. */
  token: string;
  /** False: reads only; writes answer 403. */
  canWrite?: boolean;
}

/** A workflow transition an issue offers. */
export interface JiraTransition {
  id: string;
  name: string;
  to: string;
}

/** Options of `startJiraEmulator`. */
export interface JiraEmulatorOptions {
  mode?: "cloud" | "datacenter";
  port?: number;
  host?: string;
  accounts?: JiraAccount[];
  /** Issues that exist from the start; keys in projects listed in `serviceDeskProjects` are JSM requests. */
  issues?: string[];
  serviceDeskProjects?: string[];
  /** Transitions every issue offers (default: 31 Done, 41 Rejected). */
  transitions?: JiraTransition[];
}

interface StoredComment {
  id: string;
  /** ADF document (v3) or text (v2, request comments). */
  body: unknown;
  author: string;
  created: string;
  public: boolean;
  properties: Map<string, unknown>;
}

interface StoredIssue {
  key: string;
  serviceDesk: boolean;
  status: string;
  transitions: JiraTransition[];
  comments: StoredComment[];
}

/** The demo account of the local stack. */
export const DEMO_JIRA_ACCOUNT: JiraAccount = {
  email: "ens-egress-notifier@example.com",
  token: "local-jira-api-token-0001",
};

const DEFAULT_TRANSITIONS: JiraTransition[] = [
  { id: "31", name: "Done", to: "Done" },
  { id: "41", name: "Reject", to: "Rejected" },
];

const ADF_NODES = new Set([
  "paragraph",
  "heading",
  "bulletList",
  "orderedList",
  "listItem",
  "text",
  "hardBreak",
  "codeBlock",
  "rule",
  "blockquote",
]);
const ADF_MARKS = new Set(["strong", "em", "code", "strike", "underline", "link"]);
const MAX_COMMENT_CHARS = 32_767;
const ISSUE_KEY = /^[A-Z][A-Z0-9_]*-[1-9][0-9]*$/;

const jiraError = (status: number, message: string, route?: string): VendorAnswer => ({
  status,
  body: { errorMessages: [message], errors: {} },
  ...(route ? { route } : {}),
});

/** Problems of an ADF document, as Jira refuses a comment body that is not one. */
export function adfProblems(doc: unknown): string[] {
  if (!isRecord(doc) || doc.type !== "doc" || doc.version !== 1 || !Array.isArray(doc.content)) {
    return ["the body is not an ADF document (type doc, version 1, content)"];
  }
  const problems: string[] = [];
  const visit = (node: unknown, path: string) => {
    if (!isRecord(node) || typeof node.type !== "string" || !ADF_NODES.has(node.type)) {
      problems.push(`${path}: unknown node`);
      return;
    }
    if (node.type === "text") {
      if (typeof node.text !== "string" || node.text === "") problems.push(`${path}: empty text`);
      const marks = node.marks ?? [];
      if (!Array.isArray(marks)) problems.push(`${path}: marks must be a list`);
      else {
        const types = marks.map((mark) => (isRecord(mark) ? mark.type : null));
        if (types.some((type) => typeof type !== "string" || !ADF_MARKS.has(type)))
          problems.push(`${path}: unknown mark`);
        if (types.includes("code") && types.some((type) => type !== "code" && type !== "link")) {
          problems.push(`${path}: code combined with another mark`);
        }
      }
      return;
    }
    if (node.type === "heading") {
      const level = isRecord(node.attrs) ? node.attrs.level : undefined;
      if (typeof level !== "number" || level < 1 || level > 6) problems.push(`${path}: heading level`);
    }
    if (node.content !== undefined) {
      if (!Array.isArray(node.content)) problems.push(`${path}: content must be a list`);
      else for (const [i, child] of node.content.entries()) visit(child, `${path}.content[${i}]`);
    }
  };
  for (const [i, node] of doc.content.entries()) visit(node, `content[${i}]`);
  return problems;
}

/** The plain text of a body: ADF text nodes joined, one line per block. */
export function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  const lines: string[] = [];
  const inline = (node: unknown): string =>
    isRecord(node)
      ? node.type === "text"
        ? String(node.text ?? "")
        : Array.isArray(node.content)
          ? node.content.map(inline).join("")
          : ""
      : "";
  const block = (node: unknown) => {
    if (!isRecord(node)) return;
    if (node.type === "bulletList" || node.type === "orderedList" || node.type === "listItem") {
      for (const child of Array.isArray(node.content) ? node.content : []) block(child);
      return;
    }
    lines.push(inline(node));
  };
  for (const node of isRecord(body) && Array.isArray(body.content) ? body.content : []) block(node);
  return lines.join("\n");
}

/** A wiki body read as ADF: Jira converts it; here its backslash escapes are read, the rest stays as written. */
function asAdf(body: unknown): unknown {
  if (typeof body === "string") body = body.replace(/\\(.)/g, "$1");
  return typeof body === "string"
    ? {
        version: 1,
        type: "doc",
        content: [{ type: "paragraph", content: body === "" ? [] : [{ type: "text", text: body }] }],
      }
    : body;
}

/** The Jira vendor module; exported for tests that drive it without a socket. */
export function createJiraModule(options: JiraEmulatorOptions = {}): VendorModule {
  const mode = options.mode ?? "cloud";
  const accounts = options.accounts ?? [DEMO_JIRA_ACCOUNT];
  const serviceDeskProjects = new Set(options.serviceDeskProjects ?? []);
  const issues = new Map<string, StoredIssue>();
  let nextCommentId = 10_000;

  const addIssue = (
    key: string,
    spec: { serviceDesk?: boolean; status?: string; transitions?: JiraTransition[] } = {},
  ) => {
    const project = key.slice(0, key.lastIndexOf("-"));
    const issue: StoredIssue = {
      key,
      serviceDesk: spec.serviceDesk ?? serviceDeskProjects.has(project),
      status: spec.status ?? "To Do",
      transitions: spec.transitions ?? options.transitions ?? DEFAULT_TRANSITIONS,
      comments: [],
    };
    issues.set(key, issue);
    return issue;
  };
  const seed = () => {
    issues.clear();
    for (const key of options.issues ?? []) addIssue(key);
  };
  seed();

  /** The account of a request, by the scheme of the mode; null when it does not authenticate. */
  const authenticate = (request: VendorRequest): JiraAccount | null => {
    const header = request.headers.authorization ?? "";
    if (mode === "cloud") {
      const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
      if (!match) return null;
      const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const [email, token] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      return accounts.find((a) => colon > 0 && a.email === email && a.token === token) ?? null;
    }
    const match = /^Bearer (\S+)$/.exec(header);
    return match ? (accounts.find((a) => a.token === match[1]) ?? null) : null;
  };

  const commentView = (comment: StoredComment, version: string, expand: Set<string>) => ({
    id: comment.id,
    author: { accountId: comment.author, displayName: comment.author },
    body: version === "3" ? asAdf(comment.body) : bodyText(comment.body),
    created: comment.created,
    updated: comment.created,
    jsdPublic: comment.public,
    ...(expand.has("properties")
      ? { properties: [...comment.properties].map(([key, value]) => ({ key, value })) }
      : {}),
  });

  const findComment = (id: string): StoredComment | null => {
    for (const issue of issues.values()) {
      const found = issue.comments.find((c) => c.id === id);
      if (found) return found;
    }
    return null;
  };

  const readJson = (request: VendorRequest): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: JSON.parse(request.body.toString("utf8")) as unknown };
    } catch {
      return { ok: false };
    }
  };

  const addComment = (issue: StoredIssue, account: JiraAccount, body: unknown, isPublic: boolean) => {
    const comment: StoredComment = {
      id: String(nextCommentId++),
      body,
      author: account.email ?? "pat-user",
      created: new Date().toISOString(),
      public: isPublic,
      properties: new Map(),
    };
    issue.comments.push(comment);
    return comment;
  };

  /** The call's name in the stats, known before authentication. */
  const routeOf = (request: VendorRequest): string | undefined => {
    const pattern = request.path
      .replace(
        /^\/rest\/servicedeskapi\/request\/[^/]+\/comment$/,
        "/rest/servicedeskapi/request/{key}/comment",
      )
      .replace(/^(\/rest\/api\/[23])\/comment\/[^/]+\/properties\/[^/]+$/, "$1/comment/{id}/properties/{key}")
      .replace(/^(\/rest\/api\/[23])\/issue\/[^/]+\/(comment|transitions)$/, "$1/issue/{key}/$2");
    return pattern === request.path ? undefined : `${request.method} ${pattern}`;
  };

  const api = (request: VendorRequest): VendorAnswer => {
    const answer = answerApi(request);
    const route = answer.route ?? routeOf(request);
    return route === undefined ? answer : { ...answer, route };
  };

  const answerApi = (request: VendorRequest): VendorAnswer => {
    const { method, path } = request;
    const platform = /^\/rest\/api\/(2|3)\/(.*)$/.exec(path);
    const desk = /^\/rest\/servicedeskapi\/request\/([^/]+)\/comment$/.exec(path);
    if (platform === null && desk === null) return jiraError(404, "no such resource");
    const version = platform?.[1] ?? "";
    if (platform && mode === "datacenter" && version !== "2") return jiraError(404, "no such resource");
    const account = authenticate(request);
    if (account === null) return jiraError(401, "Client must be authenticated to access this resource.");
    const write = method !== "GET";
    if (write && account.canWrite === false) {
      return jiraError(403, "You do not have the permission to do this.");
    }
    const json = write ? readJson(request) : ({ ok: true, value: null } as const);
    if (!json.ok) return jiraError(400, "Unexpected character in the request body.");
    const body = json.value;

    if (desk !== null) {
      const route = `${method} /rest/servicedeskapi/request/{key}/comment`;
      const issue = issues.get(decodeURIComponent(desk[1] ?? ""));
      if (!issue?.serviceDesk) return jiraError(404, "The request could not be found.", route);
      if (method !== "POST") return jiraError(405, "method not allowed", route);
      if (!isRecord(body) || typeof body.body !== "string" || body.body.trim() === "") {
        return jiraError(400, "The comment body is required.", route);
      }
      if (body.body.length > MAX_COMMENT_CHARS) return jiraError(400, "The comment is too long.", route);
      if (body.public !== undefined && typeof body.public !== "boolean")
        return jiraError(400, "public must be a boolean.", route);
      const comment = addComment(issue, account, body.body, body.public !== false);
      return {
        status: 201,
        route,
        body: {
          id: comment.id,
          body: comment.body,
          public: comment.public,
          created: { iso8601: comment.created },
        },
      };
    }

    const rest = platform?.[2] ?? "";
    const property = /^comment\/([^/]+)\/properties\/([^/]+)$/.exec(rest);
    if (property !== null) {
      const route = `${method} /rest/api/${version}/comment/{id}/properties/{key}`;
      const comment = findComment(decodeURIComponent(property[1] ?? ""));
      const key = decodeURIComponent(property[2] ?? "");
      if (!comment) return jiraError(404, "The comment does not exist.", route);
      if (key.length > 255) return jiraError(400, "The property key is too long.", route);
      if (method === "GET") {
        return comment.properties.has(key)
          ? { status: 200, route, body: { key, value: comment.properties.get(key) } }
          : jiraError(404, "The property does not exist.", route);
      }
      if (method !== "PUT") return jiraError(405, "method not allowed", route);
      const existed = comment.properties.has(key);
      comment.properties.set(key, body);
      return { status: existed ? 200 : 201, route };
    }

    const issuePath = /^issue\/([^/]+)\/(comment|transitions)$/.exec(rest);
    if (issuePath === null) return jiraError(404, "no such resource");
    const [, rawKey = "", what] = issuePath;
    const route = `${method} /rest/api/${version}/issue/{key}/${what}`;
    const issue = issues.get(decodeURIComponent(rawKey));
    if (!issue) return jiraError(404, "Issue does not exist or you do not have permission to see it.", route);

    if (what === "transitions") {
      if (method === "GET")
        return {
          status: 200,
          route,
          body: {
            transitions: issue.transitions.map((t) => ({ id: t.id, name: t.name, to: { name: t.to } })),
          },
        };
      const id = isRecord(body) && isRecord(body.transition) ? body.transition.id : undefined;
      const transition = issue.transitions.find((t) => t.id === id && t.to !== issue.status);
      if (!transition)
        return jiraError(400, `Transition id '${String(id)}' is not valid for this issue.`, route);
      issue.status = transition.to;
      return { status: 204, route };
    }

    if (method === "GET") {
      const startAt = Number(request.query.get("startAt") ?? "0");
      const maxResults = Math.min(Number(request.query.get("maxResults") ?? "5000"), 5000);
      const orderBy = request.query.get("orderBy") ?? "created";
      if (!["created", "+created", "-created"].includes(orderBy))
        return jiraError(400, "orderBy is not valid.", route);
      if (!Number.isInteger(startAt) || startAt < 0 || !Number.isInteger(maxResults) || maxResults < 1) {
        return jiraError(400, "startAt or maxResults is not valid.", route);
      }
      const expand = new Set((request.query.get("expand") ?? "").split(",").filter(Boolean));
      const ordered = orderBy === "-created" ? [...issue.comments].reverse() : issue.comments;
      const page = ordered.slice(startAt, startAt + maxResults).map((c) => commentView(c, version, expand));
      return {
        status: 200,
        route,
        body: { startAt, maxResults, total: issue.comments.length, comments: page },
      };
    }
    if (method !== "POST") return jiraError(405, "method not allowed", route);
    if (!isRecord(body)) return jiraError(400, "The comment must be a JSON object.", route);
    if (version === "3") {
      const problems = adfProblems(body.body);
      if (problems.length > 0)
        return {
          status: 400,
          route,
          body: { errorMessages: [], errors: { comment: `Comment body is not valid! ${problems[0]}` } },
        };
      if (bodyText(body.body).length > MAX_COMMENT_CHARS)
        return jiraError(400, "The comment is too long.", route);
    } else if (
      typeof body.body !== "string" ||
      body.body.trim() === "" ||
      body.body.length > MAX_COMMENT_CHARS
    ) {
      return {
        status: 400,
        route,
        body: { errorMessages: [], errors: { comment: "Comment body can not be empty!" } },
      };
    }
    const properties = body.properties ?? [];
    if (
      !Array.isArray(properties) ||
      properties.some((p) => !isRecord(p) || typeof p.key !== "string" || p.key.length > 255)
    ) {
      return jiraError(400, "properties must be a list of {key, value}.", route);
    }
    const comment = addComment(issue, account, body.body, true);
    for (const entry of properties as Array<{ key: string; value: unknown }>)
      comment.properties.set(entry.key, entry.value);
    return { status: 201, route, body: commentView(comment, version, new Set(["properties"])) };
  };

  const issueView = (issue: StoredIssue) => ({
    key: issue.key,
    status: issue.status,
    serviceDesk: issue.serviceDesk,
    comments: issue.comments.map((c) => ({
      id: c.id,
      author: c.author,
      public: c.public,
      body: c.body,
      text: bodyText(c.body),
      properties: Object.fromEntries(c.properties),
    })),
  });

  return {
    handle: api,
    errorBody: (_status, message) => ({ errorMessages: [message], errors: {} }),
    reset: seed,
    control(method, route, body) {
      if (route === "issues" && method === "GET")
        return { status: 200, body: { issues: [...issues.keys()] } };
      if (route === "issues" && method === "POST") {
        if (!isRecord(body) || typeof body.key !== "string" || !ISSUE_KEY.test(body.key)) {
          return { status: 400, body: { message: "key: an issue key such as NET-1" } };
        }
        const existing = issues.get(body.key);
        if (existing) return { status: 200, body: issueView(existing) };
        const spec: { serviceDesk?: boolean; transitions?: JiraTransition[] } = {};
        if (typeof body.serviceDesk === "boolean") spec.serviceDesk = body.serviceDesk;
        if (Array.isArray(body.transitions)) spec.transitions = body.transitions as JiraTransition[];
        return { status: 201, body: issueView(addIssue(body.key, spec)) };
      }
      const one = /^issues\/([^/]+)$/.exec(route);
      if (one) {
        const issue = issues.get(decodeURIComponent(one[1] ?? ""));
        if (!issue) return { status: 404, body: { message: "no such issue" } };
        if (method === "DELETE") {
          issues.delete(issue.key);
          return { status: 200, body: { key: issue.key, deleted: true } };
        }
        return { status: 200, body: issueView(issue) };
      }
      return { status: 404, body: { message: `no control route ${route}` } };
    },
  };
}

/**
 * Starts a Jira emulator on loopback.
 * @example const jira = await startJiraEmulator({ issues: ["NET-1"] }); // cloud mode, demo account
 */
export function startJiraEmulator(options: JiraEmulatorOptions = {}): Promise<RunningEmulator> {
  return startVendorEmulator(createJiraModule(options), options);
}
