import { ApiKeyAuthenticator, parseApiKeys, presentedKey, sha256 } from './api-keys';

const hex = (key: string) => sha256(key).toString('hex');

describe('parseApiKeys', () => {
  it('reads name:sha256 lines, skipping comments and blank lines, also comma-separated', () => {
    const keys = parseApiKeys(
      `# production keys\n\nshop-web:${hex('a')}  # the web shop\n mobile : ${hex('b')},pos:${hex('c')}\n`,
    );
    expect(keys.map((key) => key.name)).toEqual(['shop-web', 'mobile', 'pos']);
    expect(keys[0]!.digest.equals(sha256('a'))).toBe(true);
  });

  it('names the line of a malformed entry without echoing it', () => {
    expect(() => parseApiKeys(`ok:${hex('a')}\nplain-secret-key`)).toThrow(
      'Invalid configuration: PULSE_API_KEYS line 2 must read "name:<SHA-256 of the key as 64 hex digits>" (got "<redacted>")',
    );
    expect(() => parseApiKeys(`short:abc123`)).toThrow(/line 1/);
  });

  it('refuses a name used twice', () => {
    expect(() => parseApiKeys(`a:${hex('x')}\na:${hex('y')}`)).toThrow(/line 2 repeats the key name "a"/);
  });
});

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
