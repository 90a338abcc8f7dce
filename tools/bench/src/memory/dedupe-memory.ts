/**
 * Heap held per remembered event id by aggregation's dedupe set (docs/performance.md, "Aggregation's
 * dedupe set"). Not a test and not a bench cell: run it after `npm run build` with
 *   npx node --expose-gc dist/tools/bench/src/memory/dedupe-memory.js [ids…]
 * Ids come from JSON.parse, as in the service, one bucket per 10,000 ids.
 *
 * It measures the service's own compiled `DedupeLog` from dist, as the bench runs the services'
 * builds: a tool never imports a service's source (module boundaries).
 */
import { existsSync } from 'node:fs';
import { findRepoRoot } from '@pulse/fleet';
import { entryPoint } from '../run-context';

/** What this script uses of aggregation's `DedupeLog` (services/aggregation/src/state/dedupe-log.ts). */
interface DedupeLog {
  add(id: string, arrival: number, offset: number, maxBefore: number): void;
  readonly size: number;
  readonly byteLength: number;
}
type DedupeLogClass = new (bucketMs: number, horizonMs: number, seed?: number) => DedupeLog;

function loadDedupeLog(): DedupeLogClass {
  const file = entryPoint(
    findRepoRoot(__dirname),
    'services',
    'aggregation',
    'src',
    'state',
    'dedupe-log.js',
  );
  if (!existsSync(file)) throw new Error(`not built: ${file} — run \`npm run build\` first`);
  return (require(file) as { DedupeLog: DedupeLogClass }).DedupeLog;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

function measure(
  Log: DedupeLogClass,
  count: number,
): { count: number; bytesPerId: number; heldBytes: number } {
  const before = heapAfterGc();
  const log = new Log(10_000, 10 * count, 1);
  for (let i = 0; i < count; i += 1) {
    const { id } = JSON.parse(`{"id":"lg-${(i * 2_654_435_761) % 4_294_967_291}-${i}-flash-sale"}`) as {
      id: string;
    };
    log.add(id, Math.floor(i / 10_000) * 10_000, i, 0);
  }
  const after = heapAfterGc();
  if (log.size !== count) throw new Error(`expected ${count} ids, remembered ${log.size}`);
  return { count, bytesPerId: Math.round((after - before) / count), heldBytes: log.byteLength };
}

if (gc === undefined) {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const Log = loadDedupeLog();
const counts = process.argv.slice(2).map(Number);
for (const count of counts.length > 0 ? counts : [1_000_000, 3_000_000, 5_000_000]) {
  console.log(JSON.stringify(measure(Log, count)));
}
