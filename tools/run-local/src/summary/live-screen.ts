/**
 * Shows a block of lines that is redrawn in place on a terminal; elsewhere (CI, a pipe) it
 * prints one line now and then instead, since redrawing would only fill the log.
 */
export class LiveScreen {
  private drawn = 0;
  private lastLineAt = -Infinity;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly lineIntervalMs = 10_000,
  ) {}

  get interactive(): boolean {
    return this.stream.isTTY === true;
  }

  /** Redraws the block (terminal) or prints `line` if it is time (elsewhere). */
  show(block: readonly string[], line: string, { force = false }: { force?: boolean } = {}): void {
    if (!this.interactive) {
      const now = Date.now();
      if (force || now - this.lastLineAt >= this.lineIntervalMs) {
        this.lastLineAt = now;
        this.stream.write(`${line}\n`);
      }
      return;
    }
    // Some pseudo-terminals report no size (0): assume a common width then.
    const columns = this.stream.columns;
    const width = columns !== undefined && columns >= 40 ? columns - 1 : 119;
    // Lines are cut to the terminal width: a wrapped line would throw off the count we move up by.
    const text = block
      .map((entry) => (entry.length > width ? `${entry.slice(0, width - 1)}…` : entry))
      .join('\n');
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
    this.stream.write(`${up}${text}\n`);
    this.drawn = block.length;
  }

  /** Leaves the last block on screen; what is printed next goes below it. */
  release(): void {
    this.drawn = 0;
  }
}
