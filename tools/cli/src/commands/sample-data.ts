import type { Command } from 'commander';
import { positiveInt, type CliContext } from '../cli';
import { DEFAULT_SAMPLE, writeSampleData } from '../sample-data/generate';

interface GenerateOptions {
  out: string;
  seed: number;
  products: number;
  customers: number;
}

export function register(program: Command, context: CliContext): void {
  program
    .command('sample-data')
    .description('The sample catalogue and customers shipped in deploy/sample-data')
    .command('generate')
    .description(
      'Write products.json and customers.csv, generated from a seeded random generator: the same\n' +
        'seed and counts always give the same bytes (the committed files use the defaults).',
    )
    .option('--out <dir>', 'where to write', 'deploy/sample-data')
    .option('--seed <n>', 'random seed', positiveInt('--seed'), DEFAULT_SAMPLE.seed)
    .option('--products <n>', 'number of products', positiveInt('--products'), DEFAULT_SAMPLE.products)
    .option('--customers <n>', 'number of customers', positiveInt('--customers'), DEFAULT_SAMPLE.customers)
    .action(async (options: GenerateOptions) => {
      const written = await writeSampleData(options.out, {
        ...DEFAULT_SAMPLE,
        seed: options.seed,
        products: options.products,
        customers: options.customers,
      });
      for (const file of written) context.out(`wrote ${file}`);
    });
}
