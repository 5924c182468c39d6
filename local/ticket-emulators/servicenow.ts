/**
 * A ServiceNow emulator (README.md): the Table API's update of a record (`PATCH`/`PUT /api/now/table/<table>/<sys_id>`),
 * whose `work_notes` and `comments` become journal entries, and the read of `sys_journal_field` with an encoded
 * query. It authenticates with basic auth as an instance does, answers with the instance's error bodies, and, like
 * an instance, ignores the parts of an encoded query that name unknown fields, so a query that misspells a field
 * matches more than meant and a test notices.
 */
import { randomBytes } from "node:crypto";
import { isRecord } from "../lib/json-body.ts";
import { type RunningEmulator, startVendorEmulator } from "./server.ts";
import type { VendorAnswer, VendorModule, VendorRequest } from "./vendor.ts";

/** One user the emulator accepts. */
export interface ServiceNowUser {
  user: string;
  password: string;
  /** False: updates answer 403. */
  canWrite?: boolean;
  /** False: reads of sys_journal_field answer 403. */
  canReadJournal?: boolean;
}

/** Options of `startServiceNowEmulator`. */
export interface ServiceNowEmulatorOptions {
  port?: number;
  host?: string;
  users?: ServiceNowUser[];
  /** Records that exist from the start. */
  records?: Array<{ table: string; sys_id: string; number?: string }>;
  /** The longest journal entry accepted (the default limit of a multi-line text field). */
  maxEntryChars?: number;
}

interface JournalEntry {
  sys_id: string;
  element: string;
  element_id: string;
  name: string;
  value: string;
  sys_created_by: string;
  sys_created_on: string;
}

interface StoredRecord {
  table: string;
  sys_id: string;
  number: string;
  fields: Record<string, string>;
}

/** The demo integration user of the local stack. */
export const DEMO_SERVICENOW_USER: ServiceNowUser = {
  user: "ens-egress-notifier",
  password: "local-servicenow-password-0001",
};

const JOURNAL_FIELDS = new Set(["work_notes", "comments"]);
const JOURNAL_COLUMNS = new Set([
  "sys_id",
  "element",
  "element_id",
  "name",
  "value",
  "sys_created_by",
  "sys_created_on",
]);
const TABLE = /^[a-z][a-z0-9_]{0,79}$/;

const failure = (status: number, message: string, detail: string, route?: string): VendorAnswer => ({
  status,
  body: { error: { message, detail }, status: "failure" },
  ...(route ? { route } : {}),
});

const newSysId = () => randomBytes(16).toString("hex");

/** One condition of an encoded query: `field=value`, `fieldLIKEvalue`, `fieldSTARTSWITHvalue`. */
function condition(text: string): ((entry: JournalEntry) => boolean) | null {
  const match = /^([a-z_]+?)(=|LIKE|STARTSWITH)(.*)$/.exec(text);
  if (!match) return null;
  const [, field = "", operator, value = ""] = match;
  // An instance ignores a condition on a field the table does not have.
  if (!JOURNAL_COLUMNS.has(field)) return null;
  const read = (entry: JournalEntry) => entry[field as keyof JournalEntry];
  if (operator === "=") return (entry) => read(entry) === value;
  if (operator === "LIKE") return (entry) => read(entry).toLowerCase().includes(value.toLowerCase());
  return (entry) => read(entry).startsWith(value);
}

