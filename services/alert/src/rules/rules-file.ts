import { formatPath } from '@pulse/contracts';
import { LineCounter, isNode, parseDocument } from 'yaml';
import { rulesFileSchema, type Rule } from './rule-schema';

export type RulesParseResult = { ok: true; rules: Rule[] } | { ok: false; errors: string[] };

/**
 * Parses and validates the rules file. Each error names the path in the file and, when the
 * node exists, its line: `rules[2].factor (line 14): must be greater than 0`.
 */
export function parseRulesFile(text: string): RulesParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      errors: document.errors.map((error) => {
        // With prettyErrors the first line reads "<what> at line L, column C:".
        const firstLine = (error.message.split('\n')[0] ?? error.message).replace(/:$/, '');
        return error.linePos ? firstLine : `YAML: ${firstLine}`;
      }),
    };
  }
  const result = rulesFileSchema.safeParse(document.toJS() ?? {});
  if (result.success) return { ok: true, rules: result.data.rules };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => {
      const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
      const node = path.length > 0 ? document.getIn(path, true) : undefined;
      const offset = isNode(node) ? node.range?.[0] : undefined;
      const line = offset === undefined ? '' : ` (line ${lineCounter.linePos(offset).line})`;
      return `${formatPath(path)}${line}: ${issueMessage(issue)}`;
    }),
  };
}

function issueMessage(issue: { code: string; message: string; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown field(s) ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_union' && issue.message.includes('discriminator')) {
    return 'kind must be one of revenue_spike, order_drop, fraud_velocity, high_value_new_account, low_stock, data_quality';
  }
  return issue.message;
}
