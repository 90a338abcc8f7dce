/**
 * Line protocol encoded once as UTF-8: one buffer of the lines joined by newlines, and where each
 * line starts. A writer holds its points across awaits (compression, the request, retries); as
 * bytes outside V8's heap they are not thousands of strings surviving young-generation
 * collections into the old space. Slices share the buffer.
 */
export class EncodedLines {
  private constructor(
    private readonly bytes: Buffer,
    /** Start of each line in `bytes`, then one past the last line's newline. */
    private readonly starts: Uint32Array,
    private readonly first: number,
    private readonly end: number,
  ) {}

  static of(lines: readonly string[] | EncodedLines): EncodedLines {
    if (lines instanceof EncodedLines) return lines;
    const starts = new Uint32Array(lines.length + 1);
    let size = 0;
    for (let i = 0; i < lines.length; i += 1) {
      starts[i] = size;
      size += Buffer.byteLength(lines[i] ?? '', 'utf8') + 1;
    }
    starts[lines.length] = size;
    const bytes = Buffer.allocUnsafe(size);
    for (let i = 0; i < lines.length; i += 1) {
      const start = starts[i] ?? 0;
      const written = bytes.write(lines[i] ?? '', start, 'utf8');
      bytes[start + written] = 0x0a;
    }
    return new EncodedLines(bytes, starts, 0, lines.length);
  }

  get count(): number {
    return this.end - this.first;
  }

  /** Lines `start` (inclusive) to `end` (exclusive) of these, without copying. */
  slice(start: number, end = this.count): EncodedLines {
    const from = this.first + Math.max(0, Math.min(start, this.count));
    const to = this.first + Math.max(0, Math.min(end, this.count));
    return new EncodedLines(this.bytes, this.starts, from, Math.max(from, to));
  }

  /** The request body: the lines joined by newlines (no trailing newline), sharing the buffer. */
  body(): Buffer {
    if (this.count === 0) return this.bytes.subarray(0, 0);
    return this.bytes.subarray(this.starts[this.first], (this.starts[this.end] ?? 0) - 1);
  }

  /** The lines as strings again (for what InfluxDB refused, say). */
  lines(): string[] {
    const lines: string[] = [];
    for (let i = this.first; i < this.end; i += 1) {
      lines.push(this.bytes.toString('utf8', this.starts[i], (this.starts[i + 1] ?? 0) - 1));
    }
    return lines;
  }
}
