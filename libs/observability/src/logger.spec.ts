import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createLogger, PinoNestLogger } from './logger';

const provider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
});

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

/** A logger writing to memory; each entry is one parsed JSON line. */
function capture(level = 'info') {
  const lines: string[] = [];
  const logger = createLogger('orders', level, { write: (line: string) => void lines.push(line) });
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, entries };
}

describe('createLogger', () => {
  it('writes one JSON line per entry with the service, a level label and an ISO time', () => {
    const { logger, lines, entries } = capture();
    logger.info({ orderId: 'o-1' }, 'order accepted');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const [entry] = entries();
    expect(entry).toMatchObject({ level: 'info', service: 'orders', orderId: 'o-1', msg: 'order accepted' });
    expect(new Date(String(entry!['time'])).toISOString()).toBe(entry!['time']);
  });

  it('honours the level', () => {
    const { logger, entries } = capture('warn');
    logger.info('hidden');
    logger.warn('shown');
    expect(entries().map((entry) => entry['msg'])).toEqual(['shown']);
  });

  it('adds the trace and span ids of the active span', async () => {
    const { logger, entries } = capture();
    const span = trace.getTracer('spec').startSpan('handle order');
    await context.with(trace.setSpan(context.active(), span), async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info('inside');
    });
    span.end();
    logger.info('outside');

    const [inside, outside] = entries();
    expect(inside).toMatchObject({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(inside!['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span_id');
  });

  it('redacts credentials in request headers', () => {
    const { logger, lines, entries } = capture();
    logger.info(
      { req: { headers: { authorization: 'Bearer s3cr3t', 'x-api-key': 'k3y', accept: 'json' } } },
      'request',
    );
    logger.info({ headers: { authorization: 'Basic czNjcjN0', 'x-api-key': 'k3y' } }, 'outgoing');
    expect(entries()[0]).toMatchObject({
      req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'json' } },
    });
    expect(entries()[1]).toMatchObject({
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' },
    });
    expect(lines.join('')).not.toMatch(/s3cr3t|k3y|czNjcjN0/);
  });

  it('redacts passwords, tokens and webhook URLs, at the top level and one level down', () => {
    const { logger, lines, entries } = capture();
    logger.info(
      { password: 'pw-top', token: 'tok-top', webhookUrl: 'https://hooks.example/top' },
      'top level',
    );
    logger.info(
      {
        influx: { password: 'pw-nested', token: 'tok-nested' },
        slack: { webhookUrl: 'https://hooks.example/n' },
      },
      'nested',
    );
    expect(entries()[0]).toMatchObject({
      password: '[redacted]',
      token: '[redacted]',
      webhookUrl: '[redacted]',
    });
    expect(entries()[1]).toMatchObject({
      influx: { password: '[redacted]', token: '[redacted]' },
      slack: { webhookUrl: '[redacted]' },
    });
    expect(lines.join('')).not.toMatch(/pw-|tok-|hooks\.example/);
  });
});

describe('PinoNestLogger', () => {
  it('sends Nest’s messages through the JSON logger with their context', () => {
    const { logger, entries } = capture('trace');
    const nest = new PinoNestLogger(logger);
    nest.log('Nest application successfully started', 'NestApplication');
    nest.error('boom', 'Error: boom\n    at x', 'ExceptionsHandler');
    nest.warn('careful', 'Scanner');
    nest.debug('details', 'Router');
    nest.verbose('chatter', 'Router');
    expect(entries().map(({ level, msg, context: ctx }) => [level, msg, ctx])).toEqual([
      ['info', 'Nest application successfully started', 'NestApplication'],
      ['error', 'boom', 'ExceptionsHandler'],
      ['warn', 'careful', 'Scanner'],
      ['debug', 'details', 'Router'],
      ['trace', 'chatter', 'Router'],
    ]);
    expect(entries()[1]).toMatchObject({ stack: 'Error: boom\n    at x' });
  });
});
