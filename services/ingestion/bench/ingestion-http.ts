/**
 * Benchmark of a running ingestion service (not a test): events/s through the batch endpoint
 * (batches of 500) and latency of the single-event endpoint, with autocannon.
 *
 *   npm run build
 *   PULSE_BENCH_API_KEY=<key> node dist/services/ingestion/bench/ingestion-http.js
 *
 * Start ingestion with a rate limit above what you measure, e.g.
 * PULSE_RATE_LIMIT_PER_SECOND=10000000 PULSE_RATE_LIMIT_BURST=10000000, or the 429s measure
 * the limiter instead. Settings (env): PULSE_BENCH_URL (default http://127.0.0.1:3001; loopback
 * only), PULSE_BENCH_DURATION_S (15 per scenario), PULSE_BENCH_BATCH_CONNECTIONS (4),
 * PULSE_BENCH_SINGLE_CONNECTIONS (32). Prints a summary and one JSON line with the figures.
 */
import autocannon from 'autocannon';

const EVENT_TYPES = [
  'com.pulse.product.viewed.v1',
  'com.pulse.cart.item_added.v1',
  'com.pulse.order.placed.v1',
] as const;
const BATCH_SIZE = 500;
const BODY_VARIANTS = 64;

interface Settings {
  url: URL;
  apiKey: string;
  durationS: number;
  batchConnections: number;
  singleConnections: number;
}

function settings(): Settings {
  const url = new URL(process.env.PULSE_BENCH_URL ?? 'http://127.0.0.1:3001');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`PULSE_BENCH_URL must point at this machine (loopback), not ${url.hostname}`);
  }
  const apiKey = process.env.PULSE_BENCH_API_KEY;
  if (!apiKey)
    throw new Error('PULSE_BENCH_API_KEY is required (create one with: pulse api-key create bench)');
  const int = (name: string, fallback: number) => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1 || value > 600)
      throw new Error(`${name} must be a whole number 1..600`);
    return value;
  };
  return {
    url,
    apiKey,
    durationS: int('PULSE_BENCH_DURATION_S', 15),
    batchConnections: int('PULSE_BENCH_BATCH_CONNECTIONS', 4),
    singleConnections: int('PULSE_BENCH_SINGLE_CONNECTIONS', 32),
  };
}

/** A realistic event: sample-data ids, spread over customers (and so partitions) and types. */
function event(n: number, time: string): Record<string, unknown> {
  const type = EVENT_TYPES[n % EVENT_TYPES.length] as (typeof EVENT_TYPES)[number];
  const customerid = `c-${String(((n * 7919) % 3000) + 1).padStart(5, '0')}`;
  const productId = `p-${String(((n * 104_729) % 300) + 1).padStart(4, '0')}`;
  const base = { source: 'bench', type, time, customerid, country: n % 5 === 0 ? undefined : 'DE' };
  if (type === 'com.pulse.order.placed.v1') {
    return {
      ...base,
      data: {
        orderId: `o-${n}`,
        currency: 'USD',
        lines: [{ productId, quantity: 1 + (n % 3), unitPrice: 19.99 }],
      },
    };
  }
  if (type === 'com.pulse.cart.item_added.v1') return { ...base, data: { productId, quantity: 1 } };
  return { ...base, data: { productId } };
}

function bodies(count: number, eventsPerBody: number | null): string[] {
  // Event times a few seconds in the past, fixed for the run: well inside what ingestion accepts.
  const time = new Date(Date.now() - 5_000).toISOString();
  return Array.from({ length: count }, (_, variant) =>
    eventsPerBody === null
      ? JSON.stringify(event(variant, time))
      : JSON.stringify(
          Array.from({ length: eventsPerBody }, (_, i) => event(variant * eventsPerBody + i, time)),
        ),
  );
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    process.once('SIGINT', () => instance.stop());
  });
}

function requestsCycling(path: string, variants: string[]): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'POST',
      path,
      setupRequest: (request) => {
        next = (next + 1) % variants.length;
        return { ...request, body: variants[next] };
      },
    },
  ];
}

function statusLine(result: autocannon.Result): string {
  const codes = Object.entries(result.statusCodeStats ?? {})
    .map(([code, stats]) => `${code}×${stats.count ?? 0}`)
    .join(' ');
  return `status ${codes || 'none'}, errors ${result.errors}, timeouts ${result.timeouts}`;
}

async function main(): Promise<void> {
  const config = settings();
  const headers = { 'content-type': 'application/json', 'x-api-key': config.apiKey };
  const base = { url: config.url.origin, headers, duration: config.durationS };

  const warmup = await run({
    ...base,
    duration: 3,
    connections: 8,
    requests: requestsCycling('/v1/events', bodies(16, null)),
  });
  if (warmup['2xx'] === 0)
    throw new Error(`the service accepted nothing during warm-up (${statusLine(warmup)})`);

  const batch = await run({
    ...base,
    title: `batch of ${BATCH_SIZE}`,
    connections: config.batchConnections,
    requests: requestsCycling('/v1/events/batch', bodies(BODY_VARIANTS, BATCH_SIZE)),
  });
  const batchEventsPerSecond = (batch['2xx'] * BATCH_SIZE) / batch.duration;

  const single = await run({
    ...base,
    title: 'single event',
    connections: config.singleConnections,
    requests: requestsCycling('/v1/events', bodies(BODY_VARIANTS * 8, null)),
  });

  const lines = [
    `batch endpoint (${BATCH_SIZE} events/request, ${config.batchConnections} connections, ${batch.duration.toFixed(1)} s):`,
    `  ${Math.round(batchEventsPerSecond)} events/s accepted (${(batch['2xx'] / batch.duration).toFixed(1)} requests/s)`,
    `  latency p50 ${batch.latency.p50} ms, p99 ${batch.latency.p99} ms; ${statusLine(batch)}`,
    `single-event endpoint (${config.singleConnections} connections, ${single.duration.toFixed(1)} s):`,
    `  ${Math.round(single['2xx'] / single.duration)} events/s accepted`,
    `  latency p50 ${single.latency.p50} ms, p90 ${single.latency.p90} ms, p99 ${single.latency.p99} ms, max ${single.latency.max} ms`,
    `  ${statusLine(single)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({
      batchEventsPerSecond: Math.round(batchEventsPerSecond),
      batchLatencyP99Ms: batch.latency.p99,
      singleRequestsPerSecond: Math.round(single['2xx'] / single.duration),
      singleLatencyP50Ms: single.latency.p50,
      singleLatencyP99Ms: single.latency.p99,
      non2xx: batch.non2xx + single.non2xx,
    })}\n`,
  );
  if (batch.non2xx + single.non2xx > 0) {
    process.stderr.write(
      'warning: some answers were not 2xx (429 = raise the rate limit of the service under test)\n',
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