/** The ServiceNow vendor module; exported for tests that drive it without a socket. */
export function createServiceNowModule(options: ServiceNowEmulatorOptions = {}): VendorModule {
  const users = options.users ?? [DEMO_SERVICENOW_USER];
  const maxEntryChars = options.maxEntryChars ?? 4000;
  const records = new Map<string, StoredRecord>();
  const journal: JournalEntry[] = [];

  const addRecord = (table: string, sysId: string, number?: string) => {
    const record: StoredRecord = {
      table,
      sys_id: sysId,
      number: number ?? `${table.slice(0, 3).toUpperCase()}${String(records.size + 1).padStart(7, "0")}`,
      fields: {},
    };
    records.set(`${table}/${sysId}`, record);
    return record;
  };
  const seed = () => {
    records.clear();
    journal.length = 0;
    for (const record of options.records ?? []) addRecord(record.table, record.sys_id, record.number);
  };
  seed();

  const authenticate = (request: VendorRequest): ServiceNowUser | null => {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(request.headers.authorization ?? "");
    if (!match) return null;
    const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) return null;
    return (
      users.find((u) => u.user === decoded.slice(0, colon) && u.password === decoded.slice(colon + 1)) ?? null
    );
  };

  const pick = (row: Record<string, string>, fields: string | null) => {
    if (fields === null || fields === "") return row;
    return Object.fromEntries(
      fields
        .split(",")
        .filter((f) => f in row)
        .map((f) => [f, row[f] ?? ""]),
    );
  };

  const queryJournal = (request: VendorRequest, user: ServiceNowUser): VendorAnswer => {
    const route = "GET /api/now/table/sys_journal_field";
    if (user.canReadJournal === false) {
      return failure(
        403,
        "Insufficient rights to query records",
        "Fields present in the query do not have permission to be read",
        route,
      );
    }
    const tests = (request.query.get("sysparm_query") ?? "")
      .split("^")
      .filter((part) => part !== "" && !part.startsWith("ORDERBY"))
      .map(condition)
      .filter((test) => test !== null);
    const limit = Number(request.query.get("sysparm_limit") ?? "10000");
    const rows = journal
      .filter((entry) => tests.every((test) => test(entry)))
      .slice(0, Number.isInteger(limit) && limit > 0 ? limit : 10000);
    return {
      status: 200,
      route,
      body: { result: rows.map((row) => pick({ ...row }, request.query.get("sysparm_fields"))) },
    };
  };

  const updateRecord = (
    request: VendorRequest,
    user: ServiceNowUser,
    table: string,
    sysId: string,
  ): VendorAnswer => {
    const route = `${request.method} /api/now/table/{table}/{sys_id}`;
    const record = records.get(`${table}/${sysId}`);
    if (!record)
      return failure(
        404,
        "No Record found",
        "Record doesn't exist or ACL restricts the record retrieval",
        route,
      );
    if (user.canWrite === false)
      return failure(
        403,
        "Operation Failed",
        "ACL Exception Update Failed due to security constraints",
        route,
      );
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString("utf8"));
    } catch {
      return failure(400, "Exception while reading request", "The payload is not valid JSON.", route);
    }
    if (!isRecord(body))
      return failure(400, "Exception while reading request", "The payload must be a JSON object.", route);
    for (const [field, value] of Object.entries(body)) {
      if (typeof value !== "string") continue;
      if (JOURNAL_FIELDS.has(field)) {
        if (value.length > maxEntryChars) {
          return failure(
            400,
            "Invalid field value",
            `${field} is longer than ${maxEntryChars} characters`,
            route,
          );
        }
        if (value.trim() === "") continue;
        journal.push({
          sys_id: newSysId(),
          element: field,
          element_id: sysId,
          name: table,
          value,
          sys_created_by: user.user,
          sys_created_on: new Date().toISOString().replace("T", " ").slice(0, 19),
        });
      } else {
        record.fields[field] = value;
      }
    }
    const row = { sys_id: record.sys_id, number: record.number, ...record.fields };
    return { status: 200, route, body: { result: pick(row, request.query.get("sysparm_fields")) } };
  };

  return {
    handle(request) {
      const table = /^\/api\/now\/(?:v[12]\/)?table\/([^/]+)(?:\/([^/]+))?$/.exec(request.path);
      if (!table) return failure(400, "Requested URI does not represent any resource", request.path);
      const user = authenticate(request);
      if (user === null)
        return failure(401, "User Not Authenticated", "Required to provide Auth information");
      const [, name = "", sysId] = table;
      if (name === "sys_journal_field" && sysId === undefined && request.method === "GET")
        return queryJournal(request, user);
      if (sysId !== undefined && (request.method === "PATCH" || request.method === "PUT")) {
        return updateRecord(request, user, decodeURIComponent(name), decodeURIComponent(sysId));
      }
      if (sysId !== undefined && request.method === "GET") {
        const record = records.get(`${name}/${sysId}`);
        return record
          ? {
              status: 200,
              body: { result: { sys_id: record.sys_id, number: record.number, ...record.fields } },
            }
          : failure(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
      }
      return failure(405, "Method not Supported", `${request.method} is not supported here`);
    },
    errorBody: (_status, message) => ({ error: { message, detail: message }, status: "failure" }),
    reset: seed,
    control(method, route, body) {
      if (route === "records" && method === "POST") {
        if (!isRecord(body) || typeof body.table !== "string" || !TABLE.test(body.table)) {
          return { status: 400, body: { message: "table: a table name such as change_request" } };
        }
        const sysId =
          typeof body.sys_id === "string" && /^[0-9a-f]{32}$/.test(body.sys_id) ? body.sys_id : newSysId();
        const number = typeof body.number === "string" ? body.number : undefined;
        const record = records.get(`${body.table}/${sysId}`) ?? addRecord(body.table, sysId, number);
        return { status: 201, body: { table: record.table, sys_id: record.sys_id, number: record.number } };
      }
      const one = /^records\/([^/]+)\/([^/]+)$/.exec(route);
      if (one && method === "GET") {
        const record = records.get(`${one[1]}/${one[2]}`);
        if (!record) return { status: 404, body: { message: "no such record" } };
        return {
          status: 200,
          body: {
            table: record.table,
            sys_id: record.sys_id,
            number: record.number,
            journal: journal.filter((e) => e.name === record.table && e.element_id === record.sys_id),
          },
        };
      }
      return { status: 404, body: { message: `no control route ${route}` } };
    },
  };
}

/**
 * Starts a ServiceNow emulator on loopback.
 * @example const snow = await startServiceNowEmulator({ records: [{ table: "change_request", sys_id }] });
 */
export function startServiceNowEmulator(options: ServiceNowEmulatorOptions = {}): Promise<RunningEmulator> {
  return startVendorEmulator(createServiceNowModule(options), options);
}
