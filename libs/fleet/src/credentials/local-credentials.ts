import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** An ingestion API key, a reporting token and an alert token for a local run, and the files the services read. */
export interface LocalCredentials {
  apiKey: string;
  /** `name:sha256hex` lines: give it to ingestion as PULSE_API_KEYS_FILE. */
  apiKeysFile: string;
  reportingToken: string;
  /** `name:sha256hex` lines: give it to reporting as PULSE_REPORTING_TOKENS_FILE. */
  reportingTokensFile: string;
  /** A write token of the alert API (silences; it may read too). */
  alertToken: string;
  /** `name:sha256hex` lines: give it to alert as PULSE_ALERT_WRITE_TOKENS_FILE. */
  alertTokensFile: string;
}

const NAME = 'local';

/**
 * Creates (or reuses, so URLs printed earlier keep working) a random API key, reporting token and
 * alert token under `dir`. The services only ever see the SHA-256 digests; the secrets themselves are
 * kept next to them, readable by the owner only, for the person running Pulse locally.
 */
export function ensureLocalCredentials(dir: string): LocalCredentials {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const apiKey = secret(join(dir, 'api-key'));
  const reportingToken = secret(join(dir, 'reporting-token'));
  const alertToken = secret(join(dir, 'alert-token'));
  const apiKeysFile = join(dir, 'api-keys');
  const reportingTokensFile = join(dir, 'reporting-tokens');
  const alertTokensFile = join(dir, 'alert-tokens');
  writePrivate(apiKeysFile, `${NAME}:${sha256Hex(apiKey)}\n`);
  writePrivate(reportingTokensFile, `${NAME}:${sha256Hex(reportingToken)}\n`);
  writePrivate(alertTokensFile, `${NAME}:${sha256Hex(alertToken)}\n`);
  return { apiKey, apiKeysFile, reportingToken, reportingTokensFile, alertToken, alertTokensFile };
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function secret(file: string): string {
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing !== '') return existing;
  }
  const value = randomBytes(24).toString('base64url');
  writePrivate(file, `${value}\n`);
  return value;
}

function writePrivate(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}
