import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { parseRulesFile } from './rules-file';

const repoRoot = join(__dirname, '..', '..', '..', '..');

function errorsOf(text: string): string[] {
  const result = parseRulesFile(text);
  if (result.ok) throw new Error('expected the file to be rejected');
  return result.errors;
}

describe('parseRulesFile', () => {
  it('fills in the defaults of a minimal rule', () => {
    const result = parseRulesFile(
      'rules:\n  - name: drop\n    kind: order_drop\n    severity: critical\n    factor: 0.5\n',
    );
    expect(result).toEqual({
      ok: true,
      rules: [
        expect.objectContaining({
          name: 'drop',
          kind: 'order_drop',
          groupBy: 'total',
          window: 60_000,
          baselineWindows: 12,
          consecutiveWindows: 3,
          minBaselineOrders: 1,
          labels: {},
        }),
      ],
    });
  });

  it('parses durations', () => {
    const result = parseRulesFile(
      'rules:\n  - name: fraud\n    kind: fraud_velocity\n    severity: critical\n    maxOrders: 5\n    within: 10m\n    repeatInterval: 2h\n',
    );
    expect(result.ok && result.rules[0]).toMatchObject({ within: 600_000, repeatInterval: 7_200_000 });
  });

  it('names the path and line of each problem', () => {
    const errors = errorsOf(
      [
        'rules:',
        '  - name: spike',
        '    kind: revenue_spike',
        '    severity: loud',
        '    factor: -2',
        '    window: 5 minutes',
        '    facter: 3',
      ].join('\n'),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rules\[0\]\.severity \(line 4\): .*critical/),
        'rules[0].factor (line 5): must be greater than 0',
        'rules[0].window (line 6): must be a positive duration such as 30s, 10m, 1h or 7d',
        'rules[0] (line 2): unknown field(s) facter',
      ]),
    );
  });

  it('rejects an unknown kind with the list of kinds', () => {
    expect(errorsOf('rules:\n  - name: x\n    kind: weather\n    severity: info\n')).toEqual([
      'rules[0].kind (line 3): kind must be one of revenue_spike, order_drop, fraud_velocity, high_value_new_account, low_stock, data_quality',
    ]);
  });

  it('rejects rule names that cannot be NATS subject tokens', () => {
    expect(
      errorsOf(
        'rules:\n  - name: Revenue Spike!\n    kind: low_stock\n    severity: info\n    threshold: 3\n',
      )[0],
    ).toMatch(/^rules\[0\]\.name \(line 2\): must be 1-63 lower-case/);
  });

  it('rejects duplicate names', () => {
    const rule = '  - name: stock\n    kind: low_stock\n    severity: info\n    threshold: 3\n';
    expect(errorsOf(`rules:\n${rule}${rule}`)).toEqual(['rules[1].name (line 6): duplicates rules[0].name']);
  });

  it('asks for at least one limit of a fraud rule and of a data-quality rule', () => {
    expect(errorsOf('rules:\n  - name: f\n    kind: fraud_velocity\n    severity: info\n')).toEqual([
      'rules[0].maxOrders: set maxOrders, maxValue or both',
    ]);
    expect(errorsOf('rules:\n  - name: d\n    kind: data_quality\n    severity: info\n')).toEqual([
      'rules[0].maxDeadLetteredPerMinute: set maxDeadLetteredPerMinute, maxLatePerMinute or both',
    ]);
  });

  it('rejects minBaselineWindows above baselineWindows', () => {
    expect(
      errorsOf(
        'rules:\n  - name: s\n    kind: revenue_spike\n    severity: info\n    factor: 2\n    baselineWindows: 3\n    minBaselineWindows: 4\n',
      ),
    ).toEqual(['rules[0].minBaselineWindows (line 7): must be at most baselineWindows (3)']);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(errorsOf('rules:\n  - name: a\n   kind: x\n')).toEqual([
      expect.stringMatching(/at line 3, column \d+$/),
    ]);
  });

  it('rejects a file without rules and unknown top-level fields', () => {
    expect(errorsOf('')).toEqual(['rules: Invalid input: expected array, received undefined']);
    expect(errorsOf('rules: []\nextra: 1\n')).toEqual(['(root): unknown field(s) extra']);
  });

  it('accepts the local run rules file', () => {
    const result = parseRulesFile(readFileSync(join(repoRoot, 'deploy/local/alert-rules.yaml'), 'utf8'));
    expect(result.ok && result.rules.map((rule) => rule.kind).sort()).toEqual([
      'data_quality',
      'fraud_velocity',
      'high_value_new_account',
      'low_stock',
      'order_drop',
      'revenue_spike',
    ]);
  });

  it('accepts the rules shipped in the Helm chart values', () => {
    const values = parseDocument(readFileSync(join(repoRoot, 'helm/pulse/values.yaml'), 'utf8')).toJS() as {
      alert: { rules: string };
    };
    const result = parseRulesFile(values.alert.rules);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
