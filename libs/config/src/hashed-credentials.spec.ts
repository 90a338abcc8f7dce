import { ConfigError } from './config-error';
import {
  findCredential,
  hashedCredentialsVar,
  matchCredential,
  parseHashedCredentials,
  sha256,
} from './hashed-credentials';

const hex = (secret: string) => sha256(secret).toString('hex');

describe('parseHashedCredentials', () => {
  it('reads name:sha256 lines, skipping comments and blank lines, also comma-separated', () => {
    const credentials = parseHashedCredentials(
      `# production keys\n\nshop-web:${hex('a')}  # the web shop\n mobile : ${hex('b')},pos:${hex('c')}\n`,
      'PULSE_API_KEYS',
      'key',
    );
    expect(credentials.map((credential) => credential.name)).toEqual(['shop-web', 'mobile', 'pos']);
    expect(credentials[0]!.digest.equals(sha256('a'))).toBe(true);
  });

  it('names the line of a malformed entry without echoing it', () => {
    expect(() => parseHashedCredentials(`ok:${hex('a')}\nplain-secret-key`, 'PULSE_API_KEYS', 'key')).toThrow(
      'Invalid configuration: PULSE_API_KEYS line 2 must read "name:<SHA-256 of the key as 64 hex digits>" (got "<redacted>")',
    );
    expect(() => parseHashedCredentials('short:abc123', 'PULSE_REPORTING_TOKENS', 'token')).toThrow(
      /PULSE_REPORTING_TOKENS line 1 must read "name:<SHA-256 of the token/,
    );
  });

  it('refuses a name used twice', () => {
    expect(() => parseHashedCredentials(`a:${hex('x')}\na:${hex('y')}`, 'V', 'token')).toThrow(
      /line 2 repeats the token name "a"/,
    );
  });
});

describe('matchCredential', () => {
  const credentials = parseHashedCredentials(`web:${hex('web-key')}\npos:${hex('pos-key')}`, 'V', 'key');

  it('returns the name of the matching entry', () => {
    expect(matchCredential(credentials, 'pos-key')).toBe('pos');
    expect(matchCredential(credentials, 'web-key')).toBe('web');
  });

  it('returns undefined for an unknown or empty secret', () => {
    expect(matchCredential(credentials, 'nope')).toBeUndefined();
    expect(matchCredential(credentials, '')).toBeUndefined();
    expect(matchCredential([], 'web-key')).toBeUndefined();
  });

  it('findCredential gives the entry itself, with whatever the caller attached', () => {
    const scoped = credentials.map((credential) => ({ ...credential, scopes: [credential.name] }));
    expect(findCredential(scoped, 'pos-key')).toMatchObject({ name: 'pos', scopes: ['pos'] });
    expect(findCredential(scoped, 'nope')).toBeUndefined();
  });
});

describe('hashedCredentialsVar', () => {
  const variable = hashedCredentialsVar('tokens', { noun: 'token', disabledBy: 'PULSE_AUTH_DISABLED' });

  it('parses the configured entries', () => {
    expect(variable.read('PULSE_TOKENS', { PULSE_TOKENS: `ops:${hex('t')}` }).map((c) => c.name)).toEqual([
      'ops',
    ]);
  });

  it('refuses an empty list unless authentication is disabled explicitly', () => {
    expect(() => variable.read('PULSE_TOKENS', {})).toThrow(ConfigError);
    expect(() => variable.read('PULSE_TOKENS', {})).toThrow(
      'Invalid configuration: PULSE_TOKENS_FILE must name a file with at least one "name:sha256hex" line (or set PULSE_AUTH_DISABLED=true for local experiments) (it is not set)',
    );
    expect(variable.read('PULSE_TOKENS', { PULSE_AUTH_DISABLED: 'true' })).toEqual([]);
  });

  it('may be left empty when asked to, even with authentication on', () => {
    const optional = hashedCredentialsVar('tokens', {
      noun: 'token',
      disabledBy: 'PULSE_AUTH_DISABLED',
      mayBeEmpty: true,
    });
    expect(optional.read('PULSE_TOKENS', {})).toEqual([]);
    expect(optional.read('PULSE_TOKENS', { PULSE_TOKENS: `ops:${hex('t')}` })).toHaveLength(1);
  });
});
