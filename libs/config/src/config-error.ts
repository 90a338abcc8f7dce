/** A configuration problem that must stop the process with one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly received: string | undefined,
  ) {
    super(
      `Invalid configuration: ${variable} ${expected}` +
        (received === undefined
          ? ' (it is not set)'
          : ` (got ${JSON.stringify(redact(variable, received))})`),
    );
    this.name = 'ConfigError';
  }
}

const SECRET_NAME = /(PASSWORD|TOKEN|SECRET|KEY|WEBHOOK)/;

function redact(variable: string, value: string): string {
  return SECRET_NAME.test(variable) ? '<redacted>' : value;
}
