/**
 * Decodes the body of one queue message. Sources differ in how they carry it: MNS Base64-encodes unless the
 * trigger sets `IsBase64Decode`, RocketMQ sends text, Kafka a parsed JSON value, text or Base64 depending on the
 * configured value format. So a string is tried as JSON first and as Base64-encoded JSON second.
 */
import { checkJsonText, checkParsedJson, decodeUtf8, parseJsonText } from "./safe-json.ts";

/** A decoded message body, or why it cannot be used (a poison message: the caller acks it as rejected). */
export type MessageBody = { ok: true; value: unknown } | { ok: false; message: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function poison(message: string): MessageBody {
  return { ok: false, message };
}

const NOT_JSON: MessageBody = {
  ok: false,
  message: "the message body is neither JSON nor Base64-encoded JSON",
};

function tooLarge(bytes: number, maxBodyBytes: number): MessageBody {
  return poison(`the message body is ${bytes} bytes; the limit is ${maxBodyBytes}`);
}

/**
 * The bytes of a strict Base64 string (line breaks allowed, as MIME encoders add them); null when it is not
 * Base64, "too-large" when it would decode to more than `maxBytes` (checked before decoding, to skip the work).
 */
function decodeBase64(text: string, maxBytes: number): Buffer | "too-large" | null {
  const compact = text.replace(/[\r\n]/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) return null;
  if ((compact.length / 4) * 3 - (compact.length - compact.replace(/=+$/, "").length) > maxBytes)
    return "too-large";
  return Buffer.from(compact, "base64");
}

function decodeString(raw: string, maxBodyBytes: number): MessageBody {
  const rawBytes = Buffer.byteLength(raw, "utf8");
  if (rawBytes <= maxBodyBytes) {
    const parsed = parseJsonText(raw);
    if (parsed.ok) return parsed;
    if (parsed.refusal !== "syntax") return poison(`the message body ${parsed.message}`);
  }
  const bytes = decodeBase64(raw, maxBodyBytes);
  if (bytes === null) return rawBytes > maxBodyBytes ? tooLarge(rawBytes, maxBodyBytes) : NOT_JSON;
  if (bytes === "too-large")
    return poison(`the Base64-decoded message body is over the limit of ${maxBodyBytes} bytes`);
  // Plain text such as "TEST" is valid Base64 too, so a failure here just means the body was not JSON at all.
  const text = decodeUtf8(bytes);
  if (text === null) return NOT_JSON;
  const parsed = parseJsonText(text);
  if (parsed.ok) return parsed;
  return parsed.refusal === "syntax" ? NOT_JSON : poison(`the message body ${parsed.message}`);
}

function decodeParsed(value: unknown, maxBodyBytes: number): MessageBody {
  const checked = checkParsedJson(value);
  if (!checked.ok) return poison(`the message body ${checked.message}`);
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  } catch {
    return poison("the message body cannot be serialised as JSON");
  }
  return bytes > maxBodyBytes ? tooLarge(bytes, maxBodyBytes) : { ok: true, value };
}

/**
 * `decodeMessageBody` for a body that is JSON text the caller has already parsed into `value`: the same size,
 * key and depth checks, without parsing the text a second time.
 */
export function decodeJsonTextBody(text: string, value: unknown, maxBodyBytes: number): MessageBody {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBodyBytes) return tooLarge(bytes, maxBodyBytes);
  const checked = checkJsonText(text, value);
  return checked.ok ? checked : poison(`the message body ${checked.message}`);
}

/**
 * Decodes one message body: a string as JSON or Base64-encoded JSON, an already-parsed value as is (after the
 * same key and depth checks). Size is checked on the decoded content. Never throws.
 */
export function decodeMessageBody(raw: unknown, maxBodyBytes: number): MessageBody {
  if (raw === undefined || raw === null) return poison("the message has no body");
  if (typeof raw === "string") return decodeString(raw, maxBodyBytes);
  if (raw instanceof Uint8Array) {
    if (raw.length > maxBodyBytes) return tooLarge(raw.length, maxBodyBytes);
    const text = decodeUtf8(raw);
    return text === null ? poison("the message body is not UTF-8 text") : decodeString(text, maxBodyBytes);
  }
  return decodeParsed(raw, maxBodyBytes);
}
