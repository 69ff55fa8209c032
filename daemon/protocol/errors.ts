/**
 * The daemon's own error codes, beside JSON-RPC's (InvalidParams: params that do not match the
 * method's schema; ServerNotInitialized: a request before `initialize`; InternalError: a fault in
 * Berth). A client acts on the code and shows the message, one sentence. They sit in the range
 * JSON-RPC leaves to implementations (-32000 to -32099), clear of the codes vscode-jsonrpc uses.
 */
export const BerthErrorCode = {
  /** There is no server, host, secret, catalog entry or workspace of that name. */
  NotFound: -32010,
  /** A spec, or a value for one (a limit, a volume, a host URL), is not valid. */
  InvalidSpec: -32011,
  /** It clashes with what is there: a name already taken, a host that still has servers, a server not running. */
  Conflict: -32012,
  /** The Docker engine (local, or on an SSH host) cannot be reached. */
  EngineUnavailable: -32013,
  /** Berth's security policy refused it: a sensitive mount, a secret that is not set. */
  PolicyRefused: -32014,
} as const;
export type BerthErrorCode = (typeof BerthErrorCode)[keyof typeof BerthErrorCode];

/**
 * An error with a JSON-RPC code: thrown by the daemon (through the classes below) and rebuilt by
 * a client from the daemon's answer, so both sides test `code`.
 */
export class BerthError extends Error {
  constructor(
    readonly code: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends BerthError {
  constructor(message: string) {
    super(BerthErrorCode.NotFound, message);
  }
}

export class InvalidSpecError extends BerthError {
  constructor(message: string) {
    super(BerthErrorCode.InvalidSpec, message);
  }
}

export class ConflictError extends BerthError {
  constructor(message: string) {
    super(BerthErrorCode.Conflict, message);
  }
}

export class EngineUnavailableError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super(BerthErrorCode.EngineUnavailable, message, options);
  }
}

export class PolicyRefusedError extends BerthError {
  constructor(message: string) {
    super(BerthErrorCode.PolicyRefused, message);
  }
}
