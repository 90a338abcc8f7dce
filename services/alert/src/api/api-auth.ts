import { installTokenAuth, TokenAuthenticator, withScopes } from '@pulse/auth';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AlertConfig } from '../config';

/** `read`: rules, active alerts, silences. `write`: create and expire silences. */
export type AlertApiScope = 'read' | 'write';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Reads need `read`, everything else `write`: decided by method, so a /v1 route added later is
 * closed to read-only tokens unless it only reads.
 */
export function scopeOf(request: Pick<FastifyRequest, 'method'>): AlertApiScope {
  return READ_METHODS.has(request.method) ? 'read' : 'write';
}

/** Every /v1 route needs a token (read or write, see scopeOf); health, metrics and docs do not. */
export function installAlertApiAuth(fastify: FastifyInstance, config: AlertConfig): void {
  installTokenAuth(fastify, {
    authenticator: new TokenAuthenticator<AlertApiScope>({
      credentials: [
        ...withScopes(config.PULSE_ALERT_WRITE_TOKENS, ['read', 'write'] as const),
        ...withScopes(config.PULSE_ALERT_READ_TOKENS, ['read'] as const),
      ],
      disabled: config.PULSE_AUTH_DISABLED,
      presentation: 'bearer',
      messages: {
        missing: 'a token is required: send Authorization: Bearer <token>',
        invalid: 'the token is not valid',
        outOfScope: () => 'this token may only read: creating or expiring silences needs a write token',
      },
    }),
    challenge: 'Bearer realm="pulse-alert"',
    scopeOf,
  });
}
