import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '@pulse/config';

/** One configured read token: its name and the SHA-256 digest of the token itself. */
export interface ReadToken {
  readonly name: string;
  readonly digest: Buffer;
}

const ENTRY = /^([A-Za-z0-9][\w.@-]{0,63})\s*:\s*([0-9a-fA-F]{64})$/;

/**
 * Parses `name:sha256hex` entries, one per line or comma-separated; blank lines and `#` comments
 * are ignored. Only digests are held, so a leaked config or heap dump reveals no token.
 */
export function parseReadTokens(text: string, variable = 'PULSE_REPORTING_TOKENS'): ReadToken[] {
  const tokens: ReadToken[] = [];
  const names = new Set<string>();
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.replace(/#.*$/, '').trim();
    for (const item of line.split(',').map((part) => part.trim())) {
      if (item === '') continue;
      const match = ENTRY.exec(item);
      if (match === null) {
        throw new ConfigError(
          variable,
          `line ${index + 1} must read "name:<SHA-256 of the token as 64 hex digits>"`,
          '<redacted>',
        );
      }
      const [, name, hex] = match as unknown as [string, string, string];
      if (names.has(name))
        throw new ConfigError(variable, `line ${index + 1} repeats the token name "${name}"`, '<redacted>');
      names.add(name);
      tokens.push({ name, digest: Buffer.from(hex, 'hex') });
    }
  });
  return tokens;
}

export type AuthOutcome =
  | { readonly ok: true; readonly tokenName: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

/**
 * Checks `Authorization: Bearer <token>` against the configured digests, in constant time and
 * against every entry, so timing reveals neither the token nor which entry matched.
 */
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
    const digest = createHash('sha256')
      .update(match[1] as string, 'utf8')
      .digest();
    let matched: string | undefined;
    for (const token of this.tokens) {
      if (timingSafeEqual(digest, token.digest) && matched === undefined) matched = token.name;
    }
    return matched === undefined
      ? { ok: false, status: 403, message: 'the read token is not valid' }
      : { ok: true, tokenName: matched };
  }
}
