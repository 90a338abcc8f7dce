import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './config-error';
import { env, type Env, type EnvVar } from './env-var';

/** One configured API key or token: who it belongs to and the SHA-256 digest of the secret itself. */
export interface HashedCredential {
  readonly name: string;
  readonly digest: Buffer;
}

const ENTRY = /^([A-Za-z0-9][\w.@-]{0,63})\s*:\s*([0-9a-fA-F]{64})$/;

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Parses `name:sha256hex` entries, one per line or comma-separated; blank lines and `#` comments
 * are ignored. Only digests are held, so a leaked config or heap dump reveals no secret.
 * `noun` names the secret in messages ("key", "token").
 */
export function parseHashedCredentials(text: string, variable: string, noun: string): HashedCredential[] {
  const credentials: HashedCredential[] = [];
  const names = new Set<string>();
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.replace(/#.*$/, '').trim();
    for (const item of line.split(',').map((part) => part.trim())) {
      if (item === '') continue;
      const match = ENTRY.exec(item);
      if (match === null) {
        throw new ConfigError(
          variable,
          `line ${index + 1} must read "name:<SHA-256 of the ${noun} as 64 hex digits>"`,
          '<redacted>',
        );
      }
      const [, name, hex] = match as unknown as [string, string, string];
      if (names.has(name)) {
        throw new ConfigError(variable, `line ${index + 1} repeats the ${noun} name "${name}"`, '<redacted>');
      }
      names.add(name);
      credentials.push({ name, digest: Buffer.from(hex, 'hex') });
    }
  });
  return credentials;
}

/**
 * The name of the credential whose digest matches `presented`, or undefined. Digests are compared
 * in constant time and against every entry, so timing reveals neither the secret nor which entry matched.
 */
export function matchCredential(
  credentials: readonly HashedCredential[],
  presented: string,
): string | undefined {
  return findCredential(credentials, presented)?.name;
}

/** Like matchCredential, but gives the whole entry (e.g. with the scopes a caller attached to it). */
export function findCredential<C extends HashedCredential>(
  credentials: readonly C[],
  presented: string,
): C | undefined {
  const digest = sha256(presented);
  let matched: C | undefined;
  for (const credential of credentials) {
    if (timingSafeEqual(digest, credential.digest) && matched === undefined) matched = credential;
  }
  return matched;
}

/**
 * A variable holding `name:sha256hex` lines (normally mounted as a file via `<NAME>_FILE`).
 * An empty list stops the start-up unless `disabledBy` (e.g. PULSE_AUTH_DISABLED) is true, so a
 * forgotten secret never opens an API. `mayBeEmpty` is for a list whose absence closes rather
 * than opens something (e.g. read-only tokens where write tokens may read too).
 */
export function hashedCredentialsVar(
  description: string,
  options: { noun: string; disabledBy: string; mayBeEmpty?: boolean },
): EnvVar<HashedCredential[]> {
  const text = env.optionalString(description, { secret: true });
  const disabled = env.bool('authentication disabled', false);
  return {
    description,
    secret: true,
    read(name: string, source: Env): HashedCredential[] {
      const raw = text.read(name, source);
      const credentials = raw === undefined ? [] : parseHashedCredentials(raw, name, options.noun);
      if (credentials.length === 0 && !options.mayBeEmpty && !disabled.read(options.disabledBy, source)) {
        throw new ConfigError(
          `${name}_FILE`,
          `must name a file with at least one "name:sha256hex" line (or set ${options.disabledBy}=true for local experiments)`,
          undefined,
        );
      }
      return credentials;
    },
  };
}
