import { ConfigError } from './config-error';
import type { Env, EnvVar } from './env-var';

export type ConfigSchema = Readonly<Record<string, EnvVar<unknown>>>;
export type ConfigOf<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never;
};

/**
 * Reads every variable of `schema` (keys are the variable names) from `env`.
 * Any variable may instead be given as `<NAME>_FILE`, the path of a file holding its value,
 * which is how Kubernetes secrets are mounted. Throws ConfigError on the first bad variable.
 */
export function loadConfig<S extends ConfigSchema>(schema: S, source: Env = process.env): ConfigOf<S> {
  const result: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(schema)) {
    result[name] = variable.read(name, source);
  }
  return Object.freeze(result) as ConfigOf<S>;
}

/**
 * For main.ts: load the configuration or stop the process with one clear line.
 * Exit code 78 is EX_CONFIG from sysexits.h, so supervisors can tell bad config from a crash.
 */
export function loadConfigOrExit<S extends ConfigSchema>(schema: S, source: Env = process.env): ConfigOf<S> {
  try {
    return loadConfig(schema, source);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** Lists the variables of a schema, for documentation and `--help` output. */
export function describeConfig(
  schema: ConfigSchema,
): { name: string; description: string; secret: boolean; defaultText: string | undefined }[] {
  return Object.entries(schema).map(([name, variable]) => ({
    name,
    description: variable.description,
    secret: variable.secret,
    defaultText: variable.defaultText,
  }));
}
