// The one error type the session core throws at its callers.
import type { ErrorCode } from '../channel/messages.js';

/** What went wrong, in the protocol's error codes (a session request is never `not-allowed` or `internal`). */
export type SessionErrorCode = Exclude<ErrorCode, 'not-allowed' | 'internal'>;

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
