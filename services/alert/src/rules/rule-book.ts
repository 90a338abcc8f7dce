import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from '@pulse/observability';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { Rule, RuleKind, RuleOfKind } from './rule-schema';
import { parseRulesFile } from './rules-file';

export interface ReloadStatus {
  file: string;
  /** sha256 of the file the rules in effect came from. */
  checksum: string | null;
  loadedAt: string | null;
  lastCheckedAt: string | null;
  /** The outcome of the last change seen: `loaded`, or `rejected` with the reasons (previous rules stay). */
  lastChange: { outcome: 'loaded' | 'rejected'; at: string; errors: string[] } | null;
}

/** Read access to the rules in effect (what evaluators and notifiers need). */
export interface RuleSource {
  rules(): readonly Rule[];
  rule(name: string): Rule | undefined;
  ofKind<K extends RuleKind>(kind: K): RuleOfKind<K>[];
}

/** A fixed rule list (tests, tools). */
export class StaticRules implements RuleSource {
  constructor(private readonly list: readonly Rule[]) {}

  rules(): readonly Rule[] {
    return this.list;
  }

  rule(name: string): Rule | undefined {
    return this.list.find((rule) => rule.name === name);
  }

  ofKind<K extends RuleKind>(kind: K): RuleOfKind<K>[] {
    return this.list.filter((rule): rule is RuleOfKind<K> => rule.kind === kind);
  }
}

export class RulesFileError extends Error {
  constructor(
    readonly file: string,
    readonly errors: string[],
  ) {
    super(`${file} is not a valid rules file:\n  ${errors.join('\n  ')}`);
    this.name = 'RulesFileError';
  }
}

/**
 * The rules in effect, from the YAML file; re-read on a timer and swapped only when the new file
 * is valid. Polling the content (not fs.watch) also sees a Kubernetes ConfigMap update, which
 * replaces a symlink rather than writing the file.
 */
export class RuleBook implements RuleSource {
  private current: readonly Rule[] = [];
  private byName = new Map<string, Rule>();
  private readonly state: ReloadStatus;
  private lastSeenChecksum: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private readonly listeners = new Set<(rules: readonly Rule[]) => void>();

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
    private readonly metrics: AlertMetrics,
  ) {
    this.state = { file, checksum: null, loadedAt: null, lastCheckedAt: null, lastChange: null };
  }

  /** First load: a missing or invalid file is a start-up error (there are no previous rules to keep). */
  async load(): Promise<void> {
    const text = await readFile(this.file, 'utf8');
    const checksum = sha256(text);
    const parsed = parseRulesFile(text);
    this.lastSeenChecksum = checksum;
    this.state.lastCheckedAt = new Date().toISOString();
    if (!parsed.ok) {
      this.metrics.rulesReloads.inc({ outcome: 'invalid' });
      throw new RulesFileError(this.file, parsed.errors);
    }
    this.apply(parsed.rules, checksum);
  }

  startWatching(intervalMs: number): void {
    this.stopWatching();
    this.timer = setInterval(() => void this.checkNow(), intervalMs);
    this.timer.unref();
  }

  stopWatching(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Re-reads the file; applies it if it changed and is valid, else keeps the rules in effect. */
  checkNow(): Promise<void> {
    this.checking ??= this.check().finally(() => (this.checking = null));
    return this.checking;
  }

  rules(): readonly Rule[] {
    return this.current;
  }

  rule(name: string): Rule | undefined {
    return this.byName.get(name);
  }

  ofKind<K extends RuleKind>(kind: K): RuleOfKind<K>[] {
    return this.current.filter((rule): rule is RuleOfKind<K> => rule.kind === kind);
  }

  status(): ReloadStatus {
    return structuredClone(this.state);
  }

  onChange(listener: (rules: readonly Rule[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async check(): Promise<void> {
    const at = new Date().toISOString();
    this.state.lastCheckedAt = at;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const reason = `cannot read ${this.file}: ${(error as Error).message}`;
      if (this.lastSeenChecksum !== 'unreadable') {
        this.lastSeenChecksum = 'unreadable';
        this.reject(at, [reason], 'unreadable');
      }
      return;
    }
    const checksum = sha256(text);
    if (checksum === this.lastSeenChecksum) return;
    this.lastSeenChecksum = checksum;
    const parsed = parseRulesFile(text);
    if (!parsed.ok) {
      this.reject(at, parsed.errors, 'invalid');
      return;
    }
    this.apply(parsed.rules, checksum);
    this.state.lastChange = { outcome: 'loaded', at, errors: [] };
  }

  private reject(at: string, errors: string[], outcome: 'invalid' | 'unreadable'): void {
    this.state.lastChange = { outcome: 'rejected', at, errors };
    this.metrics.rulesReloads.inc({ outcome });
    this.metrics.rulesLastReloadOk.set(0);
    this.logger.error(
      { file: this.file, errors, rulesInEffect: this.current.length },
      'rules file rejected; the previous rules stay in effect',
    );
  }

  private apply(rules: Rule[], checksum: string): void {
    this.current = Object.freeze(rules);
    this.byName = new Map(rules.map((rule) => [rule.name, rule]));
    this.state.checksum = checksum;
    this.state.loadedAt = new Date().toISOString();
    this.metrics.rulesReloads.inc({ outcome: 'loaded' });
    this.metrics.rulesLoaded.set(rules.length);
    this.metrics.rulesLastReloadOk.set(1);
    this.logger.info({ file: this.file, rules: rules.map((rule) => rule.name) }, 'alert rules loaded');
    for (const listener of this.listeners) listener(this.current);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
