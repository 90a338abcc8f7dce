/** Phases of a fault-injection case with their times, printed with the results (and on failure). */
export class Timeline {
  private readonly start = Date.now();
  private readonly marks: { label: string; at: number }[] = [];
  private readonly notes: string[] = [];

  constructor(private readonly name: string) {}

  mark(label: string): number {
    const at = Date.now();
    this.marks.push({ label, at });
    return at;
  }

  /** A figure worth seeing next to the times (counts, sizes). */
  note(text: string): void {
    this.notes.push(text);
  }

  at(label: string): number {
    const mark = this.marks.find((candidate) => candidate.label === label);
    if (!mark) throw new Error(`${this.name}: no "${label}" mark (the case stopped before it)`);
    return mark.at;
  }

  toString(): string {
    const lines = this.marks.map(
      ({ label, at }) => `  +${((at - this.start) / 1000).toFixed(1).padStart(6)} s  ${label}`,
    );
    const notes = this.notes.map((note) => `  ${note}`);
    return [
      `${this.name} (${((Date.now() - this.start) / 1000).toFixed(1)} s in all)`,
      ...lines,
      ...notes,
    ].join('\n');
  }
}
