import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliContext } from './cli';
import * as apiKey from './commands/api-key';
import * as reference from './commands/reference';
import * as topics from './commands/topics';
import { createHash } from 'node:crypto';

function capture(env: Record<string, string> = {}): CliContext & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { env, stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

const run = (context: CliContext, ...args: string[]) =>
  runCli([topics, reference, apiKey], ['node', 'pulse', ...args], context);

describe('pulse CLI', () => {
  it('explains itself', async () => {
    const context = capture();
    expect(await run(context, 'reference', 'load', '--help')).toBe(0);
    const help = context.stdout.join('\n');
    expect(help).toMatch(/--products <file>/);
    expect(help).toMatch(/--skip-invalid/);
    expect(help).toMatch(/file:line/);
  });

  it('refuses a load without files, with usage exit code 2', async () => {
    const context = capture();
    expect(await run(context, 'reference', 'load')).toBe(2);
    expect(context.stderr).toEqual([
      'error: name at least one file: --products <file> and/or --customers <file>',
    ]);
  });

  it('validates before loading: lists every invalid row and loads nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-cli-'));
    const file = join(dir, 'customers.csv');
    await writeFile(
      file,
      'id,segment,signupTime,country\nc-1,new,2026-01-01T00:00:00Z,DE\nc-2,new,never,DE\n',
    );
    const context = capture({ PULSE_KAFKA_BROKERS: '127.0.0.1:1' });
    expect(await run(context, 'reference', 'load', '--customers', file)).toBe(1);
    expect(context.stderr).toEqual([
      `${file}:3 (record 2): signupTime: must be an RFC 3339 timestamp with a time zone`,
      `customers: 1 valid in ${file}`,
      'error: 1 invalid record(s): nothing was loaded (fix them, or load the rest with --skip-invalid)',
    ]);
    const dry = capture();
    expect(await run(dry, 'reference', 'load', '--customers', file, '--skip-invalid', '--dry-run')).toBe(0);
    expect(dry.stdout).toEqual(['dry run: nothing was loaded']);
  });

  it('rejects an unknown kind to delete', async () => {
    const context = capture();
    expect(await run(context, 'reference', 'delete', 'orders', 'o-1')).toBe(2);
    expect(context.stderr[0]).toMatch(/unknown kind "orders"/);
  });

  it('names a bad configuration variable with exit code 78', async () => {
    const context = capture({ PULSE_TOPIC_PARTITIONS: 'many' });
    expect(await run(context, 'topics', 'ensure')).toBe(78);
    expect(context.stderr[0]).toMatch(/^Invalid configuration: PULSE_TOPIC_PARTITIONS must be an integer/);
  });

  it('creates an API key and the line for the key file', async () => {
    const context = capture();
    expect(await run(context, 'api-key', 'create', 'web-shop')).toBe(0);
    const key = context.stdout[0]!.replace('key:  ', '');
    expect(key).toMatch(/^[\w-]{43}$/);
    expect(context.stdout[1]).toBe(`line: web-shop:${createHash('sha256').update(key).digest('hex')}`);
    expect(await run(capture(), 'api-key', 'create', 'bad name!')).toBe(2);
  });
});
