import { matchCredential, type HashedCredential } from '@pulse/config';

/** One configured key: who it belongs to and the SHA-256 digest of the key itself. */
export type ApiKeyEntry = HashedCredential;

export type AuthResult =
  | { readonly ok: true; readonly keyName: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

const ANONYMOUS: AuthResult = { ok: true, keyName: 'anonymous' };
const MISSING: AuthResult = {
  ok: false,
  status: 401,
  message: 'an API key is required: send it as the x-api-key header or as Authorization: Bearer <key>',
};
const WRONG: AuthResult = { ok: false, status: 403, message: 'the API key is not valid' };

/** Reads the key a request presents: `x-api-key`, else `Authorization: Bearer <key>`. */
export function presentedKey(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const direct = headers['x-api-key'];
  if (typeof direct === 'string' && direct.trim() !== '') return direct.trim();
  const authorization = headers['authorization'];
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

/** Decides whether a request's key is one of the configured ones (constant-time, see matchCredential). */
export class ApiKeyAuthenticator {
  constructor(
    private readonly keys: readonly ApiKeyEntry[],
    private readonly disabled: boolean,
  ) {}

  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): AuthResult {
    if (this.disabled) return ANONYMOUS;
    const key = presentedKey(headers);
    if (key === undefined) return MISSING;
    const matched = matchCredential(this.keys, key);
    return matched === undefined ? WRONG : { ok: true, keyName: matched };
  }
}
