import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalCredentials, sha256Hex } from './local-credentials';

describe('ensureLocalCredentials', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'creds-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes digests for the services and keeps the secrets private', () => {
    const credentials = ensureLocalCredentials(join(dir, 'credentials'));
    expect(credentials.apiKey).not.toBe(credentials.reportingToken);
    expect(readFileSync(credentials.apiKeysFile, 'utf8')).toBe(`local:${sha256Hex(credentials.apiKey)}\n`);
    expect(readFileSync(credentials.reportingTokensFile, 'utf8')).toBe(
      `local:${sha256Hex(credentials.reportingToken)}\n`,
    );
    expect(readFileSync(credentials.alertTokensFile, 'utf8')).toBe(
      `local:${sha256Hex(credentials.alertToken)}\n`,
    );
    expect(new Set([credentials.apiKey, credentials.reportingToken, credentials.alertToken]).size).toBe(3);
    expect(statSync(join(dir, 'credentials', 'api-key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'credentials', 'alert-token')).mode & 0o777).toBe(0o600);
  });

  it('reuses the same secrets on the next run', () => {
    const first = ensureLocalCredentials(dir);
    expect(ensureLocalCredentials(dir)).toEqual(first);
  });
});
