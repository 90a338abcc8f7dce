import { createHash, randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { CliError, type CliContext } from '../cli';

const NAME = /^[A-Za-z0-9][\w.@-]{0,63}$/;

/** A new random key and the line for ingestion's key file; only the digest is ever stored. */
export function createApiKey(name: string): { key: string; line: string } {
  if (!NAME.test(name)) {
    throw new CliError(
      'the name must start with a letter or digit and use letters, digits, . _ @ - (at most 64)',
      2,
    );
  }
  const key = randomBytes(32).toString('base64url');
  return { key, line: `${name}:${createHash('sha256').update(key).digest('hex')}` };
}

export function register(program: Command, context: CliContext): void {
  const apiKey = program.command('api-key').description('API keys for the ingestion HTTP API');
  apiKey
    .command('create')
    .description(
      'Create a random API key. Prints the key (give it to the client; it is not stored anywhere)\n' +
        'and the "name:sha256" line to append to the file named by ingestion\'s PULSE_API_KEYS_FILE.',
    )
    .argument('<name>', 'who the key is for, e.g. web-shop (shown in rate-limit decisions)')
    .action((name: string) => {
      const { key, line } = createApiKey(name);
      context.out(`key:  ${key}`);
      context.out(`line: ${line}`);
    });
  apiKey
    .command('hash')
    .description(
      'Print the key-file line for an existing key read from stdin (keeps it out of shell history)',
    )
    .argument('<name>', 'who the key is for')
    .action(async (name: string) => {
      if (!NAME.test(name)) throw new CliError('invalid name', 2);
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
      const key = Buffer.concat(chunks).toString('utf8').trim();
      if (key === '') throw new CliError('no key on stdin', 2);
      context.out(`${name}:${createHash('sha256').update(key).digest('hex')}`);
    });
}
