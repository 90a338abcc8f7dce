/**
 * The body of a quoted InfluxQL string or identifier. InfluxQL's scanner knows the escapes
 * `\\`, `\'`, `\"` and `\n`, and ends a quoted token with an error at a raw newline, so a newline
 * is written as `\n`.
 */
function escaped(value: string, quote: "'" | '"'): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(quote === "'" ? /'/g : /"/g, `\\${quote}`)
    .replace(/\n/g, '\\n');
}

/** A double-quoted InfluxQL identifier: database, measurement, tag or field name. */
export function influxIdentifier(name: string): string {
  return `"${escaped(name, '"')}"`;
}

/** A single-quoted InfluxQL string literal. */
export function influxLiteral(value: string): string {
  return `'${escaped(value, "'")}'`;
}
