import { createHash } from 'node:crypto';
import { ConfigError } from '@pulse/config';
import { ReadTokenAuthenticator, parseReadTokens } from './read-tokens';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

describe('read tokens', () => {
  it('parses name:sha256 lines, comments and commas', () => {
    const tokens = parseReadTokens(
      `# dashboards\ngrafana:${digest('a')}\n\nops:${digest('b')}, ci:${digest('c')}\n`,
    );
    expect(tokens.map((token) => token.name)).toEqual(['grafana', 'ops', 'ci']);
  });

  it('refuses malformed or repeated entries without echoing them', () => {
    expect(() => parseReadTokens('grafana:not-a-digest')).toThrow(ConfigError);
    expect(() => parseReadTokens(`a:${digest('a')}\na:${digest('b')}`)).toThrow(/repeats the token name "a"/);
  });

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
