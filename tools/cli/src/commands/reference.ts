import type { Command } from 'commander';
import type { OutgoingRecord } from '@pulse/kafka';
import { CliError, type CliContext } from '../cli';
import { withKafka } from '../kafka-context';
import { readRecords } from '../reference/read-records';
import { CUSTOMERS, PRODUCTS, type ReferenceKind } from '../reference/reference-kinds';
import { describeInvalid, validateRecords } from '../reference/validate-records';

/** Records per produce request: large enough to be quick, small enough for any broker's limits. */
const CHUNK = 500;
const JSON_HEADERS = { 'content-type': 'application/json' };

interface LoadOptions {
  products?: string;
  customers?: string;
  skipInvalid?: boolean;
  dryRun?: boolean;
}

interface Plan {
  kind: ReferenceKind<{ id: string }>;
  file: string;
  records: { id: string }[];
}

async function plan(
  kind: ReferenceKind<{ id: string }>,
  file: string,
  options: LoadOptions,
  context: CliContext,
): Promise<{ plan: Plan; invalid: number }> {
  const validated = validateRecords(kind, await readRecords(file, kind.csv));
  for (const record of validated.invalid) for (const line of describeInvalid(file, record)) context.err(line);
  if (validated.duplicateIds.length > 0) {
    context.err(
      `${file}: ${validated.duplicateIds.length} id(s) appear more than once; the last record wins ` +
        `(e.g. ${validated.duplicateIds.slice(0, 3).join(', ')})`,
    );
  }
  const skipped =
    options.skipInvalid && validated.invalid.length > 0
      ? `, ${validated.invalid.length} invalid skipped`
      : '';
  context.err(`${kind.name}: ${validated.valid.length} valid in ${file}${skipped}`);
  return { plan: { kind, file, records: validated.valid }, invalid: validated.invalid.length };
}

async function load(options: LoadOptions, context: CliContext): Promise<void> {
  const inputs: [ReferenceKind<{ id: string }>, string | undefined][] = [
    [PRODUCTS, options.products],
    [CUSTOMERS, options.customers],
  ];
  const requested = inputs.filter(
    (input): input is [ReferenceKind<{ id: string }>, string] => input[1] !== undefined,
  );
  if (requested.length === 0)
    throw new CliError('name at least one file: --products <file> and/or --customers <file>', 2);

  // Validate everything before writing anything: a half-loaded catalogue is worse than none.
  const plans: Plan[] = [];
  let invalid = 0;
  for (const [kind, file] of requested) {
    const result = await plan(kind, file, options, context);
    plans.push(result.plan);
    invalid += result.invalid;
  }
  if (invalid > 0 && !options.skipInvalid) {
    throw new CliError(
      `${invalid} invalid record(s): nothing was loaded (fix them, or load the rest with --skip-invalid)`,
    );
  }
  if (options.dryRun) {
    context.out('dry run: nothing was loaded');
    return;
  }
  await withKafka(context, async (kafka) => {
    const producer = await kafka.producer();
    for (const { kind, records } of plans) {
      const topic = kind.topic(kafka.topics);
      for (let start = 0; start < records.length; start += CHUNK) {
        const chunk: OutgoingRecord[] = records.slice(start, start + CHUNK).map((record) => ({
          topic,
          key: record.id,
          value: JSON.stringify(record),
          headers: JSON_HEADERS,
        }));
        await producer.send(chunk);
      }
      context.out(`loaded ${records.length} ${kind.name} into ${topic}`);
    }
  });
}

async function remove(kindName: string, ids: string[], context: CliContext): Promise<void> {
  const kind = [PRODUCTS, CUSTOMERS].find((candidate) => candidate.name === kindName);
  if (!kind) throw new CliError(`unknown kind "${kindName}": use products or customers`, 2);
  await withKafka(context, async (kafka) => {
    const topic = kind.topic(kafka.topics);
    const producer = await kafka.producer();
    // A tombstone (null value) deletes the key from the compacted topic and from every reader's table.
    await producer.send(ids.map((id) => ({ topic, key: id, value: null })));
    for (const id of ids) context.out(`deleted ${kind.name} ${id} (tombstone in ${topic})`);
  });
}

export function register(program: Command, context: CliContext): void {
  const reference = program
    .command('reference')
    .description('Reference data (products, customers) on the compacted topics enrichment reads');
  reference
    .command('load')
    .description(
      'Validate reference data against the contract and write it to the compacted topics, keyed by id.\n' +
        'Files: .json (an array of records), .ndjson (one record per line) or .csv (a header row;\n' +
        'product tags separated by "|"). Products: id, name, category, price, currency, tags, stock.\n' +
        'Customers: id, segment, signupTime (RFC 3339), country (ISO alpha-2).\n' +
        'Invalid records are listed with file:line and the field; by default nothing is loaded then.\n' +
        'Loading again is safe: the latest record per id wins.',
    )
    .option('--products <file>', 'products to load')
    .option('--customers <file>', 'customers to load')
    .option('--skip-invalid', 'load the valid records even if some are invalid')
    .option('--dry-run', 'validate only; write nothing')
    .addHelpText(
      'after',
      '\nExample:\n  pulse reference load --products deploy/sample-data/products.json --customers deploy/sample-data/customers.csv',
    )
    .action((options: LoadOptions) => load(options, context));
  reference
    .command('delete')
    .description('Delete products or customers: writes a tombstone per id, so enrichment forgets them')
    .argument('<kind>', 'products or customers')
    .argument('<ids...>', 'ids to delete')
    .addHelpText('after', '\nExample:\n  pulse reference delete products p-0042 p-0043')
    .action((kind: string, ids: string[]) => remove(kind, ids, context));
}
