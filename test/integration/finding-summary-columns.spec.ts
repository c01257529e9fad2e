import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/database-options';
import { FindingEntity } from '../../src/findings/finding.entity';
import { TargetEntity } from '../../src/targets/target.entity';
import { createTestDatabase, dropTestDatabase, uniqueTestName } from '../support/app/test-database';
import { loadMigrationClasses } from '../support/app/test-migrations';

/**
 * What the list query extracted from the finding JSON on every request before the summary became
 * a generated column (kept here verbatim): the column must hold exactly this, for every shape of
 * finding, whether it was stored before the migration (backfilled) or written after it.
 */
const SUMMARY_AS_EXTRACTED = `(SELECT jsonb_build_object(
    'blockedBy', s.j -> 'blockedBy',
    'peerCount', COALESCE(NULLIF(s.j #> '{traffic,peerCount}', 'null'::jsonb), to_jsonb(jsonb_array_length(s.j #> '{traffic,peers}'))),
    'campaign', CASE WHEN jsonb_typeof(s.j -> 'campaign') = 'object' THEN jsonb_build_object(
      'scope', s.j #> '{campaign,scope}', 'key', s.j #> '{campaign,key}', 'sourceCount', s.j #> '{campaign,sourceCount}',
      'portCount', s.j #> '{campaign,portCount}', 'hostCount', s.j #> '{campaign,hostCount}') END,
    'fixActions', CASE WHEN jsonb_typeof(s.j -> 'suggestedFix') = 'object' THEN jsonb_path_query_array(s.j, '$.suggestedFix.changes[*].action') END,
    'fixVerified', s.j #> '{suggestedFix,verified}')
  FROM (SELECT f.finding || '{}'::jsonb AS j OFFSET 0) s)`;

/**
 * A listed finding as the list statement rendered it on every request before it became the
 * generated column `list_item` (kept here verbatim): the column must hold exactly this text.
 */
const PROTOCOL_NAME = `CASE f.protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' WHEN 58 THEN 'icmpv6' WHEN -1 THEN 'all' ELSE f.protocol::text END`;
const LIST_ITEM_AS_RENDERED = `(SELECT row_to_json(s)::text FROM (SELECT f.id, f.target_id AS "targetId", f.fingerprint, f.status, f.kind,
  f.classification, f.severity, f.summary -> 'blockedBy' AS "blockedBy", f.direction, f.protocol, f.port,
  CASE WHEN (f.summary #>> '{campaign,portCount}')::numeric > 1
    THEN ${PROTOCOL_NAME} || ', ' || (f.summary #>> '{campaign,portCount}') || ' ports'
    WHEN f.protocol IN (6, 17) AND f.port IS NOT NULL THEN ${PROTOCOL_NAME} || '/' || f.port
    ELSE ${PROTOCOL_NAME} END AS traffic,
  CASE WHEN jsonb_typeof(f.summary -> 'campaign') = 'object' THEN json_build_object(
    'scope', f.summary #> '{campaign,scope}', 'key', f.summary #> '{campaign,key}', 'sourceCount', f.summary #> '{campaign,sourceCount}',
    'portCount', f.summary #> '{campaign,portCount}', 'hostCount', f.summary #> '{campaign,hostCount}') END AS campaign,
  f.return_traffic AS "returnTraffic", f.records, f.summary -> 'peerCount' AS "peerCount",
  to_char(f.first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "firstSeen",
  to_char(f.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastSeen",
  CASE WHEN jsonb_typeof(f.summary -> 'fixActions') = 'array' THEN
    COALESCE((SELECT string_agg(a, ' + ' ORDER BY o) FROM jsonb_array_elements_text(f.summary -> 'fixActions') WITH ORDINALITY AS x(a, o)), '')
    || CASE WHEN f.summary -> 'fixVerified' = 'true'::jsonb THEN ' (verified)' ELSE ' (not verified)' END END AS "fixSummary") s)`;

/** Protocol and port of each inserted finding in turn, so every form of `traffic` is rendered. */
const TRAFFIC_SHAPES: ReadonlyArray<[protocol: number, port: number | null]> = [
  [6, 22],
  [17, 53],
  [1, null],
  [58, null],
  [-1, null],
  [50, null],
  [6, null],
];

