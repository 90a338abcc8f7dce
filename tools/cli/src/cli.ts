import { Command, CommanderError } from 'commander';
import { ConfigError, type Env } from '@pulse/config';

/** What a command may use besides its arguments: the environment and where to print. */
export interface CliContext {
  readonly env: Env;
  /** Results, one line each (stdout). */
  out(line: string): void;
  /** Progress, warnings and errors (stderr). */
  err(line: string): void;
}

/** A command file: adds its command (and subcommands) to the program. */
export interface CommandModule {
  register(program: Command, context: CliContext): void;
}

/** A failure the operator can act on: printed as one line, with a distinct exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit code of a configuration error (EX_CONFIG from sysexits.h, as the services use). */
export const EXIT_CONFIG = 78;

export function createProgram(commands: readonly CommandModule[], context: CliContext): Command {
  const program = new Command('pulse')
    .description(
      'Operate a Pulse installation: create its Kafka topics, load reference data, manage API keys.\n' +
        'Kafka is found through the same variables the services read: PULSE_KAFKA_BROKERS ' +
        '(default 127.0.0.1:9092), PULSE_TOPIC_PREFIX, PULSE_KAFKA_SSL, PULSE_KAFKA_SASL_*.',
    )
    .showHelpAfterError('(run with --help for usage)')
    // Set before the commands are added, so subcommands inherit them: no process.exit inside
    // commander (runCli decides the exit code) and all output through the context.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.out(text.trimEnd()),
      writeErr: (text) => context.err(text.trimEnd()),
    });
  for (const command of commands) command.register(program, context);
  return program;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function runCli(
  commands: readonly CommandModule[],
  argv: readonly string[],
  context: CliContext,
): Promise<number> {
  const program = createProgram(commands, context);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      context.err(`error: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      context.err(error.message);
      return EXIT_CONFIG;
    }
    context.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** Parses a positive integer option, naming the option when it is wrong. */
export function positiveInt(name: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < 1) {
      throw new CliError(`${name} must be a positive whole number (got "${raw}")`, 2);
    }
    return value;
  };
}
