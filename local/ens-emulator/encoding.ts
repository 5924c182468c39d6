/**
 * Alibaba Cloud's percent-encoding (RFC 3986 unreserved set, uppercase hex), shared by both signature schemes.
 * `encodeURIComponent` leaves `! ' ( ) *` alone, which the gateway encodes, hence the extra pass.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** One decoded name/value pair, in wire order. */
export type ParamPair = readonly [name: string, value: string];

/** Decodes a query string or form body into pairs; `+` means space, as in HTML forms. */
export function decodePairs(raw: string): ParamPair[] {
  const pairs: ParamPair[] = [];
  for (const [name, value] of new URLSearchParams(raw)) pairs.push([name, value]);
  return pairs;
}

/**
 * Sorts pairs by encoded name (byte order) and joins `name=value`; both schemes canonicalise this way.
 * Ties on the name keep wire order, so a repeated parameter signs the way it was sent.
 */
export function canonicalQuery(pairs: readonly ParamPair[]): string {
  return pairs
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}
