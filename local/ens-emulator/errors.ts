/**
 * Every error code the emulator answers with, its HTTP status and the gateway's message. Statuses follow the
 * ENS API page (all of its codes are 400) and the gateway's common-error docs where they agree; where the docs
 * disagree the README records the choice (e.g. InvalidAccessKeyId.NotFound = 404).
 */
const ERROR_TABLE: Readonly<Record<string, { status: number; message: string }>> = {
  // ENS AuthorizeSecurityGroupEgress page.
  MissingParameter: {
    status: 400,
    message: "The input parameter that is mandatory for processing this request is not supplied.",
  },
  NoPermission: { status: 400, message: "Permission denied." },
  InvalidParameter: { status: 400, message: "The errorMessage is %s. Please check it again." },
  "InvalidSecurityGroupId.NotFound": {
    status: 400,
    message: "The specified SecurityGroupId does not exist.",
  },
  "SecurityGroupRuleConflict.Duplicated": { status: 400, message: "The SecurityGroup rule already exists." },
  AuthorizationLimitExceed: {
    status: 400,
    message: "The limit of authorization records in the security group reaches.",
  },
  "ens.interface.error": { status: 400, message: "An error occurred while calling the API." },
  CallInterface: { status: 400, message: "Call Interface Happen Error." },
  // Gateway common errors.
  Throttling: { status: 400, message: "Request was denied due to request throttling." },
  "Throttling.User": { status: 400, message: "Request was denied due to user flow control." },
  ServiceUnavailable: {
    status: 503,
    message: "The request has failed due to a temporary failure of the server.",
  },
  InternalError: {
    status: 500,
    message: "The request processing has failed due to some unknown error, exception or failure.",
  },
  SignatureDoesNotMatch: {
    status: 400,
    message: "Specified signature is not matched with our calculation.",
  },
  IncompleteSignature: {
    status: 400,
    message: "The request signature does not conform to Aliyun standards.",
  },
  "InvalidAccessKeyId.NotFound": { status: 404, message: "Specified access key is not found." },
  SignatureNonceUsed: { status: 400, message: "Specified signature nonce was used already." },
  "InvalidTimeStamp.Expired": { status: 400, message: "Specified time stamp or date value is expired." },
  "InvalidTimeStamp.Format": {
    status: 400,
    message: "Specified time stamp or date value is not well formatted.",
  },
  MissingSecurityToken: { status: 400, message: "SecurityToken is mandatory for this action." },
  "InvalidSecurityToken.MismatchWithAccessKey": {
    status: 400,
    message: "Specified SecurityToken mismatch with the AccessKey.",
  },
  "InvalidAction.NotFound": {
    status: 404,
    message: "Specified api is not found, please check your url and method.",
  },
  InvalidVersion: { status: 400, message: "Specified parameter Version is not valid." },
};

/** The HTTP status the emulator uses for a code: the table's, else 400 (the API page's status for all codes). */
export function statusForCode(code: string): number {
  return ERROR_TABLE[code]?.status ?? 400;
}

/** The gateway-style message for a code, with `detail` appended so a test failure says what went wrong. */
export function messageForCode(code: string, detail?: string): string {
  const known = ERROR_TABLE[code]?.message;
  if (code === "MissingParameter" && detail) {
    return `The input parameter "${detail}" that is mandatory for processing this request is not supplied.`;
  }
  if (code === "InvalidParameter") return (known ?? "%s").replace("%s", detail ?? "invalid parameter");
  if (code.startsWith("InvalidParameter.")) {
    const field = code.slice("InvalidParameter.".length);
    const base = `The specified field ${field} invalid. Please check it again.`;
    return detail ? `${base} ${detail}` : base;
  }
  if (code.startsWith("Missing") && code !== "MissingParameter" && !known) {
    return `${detail ?? code.slice("Missing".length)} is mandatory for this action.`;
  }
  const base = known ?? "An error occurred.";
  return detail ? `${base} ${detail}` : base;
}

/** An ENS/gateway error answer: `code` is the wire `Code`, `status` the HTTP status. */
export class EnsEmulatorError extends Error {
  /** The wire `Code`. */
  readonly code: string;
  /** The HTTP status to answer with. */
  readonly status: number;

  constructor(code: string, detail?: string, options?: { status?: number; cause?: unknown }) {
    super(messageForCode(code, detail), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EnsEmulatorError";
    this.code = code;
    this.status = options?.status ?? statusForCode(code);
  }
}

/** Shorthand for a missing business parameter, worded the way the gateway words it. */
export function missingParameterError(name: string): EnsEmulatorError {
  return new EnsEmulatorError("MissingParameter", name);
}

/** Shorthand for `InvalidParameter.<field>` with a reason a ticket author understands. */
export function invalidParameterError(field: string, reason: string): EnsEmulatorError {
  return new EnsEmulatorError(`InvalidParameter.${field}`, `(${field}: ${reason})`);
}
