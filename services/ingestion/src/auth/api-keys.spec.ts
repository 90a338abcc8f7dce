import { parseHashedCredentials, sha256 } from '@pulse/config';
import { ApiKeyAuthenticator, presentedKey } from './api-keys';

const parseApiKeys = (text: string) => parseHashedCredentials(text, 'PULSE_API_KEYS', 'key');

const hex = (key: string) => sha256(key).toString('hex');

describe('presentedKey', () => {
  it('takes x-api-key first, then a Bearer token', () => {
    expect(presentedKey({ 'x-api-key': ' k1 ', authorization: 'Bearer k2' })).toBe('k1');
    expect(presentedKey({ authorization: 'bearer   k2' })).toBe('k2');
    expect(presentedKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(presentedKey({ 'x-api-key': '' })).toBeUndefined();
    expect(presentedKey({ 'x-api-key': ['a', 'b'] })).toBeUndefined();
  });
});

describe('ApiKeyAuthenticator', () => {
  const authenticator = new ApiKeyAuthenticator(
    parseApiKeys(`web:${hex('web-key')}\npos:${hex('pos-key')}`),
    false,
  );

  it('names the key that matched', () => {
    expect(authenticator.authenticate({ 'x-api-key': 'pos-key' })).toEqual({ ok: true, keyName: 'pos' });
    expect(authenticator.authenticate({ authorization: 'Bearer web-key' })).toEqual({
      ok: true,
      keyName: 'web',
    });
  });

  it('answers 401 without a key and 403 with a wrong one', () => {
    expect(authenticator.authenticate({})).toMatchObject({ ok: false, status: 401 });
    expect(authenticator.authenticate({ 'x-api-key': 'web-key ' + 'x' })).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(authenticator.authenticate({ 'x-api-key': hex('web-key') })).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('lets everyone in as anonymous when disabled', () => {
    expect(new ApiKeyAuthenticator([], true).authenticate({})).toEqual({ ok: true, keyName: 'anonymous' });
  });
});
