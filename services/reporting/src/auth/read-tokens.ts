import { matchCredential, type HashedCredential } from '@pulse/config';

/** One configured read token: its name and the SHA-256 digest of the token itself. */
export type ReadToken = HashedCredential;

export type AuthOutcome =
  | { readonly ok: true; readonly tokenName: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

/** Checks `Authorization: Bearer <token>` against the configured digests (constant-time, see matchCredential). */
export class ReadTokenAuthenticator {
  constructor(
    private readonly tokens: readonly ReadToken[],
    private readonly disabled: boolean,
  ) {}

  authenticate(authorization: string | undefined): AuthOutcome {
    if (this.disabled) return { ok: true, tokenName: 'anonymous' };
    const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) {
      return {
        ok: false,
        status: 401,
        message: 'a read token is required: send Authorization: Bearer <token>',
      };
    }
    const matched = matchCredential(this.tokens, match[1] as string);
    return matched === undefined
      ? { ok: false, status: 403, message: 'the read token is not valid' }
      : { ok: true, tokenName: matched };
  }
}
