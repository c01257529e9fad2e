import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `{ "key": <source -> 'key'>, … }` for the given keys, a missing or null field as JSON null: what
 * jsonb_build_object would give, written with jsonb_set, which (unlike jsonb_build_object) is
 * immutable and so allowed in a generated column.
 */
function objectOf(entries: ReadonlyArray<[key: string, value: string]>): string {
  return entries.reduce((object, [key, value]) => `jsonb_set(${object}, '{${key}}', COALESCE(${value}, 'null'::jsonb))`, `'{}'::jsonb`);
}

/**
 * The fields of the finding JSON a listed finding shows (its blocking control, how many peers,
 * its campaign in short, its fix's actions and whether the fix was verified), as the list query
 * used to extract them from `finding` on every request.
 */
export const FINDING_SUMMARY_EXPRESSION = objectOf([
  ['blockedBy', `"finding" -> 'blockedBy'`],
  [
    'peerCount',
    `COALESCE(NULLIF("finding" #> '{traffic,peerCount}', 'null'::jsonb), jsonb_path_query_first("finding", '$.traffic.peers.size()'))`,
  ],
  [
    'campaign',
    `CASE WHEN jsonb_typeof("finding" -> 'campaign') = 'object' THEN ${objectOf(
      ['scope', 'key', 'sourceCount', 'portCount', 'hostCount'].map((key) => [key, `"finding" #> '{campaign,${key}}'`]),
    )} END`,
  ],
  [
    'fixActions',
    `CASE WHEN jsonb_typeof("finding" -> 'suggestedFix') = 'object' THEN jsonb_path_query_array("finding", '$.suggestedFix.changes[*].action') END`,
  ],
  ['fixVerified', `"finding" #> '{suggestedFix,verified}'`],
]);

/** How many sample flows a finding stores: its detail shows the number, never the flows. */
export const FINDING_SAMPLE_FLOWS_EXPRESSION = `CASE WHEN jsonb_typeof("flows") = 'array' THEN jsonb_array_length("flows") ELSE 0 END`;

/**
 * The list and detail read what they show from small columns, computed by PostgreSQL whenever a
 * finding is written (and here for every stored finding): the list no longer reads (de-TOASTs)
 * each finding's full JSON, the detail no longer its stored flows.
 */
export class AddFindingSummaryColumns1796400000000 implements MigrationInterface {
  name = 'AddFindingSummaryColumns1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "findings"
         ADD COLUMN "summary" jsonb GENERATED ALWAYS AS (${FINDING_SUMMARY_EXPRESSION}) STORED,
         ADD COLUMN "sample_flows" integer GENERATED ALWAYS AS (${FINDING_SAMPLE_FLOWS_EXPRESSION}) STORED`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "findings" DROP COLUMN "sample_flows", DROP COLUMN "summary"`);
  }
}
