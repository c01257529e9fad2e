import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** What node-postgres's pool (TypeORM's PostgreSQL driver keeps it as `master`) offers for one query. */
interface PgPool {
  query(config: { name?: string; text: string; values: readonly unknown[]; rowMode?: 'array' }): Promise<{ rows: unknown[] }>;
}

/**
 * One fixed SQL text with bound parameters ($1, $2, …), run as a named prepared statement:
 * node-postgres prepares it once per pooled connection and PostgreSQL then skips parsing and
 * (once it settles on a generic plan) planning. For hot read paths only; everything else goes
 * through TypeORM. The text must not vary with the request (values are always parameters), or
 * every variant would be prepared on every connection.
 *
 * A prepared statement may be run with a generic plan, one for any values: right when every value
 * is about as selective as another (a sort with a few enumerated filters), wrong when one value
 * matches a handful of rows and another thousands (an id, a tag). `prepare: false` runs the same
 * text unprepared, planned for its values each time.
 */
export class PreparedStatement<Row> {
  /** Derived from the text, so two statements of the same text share one preparation. */
  readonly name: string;

  constructor(
    readonly text: string,
    private readonly prepare = true,
  ) {
    this.name = `sgd_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  }

  async run(dataSource: DataSource, values: readonly unknown[]): Promise<Row[]> {
    return (await this.query(dataSource, values)) as Row[];
  }

  /**
   * Each row as an array of its columns' values in the order selected, no object per row: for a
   * statement whose `Row` is that tuple.
   */
  async runArrays(dataSource: DataSource, values: readonly unknown[]): Promise<Row[]> {
    return (await this.query(dataSource, values, 'array')) as Row[];
  }

  private async query(dataSource: DataSource, values: readonly unknown[], rowMode?: 'array'): Promise<unknown[]> {
    const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
    if (!pool) throw new Error('the data source is not connected to PostgreSQL');
    const config = this.prepare ? { name: this.name, text: this.text, values } : { text: this.text, values };
    const result = await pool.query(rowMode ? { ...config, rowMode } : config);
    return result.rows;
  }
}