const SG_CONTROL = { control: 'security-group', direction: 'ingress', securityGroupIds: ['sg-0a1b2c3d4e5f60001'] };
const NACL_CONTROL = { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-0c1d2e3f4a5b6c703', ruleNumber: 32767 };
const peer = (address: string) => ({ address, records: 3 });

/** Finding JSONs of every shape the summary distinguishes (only the fields it reads, and some it must leave out). */
const FINDINGS: Record<string, object> = {
  'rule with a verified fix and peerCount': {
    kind: 'rule',
    blockedBy: SG_CONTROL,
    traffic: { peers: [peer('10.0.0.1'), peer('10.0.0.2')], peerCount: 140 },
    suggestedFix: {
      verified: true,
      changes: [{ action: 'AuthorizeSecurityGroupIngress' }, { action: 'CreateNetworkAclEntry' }],
      awsCli: 'aws ec2 …',
    },
  },
  'rule with an unverified fix, peers but no peerCount': {
    kind: 'rule',
    blockedBy: NACL_CONTROL,
    traffic: { peers: [peer('10.0.0.1'), peer('10.0.0.2'), peer('10.0.0.3')] },
    suggestedFix: { verified: false, changes: [{ action: 'CreateNetworkAclEntry' }] },
  },
  'rule with a null peerCount and a fix without changes': {
    kind: 'rule',
    blockedBy: SG_CONTROL,
    traffic: { peers: [peer('10.0.0.9')], peerCount: null },
    suggestedFix: { verified: true, changes: [] },
  },
  'noise without a fix': {
    kind: 'rule',
    blockedBy: NACL_CONTROL,
    traffic: { peers: [], peerCount: 0 },
    suggestedFix: null,
  },
  'campaign without a fix': {
    kind: 'campaign',
    blockedBy: NACL_CONTROL,
    traffic: { peers: [peer('203.0.113.45')], peerCount: 1 },
    suggestedFix: null,
    campaign: {
      scope: 'source',
      key: '203.0.113.45',
      sources: [{ address: '203.0.113.45', records: 900 }],
      sourceCount: 1,
      ports: [{ protocol: 6, port: 22, records: 3 }],
      portCount: 398,
      hostCount: 12,
      controls: [NACL_CONTROL],
    },
  },
  'campaign with a fix (an uncertain one)': {
    kind: 'campaign',
    blockedBy: SG_CONTROL,
    traffic: { peers: [peer('198.51.100.7'), peer('198.51.100.8')], peerCount: 37 },
    suggestedFix: { verified: false, changes: [{ action: 'AuthorizeSecurityGroupIngress' }] },
    campaign: { scope: 'service', key: 'tcp/23', sources: [], sourceCount: 37, ports: [], portCount: 1, hostCount: 4, controls: [] },
  },
  'no peers at all': { kind: 'rule', blockedBy: SG_CONTROL, traffic: {} },
  'campaign that is not an object, and no blockedBy': {
    kind: 'rule',
    traffic: { peers: [peer('10.0.0.1')] },
    campaign: null,
  },
  'fix whose changes name their actions with a null, a number, nothing and an empty string': {
    kind: 'rule',
    blockedBy: SG_CONTROL,
    traffic: { peers: [peer('10.0.0.1')] },
    suggestedFix: {
      verified: true,
      changes: [{ action: null }, { action: 7 }, {}, { action: 'CreateNetworkAclEntry' }, { action: '' }, { action: 'DeleteRule' }],
    },
  },
  'fix whose only action is null': {
    kind: 'rule',
    blockedBy: NACL_CONTROL,
    traffic: { peers: [peer('10.0.0.1')] },
    suggestedFix: { verified: 'true', changes: [{ action: null }] },
  },
};

describe('migrations AddFindingSummaryColumns and AddFindingListItemColumn: the summary, sample-flow count and list item as generated columns', () => {
  const name = uniqueTestName('finding_summary');
  let dataSource: DataSource;
  let targetId: string;
  let url: string;

  async function insertFindings(suffix: string): Promise<void> {
    for (const [index, finding] of Object.values(FINDINGS).entries()) {
      const [protocol, port] = TRAFFIC_SHAPES[index % TRAFFIC_SHAPES.length]!;
      await dataSource.query(
        `INSERT INTO findings (target_id, fingerprint, classification, severity, severity_rank, control, direction, protocol,
           port, return_traffic, records, first_seen, last_seen, finding, flows)
         VALUES ($1, $2, 'uncertain', 'medium', 2, 'security-group', 'ingress', $3, $4, false, $5, now(), now(), $6, $7)`,
        [targetId, `${suffix}-${index}`, protocol, port, 1000 + index, JSON.stringify(finding), JSON.stringify([{}, {}, {}])],
      );
    }
  }

  async function mismatches(): Promise<Array<{ fingerprint: string; summary: unknown; extracted: unknown }>> {
    return dataSource.query(
      `SELECT f.fingerprint, f.summary, ${SUMMARY_AS_EXTRACTED} AS extracted, f.list_item, ${LIST_ITEM_AS_RENDERED} AS rendered
        FROM findings f
        WHERE f.summary IS DISTINCT FROM ${SUMMARY_AS_EXTRACTED} OR f.sample_flows IS DISTINCT FROM jsonb_array_length(f.flows)
          OR f.list_item IS DISTINCT FROM ${LIST_ITEM_AS_RENDERED}`,
    );
  }

  beforeAll(async () => {
    url = await createTestDatabase(name);
    const config = loadAppConfig({ DATABASE_URL: url });
    const migrations = await loadMigrationClasses();
    const index = migrations.findIndex((migration) => migration.name === 'AddFindingSummaryColumns1796400000000');
    expect(index).toBeGreaterThan(0);
    // Findings stored before the migration: every migration up to it, then rows, then the migration.
    const before = await new DataSource(buildDataSourceOptions(config.database, { migrations: migrations.slice(0, index) })).initialize();
    await before.runMigrations({ transaction: 'each' });
    const [target] = (await before.query(
      `INSERT INTO targets (name, account_id, region, access, scope, flow_source, config_source)
       VALUES ('t', '111122223333', 'eu-west-1', '{}', '{}', '{}', '{}') RETURNING id`,
    )) as Array<{ id: string }>;
    targetId = target!.id;
    dataSource = before;
    await insertFindings('before');
    await before.destroy();
    dataSource = await new DataSource(buildDataSourceOptions(config.database, { migrations })).initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropTestDatabase(name);
  });

  it('backfills stored findings with what the list query extracted', async () => {
    const rows: Array<{ n: number }> = await dataSource.query(`SELECT count(*)::int AS n FROM findings WHERE fingerprint LIKE 'before-%'`);
    expect(rows[0]!.n).toBe(Object.keys(FINDINGS).length);
    expect(await mismatches()).toEqual([]);
  });

  it('computes them for findings written after it, and again when a finding changes', async () => {
    await insertFindings('after');
    expect(await mismatches()).toEqual([]);
    await dataSource.query(
      `UPDATE findings SET finding = jsonb_set(finding, '{traffic,peerCount}', '7'), flows = '[]'::jsonb WHERE fingerprint = 'after-0'`,
    );
    const [changed] = (await dataSource.query(`SELECT summary, sample_flows FROM findings WHERE fingerprint = 'after-0'`)) as Array<{
      summary: { peerCount: number; fixActions: string[]; fixVerified: boolean; campaign: unknown };
      sample_flows: number;
    }>;
    expect(changed).toMatchObject({
      summary: { peerCount: 7, fixActions: ['AuthorizeSecurityGroupIngress', 'CreateNetworkAclEntry'], fixVerified: true, campaign: null },
      sample_flows: 0,
    });
    expect(await mismatches()).toEqual([]);
  });

  it('renders the list item again in the statement that changes a status or the counts', async () => {
    await dataSource.query(
      `UPDATE findings SET status = 'resolved', records = records + 5, last_seen = now() + interval '1 hour' WHERE fingerprint = 'after-1'`,
    );
    const [row] = (await dataSource.query(`SELECT list_item FROM findings WHERE fingerprint = 'after-1'`)) as Array<{ list_item: string }>;
    expect(JSON.parse(row!.list_item)).toMatchObject({ status: 'resolved', records: 1006, traffic: 'udp/53', peerCount: 3 });
    expect(await mismatches()).toEqual([]);
  });

  it('renders the list item again when the status of a finding whose JSON is stored out of line changes', async () => {
    // Scattered text compresses to more than TOAST's threshold: the JSON is compressed and stored in the TOAST table.
    const scattered = Array.from({ length: 800 }, (_, i) => (((i + 1) * 2654435761) % 4294967296).toString(36)).join('');
    const finding = { ...FINDINGS['rule with a verified fix and peerCount'], noise: scattered + 'x'.repeat(20_000) };
    await dataSource.query(
      `INSERT INTO findings (target_id, fingerprint, classification, severity, severity_rank, control, direction, protocol,
         port, return_traffic, records, first_seen, last_seen, finding, flows)
       VALUES ($1, 'toasted', 'uncertain', 'medium', 2, 'security-group', 'ingress', 6, 443, false, 12, now(), now(), $2, '[]')`,
      [targetId, JSON.stringify(finding)],
    );
    const [stored] = (await dataSource.query(
      `SELECT pg_column_size(finding) AS size, pg_column_compression(finding) AS compression FROM findings WHERE fingerprint = 'toasted'`,
    )) as Array<{ size: number; compression: string | null }>;
    expect(stored!.compression).not.toBeNull();
    expect(stored!.size).toBeGreaterThan(2000);
    await dataSource.query(`UPDATE findings SET status = 'acknowledged' WHERE fingerprint = 'toasted'`);
    const [row] = (await dataSource.query(`SELECT list_item FROM findings WHERE fingerprint = 'toasted'`)) as Array<{ list_item: string }>;
    expect(JSON.parse(row!.list_item)).toMatchObject({
      status: 'acknowledged',
      traffic: 'tcp/443',
      peerCount: 140,
      fixSummary: 'AuthorizeSecurityGroupIngress + CreateNetworkAclEntry (verified)',
    });
    expect(await mismatches()).toEqual([]);
  });

  it('renders the list item of a finding written with an empty search path, as a restore writes them', async () => {
    const [{ schema }] = (await dataSource.query(`SELECT current_schema() AS schema`)) as Array<{ schema: string }>;
    await dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('search_path', '', true)`);
      await manager.query(
        `INSERT INTO "${schema}".findings (target_id, fingerprint, classification, severity, severity_rank, control, direction,
           protocol, port, return_traffic, records, first_seen, last_seen, finding, flows)
         VALUES ($1, 'restored', 'uncertain', 'medium', 2, 'security-group', 'ingress', 17, 53, false, 3, now(), now(), $2, '[]')`,
        [targetId, JSON.stringify(FINDINGS['rule with an unverified fix, peers but no peerCount'])],
      );
    });
    const [row] = (await dataSource.query(`SELECT list_item FROM findings WHERE fingerprint = 'restored'`)) as Array<{ list_item: string }>;
    expect(JSON.parse(row!.list_item)).toMatchObject({
      traffic: 'udp/53',
      peerCount: 3,
      fixSummary: 'CreateNetworkAclEntry (not verified)',
    });
    expect(await mismatches()).toEqual([]);
  });

  it('keeps the list item in the row: the JSON goes to the TOAST table before it', async () => {
    const columns = (await dataSource.query(
      `SELECT attstorage FROM pg_attribute WHERE attrelid = 'findings'::regclass AND attname = 'list_item'`,
    )) as Array<{ attstorage: string }>;
    expect(columns).toEqual([{ attstorage: 'm' }]);
  });

  it('holds a campaign in short, without its sources and ports', async () => {
    const [row] = (await dataSource.query(`SELECT summary FROM findings WHERE fingerprint = 'after-4'`)) as Array<{ summary: unknown }>;
    expect(row!.summary).toEqual({
      blockedBy: NACL_CONTROL,
      peerCount: 1,
      campaign: { scope: 'source', key: '203.0.113.45', sourceCount: 1, portCount: 398, hostCount: 12 },
      fixActions: null,
      fixVerified: null,
    });
  });

  it('are declared on FindingEntity as the migrations made them: migration:generate proposes no change to them', async () => {
    // What `typeorm migration:generate` runs: the schema builder's diff of the entity against the database
    // (with the table its foreign key names; test/integration/entity-schema.spec.ts diffs every entity).
    const generator = await new DataSource(
      buildDataSourceOptions(loadAppConfig({ DATABASE_URL: url }).database, { entities: [FindingEntity, TargetEntity] }),
    ).initialize();
    try {
      const proposed = (await generator.driver.createSchemaBuilder().log()).upQueries.map((query) => query.query);
      expect(proposed.filter((query) => /"summary"|"sample_flows"|"list_item"|typeorm_metadata/.test(query))).toEqual([]);
    } finally {
      await generator.destroy();
    }
  });
});
