import { parseHashedCredentials, sha256 } from '@pulse/config';
import { presentedSecret, TokenAuthenticator, withScopes } from './token-authenticator';

const hex = (secret: string) => sha256(secret).toString('hex');
const parse = (text: string) => parseHashedCredentials(text, 'V', 'token');
const messages = { missing: 'send one', invalid: 'not valid' };

describe('presentedSecret', () => {
  it('takes x-api-key first, then a Bearer token, when API keys are accepted', () => {
    const take = (headers: Record<string, string | string[]>) =>
      presentedSecret(headers, 'api-key-or-bearer');
    expect(take({ 'x-api-key': ' k1 ', authorization: 'Bearer k2' })).toBe('k1');
    expect(take({ authorization: 'bearer   k2' })).toBe('k2');
    expect(take({ authorization: 'Basic abc' })).toBeUndefined();
    expect(take({ 'x-api-key': '' })).toBeUndefined();
    expect(take({ 'x-api-key': ['a', 'b'] })).toBeUndefined();
  });

  it('takes only a Bearer token otherwise', () => {
    expect(presentedSecret({ 'x-api-key': 'k1' }, 'bearer')).toBeUndefined();
    expect(presentedSecret({ authorization: 'Bearer t ' }, 'bearer')).toBe('t');
    expect(presentedSecret({ authorization: 'Bearer a b' }, 'bearer')).toBeUndefined();
  });
});

describe('TokenAuthenticator', () => {
  const authenticator = new TokenAuthenticator({
    credentials: parse(`web:${hex('web-key')}\npos:${hex('pos-key')}`),
    disabled: false,
    presentation: 'api-key-or-bearer',
    messages,
  });

  it('names the credential that matched', () => {
    expect(authenticator.authenticate({ 'x-api-key': 'pos-key' })).toEqual({ ok: true, name: 'pos' });
    expect(authenticator.authenticate({ authorization: 'Bearer web-key' })).toEqual({
      ok: true,
      name: 'web',
    });
  });

  it('answers 401 without a credential and 403 with a wrong one, with the given messages', () => {
    expect(authenticator.authenticate({})).toEqual({ ok: false, status: 401, message: 'send one' });
    expect(authenticator.authenticate({ 'x-api-key': 'web-key x' })).toEqual({
      ok: false,
      status: 403,
      message: 'not valid',
    });
    // The digest itself is not the secret.
    expect(authenticator.authenticate({ 'x-api-key': hex('web-key') })).toMatchObject({ status: 403 });
  });

  it('lets everyone in as anonymous when disabled', () => {
    const open = new TokenAuthenticator({
      credentials: [],
      disabled: true,
      presentation: 'bearer',
      messages,
    });
    expect(open.authenticate({})).toEqual({ ok: true, name: 'anonymous' });
  });

  describe('with scopes', () => {
    const scoped = new TokenAuthenticator<'read' | 'write'>({
      credentials: [
        ...withScopes(parse(`grafana:${hex('r')}`), ['read']),
        ...withScopes(parse(`oncall:${hex('w')}`), ['read', 'write']),
      ],
      disabled: false,
      presentation: 'bearer',
      messages: { ...messages, outOfScope: (scope) => `needs ${scope}` },
    });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    it('grants a route only to credentials with its scope', () => {
      expect(scoped.authenticate(bearer('r'), 'read')).toEqual({ ok: true, name: 'grafana' });
      expect(scoped.authenticate(bearer('w'), 'read')).toEqual({ ok: true, name: 'oncall' });
      expect(scoped.authenticate(bearer('w'), 'write')).toEqual({ ok: true, name: 'oncall' });
      expect(scoped.authenticate(bearer('r'), 'write')).toEqual({
        ok: false,
        status: 403,
        message: 'needs write',
      });
    });

    it('checks the credential before the scope', () => {
      expect(scoped.authenticate({}, 'write')).toMatchObject({ status: 401 });
      expect(scoped.authenticate(bearer('x'), 'read')).toMatchObject({ status: 403, message: 'not valid' });
    });

    it('refuses a scoped route to a credential that has no scopes', () => {
      const plain = new TokenAuthenticator<'write'>({
        credentials: parse(`a:${hex('a')}`),
        disabled: false,
        presentation: 'bearer',
        messages,
      });
      expect(plain.authenticate(bearer('a'))).toEqual({ ok: true, name: 'a' });
      expect(plain.authenticate(bearer('a'), 'write')).toMatchObject({ ok: false, status: 403 });
    });
  });
});
