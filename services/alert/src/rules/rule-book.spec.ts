import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@pulse/observability';
import { Registry } from 'prom-client';
import { AlertMetrics } from '../metrics/alert-metrics';
import { RuleBook, RulesFileError } from './rule-book';

const STOCK = 'rules:\n  - name: stock\n    kind: low_stock\n    severity: info\n    threshold: 5\n';
const STOCK_AND_FRAUD = `${STOCK}  - name: fraud\n    kind: fraud_velocity\n    severity: critical\n    maxOrders: 3\n`;

describe('RuleBook', () => {
  let dir: string;
  let file: string;
  let registry: Registry;
  let book: RuleBook;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pulse-rules-'));
    file = join(dir, 'rules.yaml');
    registry = new Registry();
    book = new RuleBook(file, createLogger('alert-test', 'silent'), new AlertMetrics(registry));
  });

  afterEach(() => {
    book.stopWatching();
    rmSync(dir, { recursive: true, force: true });
  });

  async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    const found = (await registry.getMetricsAsJSON()).find((entry) => entry.name === name);
    return found?.values.find((value) => Object.entries(labels).every(([k, v]) => value.labels[k] === v))
      ?.value;
  }

  it('refuses to start from an invalid file', async () => {
    writeFileSync(file, 'rules:\n  - name: stock\n    kind: low_stock\n    severity: info\n');
    await expect(book.load()).rejects.toThrow(RulesFileError);
    await expect(book.load()).rejects.toThrow(/rules\[0\]\.threshold/);
  });

  it('applies a valid change and tells listeners', async () => {
    writeFileSync(file, STOCK);
    await book.load();
    const seen: string[][] = [];
    book.onChange((rules) => seen.push(rules.map((rule) => rule.name)));

    writeFileSync(file, STOCK_AND_FRAUD);
    await book.checkNow();

    expect(book.rules().map((rule) => rule.name)).toEqual(['stock', 'fraud']);
    expect(book.ofKind('fraud_velocity').map((rule) => rule.maxOrders)).toEqual([3]);
    expect(seen).toEqual([['stock', 'fraud']]);
    expect(book.status().lastChange).toMatchObject({ outcome: 'loaded', errors: [] });
    expect(await metric('pulse_alert_rules_active')).toBe(2);
  });

  it('keeps the previous rules when the new file is invalid, and says why', async () => {
    writeFileSync(file, STOCK);
    await book.load();
    writeFileSync(
      file,
      'rules:\n  - name: stock\n    kind: low_stock\n    severity: info\n    threshold: zero\n',
    );
    await book.checkNow();

    expect(book.rules().map((rule) => rule.name)).toEqual(['stock']);
    expect(book.status().lastChange).toMatchObject({
      outcome: 'rejected',
      errors: ['rules[0].threshold (line 5): Invalid input: expected number, received string'],
    });
    expect(await metric('pulse_alert_rules_reloads_total', { outcome: 'invalid' })).toBe(1);
    expect(await metric('pulse_alert_rules_last_reload_ok')).toBe(0);

    // The same bad content is not reported again; a fixed file applies.
    await book.checkNow();
    expect(await metric('pulse_alert_rules_reloads_total', { outcome: 'invalid' })).toBe(1);
    writeFileSync(file, STOCK_AND_FRAUD);
    await book.checkNow();
    expect(book.rules()).toHaveLength(2);
    expect(await metric('pulse_alert_rules_last_reload_ok')).toBe(1);
  });

  it('keeps the rules when the file disappears', async () => {
    writeFileSync(file, STOCK);
    await book.load();
    rmSync(file);
    await book.checkNow();
    expect(book.rules()).toHaveLength(1);
    expect(book.status().lastChange?.errors[0]).toMatch(/^cannot read /);
  });

  it('notices a change by itself when watching', async () => {
    writeFileSync(file, STOCK);
    await book.load();
    book.startWatching(20);
    writeFileSync(file, STOCK_AND_FRAUD);
    const deadline = Date.now() + 5_000;
    while (book.rules().length !== 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(book.rules()).toHaveLength(2);
  });
});
