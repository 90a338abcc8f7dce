import { findCredential, type HashedCredential } from '@pulse/config';

/**
 * Where a request may carry its secret: only `Authorization: Bearer <token>`, or also an
 * `x-api-key` header (which wins when both are sent).
 */
export type Presentation = 'bearer' | 'api-key-or-bearer';

/** A configured credential and the scopes it grants (none: it may call every unscoped route). */
export interface ScopedCredential<S extends string = string> extends HashedCredential {
  readonly scopes: readonly S[];
}

export type AuthResult =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

export interface TokenAuthenticatorOptions<S extends string> {
  credentials: readonly (HashedCredential | ScopedCredential<S>)[];
  /** Everyone gets in as "anonymous" (PULSE_AUTH_DISABLED, local experiments only). */
  disabled: boolean;
  presentation: Presentation;
  messages: {
    /** 401: no credential in the request. */
    missing: string;
    /** 403: a credential that is not configured. */
    invalid: string;
    /** 403: a valid credential without the scope the route needs. */
    outOfScope?: (scope: S) => string;
  };
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const BEARER = /^Bearer\s+(\S+)\s*$/i;
export const ANONYMOUS = 'anonymous';

/** The secret a request presents, per `presentation`; undefined when there is none. */
export function presentedSecret(headers: Headers, presentation: Presentation): string | undefined {
  if (presentation === 'api-key-or-bearer') {
    const direct = headers['x-api-key'];
    if (typeof direct === 'string' && direct.trim() !== '') return direct.trim();
  }
  const authorization = headers['authorization'];
  if (typeof authorization === 'string') return BEARER.exec(authorization)?.[1];
  return undefined;
}

/** Tags every credential of a list with the same scopes (e.g. all read tokens with "read"). */
export function withScopes<S extends string>(
  credentials: readonly HashedCredential[],
  scopes: readonly S[],
): ScopedCredential<S>[] {
  return credentials.map((credential) => ({ ...credential, scopes }));
}

/**
 * Decides whether a request's secret is one of the configured ones (digests compared in constant
 * time, see findCredential) and, when the route needs a scope, whether that credential has it.
 */
export class TokenAuthenticator<S extends string = never> {
  constructor(private readonly options: TokenAuthenticatorOptions<S>) {}

  authenticate(headers: Headers, scope?: S): AuthResult {
    const { options } = this;
    if (options.disabled) return { ok: true, name: ANONYMOUS };
    const secret = presentedSecret(headers, options.presentation);
    if (secret === undefined) return { ok: false, status: 401, message: options.messages.missing };
    const credential = findCredential(options.credentials, secret);
    if (credential === undefined) return { ok: false, status: 403, message: options.messages.invalid };
    if (scope !== undefined && !scopesOf(credential).includes(scope)) {
      return {
        ok: false,
        status: 403,
        message: options.messages.outOfScope?.(scope) ?? `the credential does not grant "${scope}"`,
      };
    }
    return { ok: true, name: credential.name };
  }
}

function scopesOf<S extends string>(credential: HashedCredential | ScopedCredential<S>): readonly S[] {
  return 'scopes' in credential ? credential.scopes : [];
}
