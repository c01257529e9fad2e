/** A plain-text table for a terminal: columns padded to their widest cell, long cells cut. */
export class DemoTable {
  private readonly rows: string[][] = [];

  constructor(
    private readonly headers: string[],
    private readonly maxCell = 60,
  ) {}

  add(cells: string[]): void {
    this.rows.push(cells.map((cell) => (cell.length > this.maxCell ? `${cell.slice(0, this.maxCell - 1)}…` : cell)));
  }

  render(): string {
    const widths = this.headers.map((header, i) => Math.max(header.length, ...this.rows.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[]) =>
      cells
        .map((cell, i) => (cell ?? '').padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    return [line(this.headers), line(widths.map((w) => '-'.repeat(w))), ...this.rows.map(line)].join('\n');
  }
}
