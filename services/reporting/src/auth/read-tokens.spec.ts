import { createHash } from 'node:crypto';
import { parseHashedCredentials } from '@pulse/config';
import { ReadTokenAuthenticator } from './read-tokens';

const parseReadTokens = (text: string) => parseHashedCredentials(text, 'PULSE_REPORTING_TOKENS', 'token');

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

describe('read tokens', () => {
  it('accepts a configured bearer token and says why it refuses others', () => {
    const authenticator = new ReadTokenAuthenticator(parseReadTokens(`grafana:${digest('s3cret')}`), false);
    expect(authenticator.authenticate('Bearer s3cret')).toEqual({ ok: true, tokenName: 'grafana' });
    expect(authenticator.authenticate('bearer   s3cret ')).toEqual({ ok: true, tokenName: 'grafana' });
    expect(authenticator.authenticate(undefined)).toMatchObject({ ok: false, status: 401 });
    expect(authenticator.authenticate('Basic abc')).toMatchObject({ ok: false, status: 401 });
    expect(authenticator.authenticate('Bearer wrong')).toMatchObject({ ok: false, status: 403 });
    expect(new ReadTokenAuthenticator([], true).authenticate(undefined)).toEqual({
      ok: true,
      tokenName: 'anonymous',
    });
  });
});
