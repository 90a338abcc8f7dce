import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '@pulse/config';

/** One configured key: who it belongs to and the SHA-256 digest of the key itself. */
export interface ApiKeyEntry {
  readonly name: string;
  readonly digest: Buffer;
}

const LINE = /^([A-Za-z0-9][\w.@-]{0,63})\s*:\s*([0-9a-fA-F]{64})$/;

/**
 * Parses `name:sha256hex` entries, one per line or comma-separated; blank lines and `#` comments
 * are ignored. Only digests are ever held, so a leaked config or heap dump reveals no key.
 */
export function parseApiKeys(text: string, variable = 'PULSE_API_KEYS'): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const names = new Set<string>();
  text.split(/\r?\n/).forEach((rawLine, lineIndex) => {
    const line = rawLine.replace(/#.*$/, '').trim();
    for (const item of line.split(',').map((part) => part.trim())) {
      if (item === '') continue;
      const match = LINE.exec(item);
      if (!match) {
        throw new ConfigError(
          variable,
          `line ${lineIndex + 1} must read "name:<SHA-256 of the key as 64 hex digits>"`,
          '<redacted>',
        );
      }
      const [, name, hex] = match as unknown as [string, string, string];
      if (names.has(name)) {
        throw new ConfigError(variable, `line ${lineIndex + 1} repeats the key name "${name}"`, '<redacted>');
      }
      names.add(name);
      entries.push({ name, digest: Buffer.from(hex, 'hex') });
    }
  });
  return entries;
}

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

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

/**
 * Decides whether a request's key is one of the configured ones. Digests are compared in
 * constant time, and every configured digest is compared, so timing reveals neither the key
 * nor which entry matched.
 */
export class ApiKeyAuthenticator {
  constructor(
    private readonly keys: readonly ApiKeyEntry[],
    private readonly disabled: boolean,
  ) {}

  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): AuthResult {
    if (this.disabled) return ANONYMOUS;
    const key = presentedKey(headers);
    if (key === undefined) return MISSING;
    const digest = sha256(key);
    let matched: string | undefined;
    for (const entry of this.keys) {
      if (timingSafeEqual(digest, entry.digest) && matched === undefined) matched = entry.name;
    }
    return matched === undefined ? WRONG : { ok: true, keyName: matched };
  }
}
