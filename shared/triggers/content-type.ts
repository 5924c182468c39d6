/**
 * Content-Type checks for JSON bodies: `application/json` or any `application/<subtype>+json`, with optional
 * parameters; a declared charset must be UTF-8 (JSON text exchanged between systems is UTF-8, RFC 8259 §8.1).
 */

const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;
const CHARSET = /^charset=(?:"?)([^";]*)(?:"?)$/;

/** True when a Content-Type header value declares a JSON body in UTF-8 (or no charset). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [mediaType = "", ...parameters] = value.split(";").map((part) => part.trim().toLowerCase());
  if (!JSON_MEDIA_TYPE.test(mediaType)) return false;
  for (const parameter of parameters) {
    const charset = CHARSET.exec(parameter.replace(/\s*=\s*/, "="))?.[1];
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") return false;
  }
  return true;
}
