// The one error type the session core throws at its callers.

/** What went wrong, in the protocol's error codes. */
export type SessionErrorCode = 'not-found' | 'failed' | 'bad-request';

/** A request about sessions that cannot be done; `message` is a sentence for people. */
export class SessionError extends Error {
  /** `code` maps to the protocol's `error.code`. */
  constructor(
    readonly code: SessionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}
