import type { FlowAggregate } from './flow-record';

/**
 * Aggregates read by row, 0 to `length - 1`: an array of them, or a FlowAggregateStore, whose
 * `at` makes a new object reading its columns each time. Nothing may hold on to a flow's object
 * identity: the same row read twice can be two objects with the same fields.
 */
export interface FlowRows {
  readonly length: number;
  at(row: number): FlowAggregate | undefined;
}

/** The flow at `row` (0 ≤ row < length). */
export function flowAt(rows: FlowRows, row: number): FlowAggregate {
  const flow = rows.at(row);
  if (flow === undefined) throw new RangeError(`no flow at row ${row} of ${rows.length}`);
  return flow;
}

/** Every flow of `rows`, in row order. */
export function* eachFlow(rows: FlowRows): Generator<FlowAggregate> {
  for (let row = 0; row < rows.length; row++) yield flowAt(rows, row);
}

/** Some rows of `source`, in the order given, read from it: no flow is copied. */
class SelectedRows implements FlowRows {
  constructor(
    private readonly source: FlowRows,
    private readonly rows: Int32Array,
  ) {}

  get length(): number {
    return this.rows.length;
  }

  at(row: number): FlowAggregate | undefined {
    const index = row < 0 ? this.rows.length + row : row;
    return index >= 0 && index < this.rows.length ? this.source.at(this.rows[index]) : undefined;
  }
}

/** The rows of `source` whose flow `keep` accepts, in row order, as rows of `source` (no flow is copied). */
export function selectRows(source: FlowRows, keep: (flow: FlowAggregate) => boolean): FlowRows {
  const rows: number[] = [];
  for (let row = 0; row < source.length; row++) if (keep(flowAt(source, row))) rows.push(row);
  return new SelectedRows(source, Int32Array.from(rows));
}
