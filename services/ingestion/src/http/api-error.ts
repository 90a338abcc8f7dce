/** The JSON body of every error answer: a stable code, a sentence for people, and specifics. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

/** An answer other than success, with its status, body and headers (e.g. Retry-After). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ErrorBody {
    return this.details === undefined
      ? { error: this.code, message: this.message }
      : { error: this.code, message: this.message, details: this.details };
  }
}
