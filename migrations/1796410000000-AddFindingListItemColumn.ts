import type { MigrationInterface, QueryRunner } from 'typeorm';
import { FINDING_SUMMARY_EXPRESSION } from './1796400000000-AddFindingSummaryColumns';

/** A timestamp as Date.toISOString() writes it. */
const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** describeTraffic() in SQL: `tcp/8443`, `icmp`, `50`; for a campaign that probed several ports `tcp, 398 ports`. */
const PROTOCOL_NAME = `CASE f.protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' WHEN 58 THEN 'icmpv6' WHEN -1 THEN 'all' ELSE f.protocol::text END`;
const TRAFFIC = `CASE WHEN (f.summary #>> '{campaign,portCount}')::numeric > 1
    THEN ${PROTOCOL_NAME} || ', ' || (f.summary #>> '{campaign,portCount}') || ' ports'
    WHEN f.protocol IN (6, 17) AND f.port IS NOT NULL THEN ${PROTOCOL_NAME} || '/' || f.port
    ELSE ${PROTOCOL_NAME} END`;
/** FindingSummaryDto.fixSummary() in SQL: the fix's actions joined by ` + `, then whether it was verified. */
const FIX_SUMMARY = `CASE WHEN jsonb_typeof(f.summary -> 'fixActions') = 'array' THEN
    COALESCE((SELECT string_agg(a, ' + ' ORDER BY o) FROM jsonb_array_elements_text(f.summary -> 'fixActions') WITH ORDINALITY AS x(a, o)), '')
    || CASE WHEN f.summary -> 'fixVerified' = 'true'::jsonb THEN ' (verified)' ELSE ' (not verified)' END END`;
const CAMPAIGN = `CASE WHEN jsonb_typeof(f.summary -> 'campaign') = 'object' THEN json_build_object(
    'scope', f.summary #> '{campaign,scope}', 'key', f.summary #> '{campaign,key}', 'sourceCount', f.summary #> '{campaign,sourceCount}',
    'portCount', f.summary #> '{campaign,portCount}', 'hostCount', f.summary #> '{campaign,hostCount}') END`;

/** The columns a listed finding is made of, in the order finding_list_item takes them. */
const ITEM_COLUMNS = [
  'id',
  'target_id',
  'fingerprint',
  'status',
  'kind',
  'classification',
  'severity',
  'direction',
  'protocol',
  'port',
  'return_traffic',
  'records',
  'first_seen',
  'last_seen',
  'finding',
] as const;

/** The expression of the generated column `list_item`, as the entity declares it. */
export const FINDING_LIST_ITEM_EXPRESSION = `finding_list_item(${ITEM_COLUMNS.map((column) => `"${column}"`).join(', ')})`;

/**
 * The arguments as columns. `OFFSET 0` keeps each subquery from being merged into the one reading
 * it, so the finding's JSON is read out of TOAST once (`|| '{}'` makes the copy) and the summary
 * computed once, not again at each of the dozen places they are read.
 */
const ARGUMENTS = ITEM_COLUMNS.map((column, i) => `$${i + 1}${column === 'finding' ? ` || '{}'::jsonb` : ''} AS ${column}`).join(', ');

/**
 * A listed finding as the API sends it (FindingSummaryDto.fromEntity()'s fields in that order),
 * rendered as the list statement rendered it on every request until now. Immutable: it reads
 * nothing but its arguments, and its texts depend on no setting (to_char's pattern has no
 * localised field, the timestamps are read in UTC), so a generated column may call it.
 */
export const FINDING_LIST_ITEM_FUNCTION = `CREATE FUNCTION finding_list_item(
    uuid, uuid, varchar, varchar, varchar, varchar, varchar, varchar, integer, integer, boolean, bigint, timestamptz, timestamptz, jsonb)
  RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (SELECT row_to_json(s)::text FROM (SELECT f.id, f.target_id AS "targetId", f.fingerprint, f.status, f.kind,
    f.classification, f.severity, f.summary -> 'blockedBy' AS "blockedBy", f.direction, f.protocol, f.port, ${TRAFFIC} AS traffic,
    ${CAMPAIGN} AS campaign, f.return_traffic AS "returnTraffic", f.records, f.summary -> 'peerCount' AS "peerCount",
    to_char(f.first_seen AT TIME ZONE 'UTC', ${ISO_MS}) AS "firstSeen", to_char(f.last_seen AT TIME ZONE 'UTC', ${ISO_MS}) AS "lastSeen",
    ${FIX_SUMMARY} AS "fixSummary"
  FROM (SELECT c.*, ${FINDING_SUMMARY_EXPRESSION} AS summary
    FROM (SELECT ${ARGUMENTS} OFFSET 0) c OFFSET 0) f) s)`;

/**
 * Each finding's list item stored ready to send, computed by PostgreSQL whenever the finding is
 * written (its status included, so a status change rewrites it in the same statement), and here for
 * every stored finding: a list page concatenates 50 texts instead of rendering 50 summaries. The
 * expression is recorded where TypeORM compares it with the entity's (see migration 1796400000001).
 */
export class AddFindingListItemColumn1796410000000 implements MigrationInterface {
  name = 'AddFindingListItemColumn1796410000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(FINDING_LIST_ITEM_FUNCTION);
    // Kept in the row (storage MAIN): the finding's JSON, counts and summary go to the TOAST table
    // first when a row is too long, so a page reads its items without a TOAST lookup per item.
    await queryRunner.query(
      `ALTER TABLE "findings" ADD COLUMN "list_item" text GENERATED ALWAYS AS (${FINDING_LIST_ITEM_EXPRESSION}) STORED,
         ALTER COLUMN "list_item" SET STORAGE MAIN`,
    );
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata" ("type", "database", "schema", "table", "name", "value")
       VALUES ('GENERATED_COLUMN', current_database(), current_schema(), 'findings', 'list_item', $1)`,
      [FINDING_LIST_ITEM_EXPRESSION],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "typeorm_metadata"
       WHERE "type" = 'GENERATED_COLUMN' AND "schema" = current_schema() AND "table" = 'findings' AND "name" = 'list_item'`,
    );
    await queryRunner.query(`ALTER TABLE "findings" DROP COLUMN "list_item"`);
    await queryRunner.query(`DROP FUNCTION finding_list_item`);
  }
}
