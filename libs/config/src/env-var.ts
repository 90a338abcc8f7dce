import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * One environment variable: how to parse it and what to say when it is wrong.
 * `parse` returns the typed value or throws a message describing what is expected.
 */
export interface EnvVar<T> {
  readonly description: string;
  readonly secret: boolean;
  /** The default as an operator would write it (`30s`, `127.0.0.1:9092`), for docs; undefined when required or optional. */
  readonly defaultText?: string | undefined;
  read(name: string, env: Env): T;
}

type Parser<T> = (raw: string) => T;

/** Raised by parsers; turned into a ConfigError that names the variable. */
class Expected extends Error {}

function lookup(name: string, env: Env, allowFile: boolean): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const filePath = allowFile ? env[`${name}_FILE`] : undefined;
  if (filePath === undefined || filePath === '') return undefined;
  try {
    return readFileSync(filePath, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`${name}_FILE`, `must name a readable file: ${(error as Error).message}`, filePath);
  }
}

function variable<T>(
  description: string,
  parser: Parser<T>,
  options: { fallback?: T; secret?: boolean; optional?: boolean; defaultText?: string },
): EnvVar<T> {
  const secret = options.secret ?? false;
  return {
    description,
    secret,
    defaultText: options.defaultText ?? ('fallback' in options ? defaultTextOf(options.fallback) : undefined),
    read(name: string, env: Env): T {
      const raw = lookup(name, env, true);
      if (raw === undefined) {
        if ('fallback' in options) return options.fallback as T;
        if (options.optional) return undefined as T;
        throw new ConfigError(name, `is required: ${description}`, undefined);
      }
      try {
        return parser(raw);
      } catch (error) {
        if (error instanceof Expected)
          throw new ConfigError(name, error.message, secret ? '<redacted>' : raw);
        throw error;
      }
    },
  };
}

function defaultTextOf(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `30s`, `1m`, `1h`, `7d` into milliseconds. */
export function parseDuration(raw: string): number {
  const match = DURATION.exec(raw.trim());
  if (!match) throw new Expected('must be a duration such as 500ms, 30s, 1m, 1h or 7d');
  return Math.round(Number(match[1]) * (DURATION_MS[match[2] as string] as number));
}

interface Common<T> {
  default?: T;
  secret?: boolean;
}

/** Builders for typed variables. Each returns an EnvVar usable in a schema. */
export const env = {
  string(description: string, opts: Common<string> = {}): EnvVar<string> {
    return variable(
      description,
      (raw) => raw,
      opts.default === undefined ? { secret: opts.secret } : { fallback: opts.default, secret: opts.secret },
    );
  },
  optionalString(description: string, opts: { secret?: boolean } = {}): EnvVar<string | undefined> {
    return variable<string | undefined>(description, (raw) => raw, { optional: true, secret: opts.secret });
  },
  int(description: string, opts: Common<number> & { min?: number; max?: number } = {}): EnvVar<number> {
    const min = opts.min ?? Number.MIN_SAFE_INTEGER;
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    return variable(
      description,
      (raw) => {
        const value = Number(raw);
        if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
          throw new Expected(`must be an integer between ${min} and ${max}`);
        }
        return value;
      },
      opts.default === undefined ? {} : { fallback: opts.default },
    );
  },
  port(description: string, defaultPort: number): EnvVar<number> {
    return env.int(description, { default: defaultPort, min: 1, max: 65535 });
  },
  bool(description: string, defaultValue: boolean): EnvVar<boolean> {
    return variable(
      description,
      (raw) => {
        const value = raw.trim().toLowerCase();
        if (['true', '1', 'yes'].includes(value)) return true;
        if (['false', '0', 'no'].includes(value)) return false;
        throw new Expected('must be true or false');
      },
      { fallback: defaultValue },
    );
  },
  duration(description: string, defaultValue: string): EnvVar<number> {
    return variable(description, parseDuration, {
      fallback: parseDuration(defaultValue),
      defaultText: defaultValue,
    });
  },
  durationList(description: string, defaultValue: string): EnvVar<number[]> {
    const parse = (raw: string): number[] => {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      const expected = 'must be a comma-separated list of durations such as 1m,5m';
      if (items.length === 0) throw new Expected(expected);
      try {
        return items.map(parseDuration);
      } catch {
        throw new Expected(expected);
      }
    };
    return variable(description, parse, { fallback: parse(defaultValue), defaultText: defaultValue });
  },
  list(description: string, defaultValue: string[]): EnvVar<string[]> {
    return variable(
      description,
      (raw) =>
        raw
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
      { fallback: defaultValue },
    );
  },
  oneOf<const T extends string>(description: string, values: readonly T[], defaultValue?: T): EnvVar<T> {
    return variable(
      description,
      (raw) => {
        const value = raw.trim().toLowerCase() as T;
        if (!values.includes(value)) throw new Expected(`must be one of ${values.join(', ')}`);
        return value;
      },
      defaultValue === undefined ? {} : { fallback: defaultValue },
    );
  },
  optionalOneOf<const T extends string>(description: string, values: readonly T[]): EnvVar<T | undefined> {
    return variable<T | undefined>(
      description,
      (raw) => {
        const value = raw.trim().toLowerCase() as T;
        if (!values.includes(value)) throw new Expected(`must be one of ${values.join(', ')}`);
        return value;
      },
      { optional: true },
    );
  },
  url(description: string, opts: Common<string> = {}): EnvVar<string> {
    return variable(
      description,
      (raw) => {
        try {
          return new URL(raw).toString().replace(/\/$/, '');
        } catch {
          throw new Expected('must be an absolute URL such as http://127.0.0.1:8086');
        }
      },
      opts.default === undefined ? { secret: opts.secret } : { fallback: opts.default, secret: opts.secret },
    );
  },
  optionalUrl(description: string, opts: { secret?: boolean } = {}): EnvVar<string | undefined> {
    return variable<string | undefined>(
      description,
      (raw) => {
        try {
          return new URL(raw).toString();
        } catch {
          throw new Expected('must be an absolute URL');
        }
      },
      { optional: true, secret: opts.secret },
    );
  },
};

export { Expected as ConfigExpectation };

/**
 * `value`, refused when it is below another variable (`floor`, read with its own rules): for a
 * setting that only makes sense at or above another one. The error names both variables.
 */
export function atLeastVariable(
  value: EnvVar<number>,
  floor: { name: string; variable: EnvVar<number>; unit?: string; why?: string },
): EnvVar<number> {
  return refinedVariable(value, (own, name, source) => {
    const minimum = floor.variable.read(floor.name, source);
    if (own < minimum) {
      const unit = floor.unit === undefined ? '' : ` ${floor.unit}`;
      const why = floor.why === undefined ? '' : `, ${floor.why}`;
      throw new ConfigError(name, `must be at least ${floor.name} (${minimum}${unit})${why}`, String(own));
    }
    return own;
  });
}

/**
 * `base` with a further check or transformation of its parsed value, keeping its description,
 * secrecy and documented default (a hand-written wrapper object would drop the default from the
 * generated docs). `refine` throws a ConfigError (it gets the variable's name) when the value is
 * refused.
 */
export function refinedVariable<T, U>(
  base: EnvVar<T>,
  refine: (value: T, name: string, source: Env) => U,
): EnvVar<U> {
  return {
    description: base.description,
    secret: base.secret,
    defaultText: base.defaultText,
    read(name: string, source: Env): U {
      return refine(base.read(name, source), name, source);
    },
  };
}
