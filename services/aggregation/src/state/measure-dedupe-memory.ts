/**
 * Heap held per remembered event id by aggregation's dedupe set (docs/performance.md, "Aggregation's
 * dedupe set"). Not a test: run it after `npm run build` with
 *   node --expose-gc dist/services/aggregation/src/state/measure-dedupe-memory.js [ids…]
 * Ids come from JSON.parse, as in the service, one bucket per 10,000 ids.
 */
import { DedupeLog } from './dedupe-log';

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

function measure(count: number): { count: number; bytesPerId: number; heldBytes: number } {
  const before = heapAfterGc();
  const log = new DedupeLog(10_000, 10 * count, 1);
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
const counts = process.argv.slice(2).map(Number);
for (const count of counts.length > 0 ? counts : [1_000_000, 3_000_000, 5_000_000]) {
  console.log(JSON.stringify(measure(count)));
}
