import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisCancelledSignal } from '../../../src/analyses/pipeline/analysis-cancelled.signal';
import { analysisWritersLockKey } from '../../../src/analyses/analysis-writers-lock';
import { inRunningTransaction, persistObserved, type RunningLock } from '../../../src/analyses/pipeline/persist-observed';
import { FixedClock } from '../../../src/common/clock/clock';
import { loadAppConfig } from '../../../src/config/app-config';
import { buildDataSourceOptions } from '../../../src/database/database-options';
import { EventEntity } from '../../../src/events/event.entity';
import { eventsWithoutQueue } from '../../support/factories/events-without-queue';
import { FindingEventEntity } from '../../../src/findings/finding-event.entity';
import { FindingEntity } from '../../../src/findings/finding.entity';
import { FindingsPersister, preparedSize, type PersistContext } from '../../../src/findings/findings-persister.service';
import type { ObservedFinding } from '../../../src/findings/observed-finding';
import { storedFlowsOf } from '../../../src/findings/stored-flows';
import { TargetEntity } from '../../../src/targets/target.entity';
import { flowAggregate } from '../../support/factories/flow-aggregate';
import { sampleFinding } from '../../support/factories/sample-finding';
import { createTestDatabase, dropTestDatabase, uniqueTestName } from '../../support/app/test-database';
import { loadMigrationClasses } from '../../support/app/test-migrations';

const NOW = new Date('2026-12-04T12:00:00Z');
const H1 = '2023-11-14T22:00:00.000Z';
const H2 = '2023-11-14T23:00:00.000Z';

function observed(fingerprint: string, counts: Record<string, number> = { [H1]: 3 }): ObservedFinding {
  return { finding: sampleFinding({ fingerprint }), flows: [], counts, vpcIds: ['vpc-0a'], accountIds: ['111122223333'] };
}

/**
 * The persister and the persist loop on PostgreSQL (the migrations' schema): what one batch writes
 * for new and re-seen findings, lifecycle changes with their audit entries and events, events
 * recorded settled unless a subscription listens, and the same batch written twice.
 */
describe('FindingsPersister', () => {
  const name = uniqueTestName('persister');
  let dataSource: DataSource;
  let persister: FindingsPersister;
  let targetId: string;

  /** A new analysis of the target, the one before it finished (a target runs one analysis at a time). */
  const analysis = async (status = 'running'): Promise<string> => {
    await dataSource.query(`UPDATE "analyses" SET "status" = 'succeeded' WHERE "target_id" = $1 AND "status" = 'running'`, [targetId]);
    const [row] = await dataSource.query(
      `INSERT INTO "analyses" ("target_id", "status", "window_from", "window_to", "attempt") VALUES ($1, $2, $3, $4, 1) RETURNING "id"`,
      [targetId, status, new Date(H1), new Date(NOW)],
    );
    return row.id;
  };
  /**
   * The persist loop for `analysisId` (attempt 1), its events not published: each batch's
   * transaction locks the analysis as `lock` says and runs `inside` before the batch's work;
   * `around` wraps each call of the transaction.
   */
  const persist = (
    analysisId: string,
    findings: Iterable<ObservedFinding>,
    loop: {
      batchSize: number;
      batchChars?: number;
      parallel?: number;
      lock?: RunningLock;
      /** The fingerprints the loop is told are stored (by default it is told none). */
      stored?: string[];
      inside?(): Promise<void>;
      around?<T>(write: () => Promise<T>): Promise<T>;
    },
  ): Promise<void> =>
    persistObserved(
      {
        persister,
        ctx: { targetId, analysisId, now: NOW },
        batchSize: loop.batchSize,
        batchChars: loop.batchChars,
        parallel: loop.parallel,
        transaction: (work) => {
          const write = () =>
            inRunningTransaction(
              dataSource,
              { analysisId, attempt: 1 },
              async (manager) => {
                await loop.inside?.();
                return work(manager);
              },
              loop.lock,
            );
          return loop.around ? loop.around(write) : write();
        },
        storedFingerprints: loop.stored ? async () => new Set(loop.stored) : undefined,
        publish: async () => undefined,
      },
      findings,
    );
  const write = (ctx: PersistContext, batch: ObservedFinding[]) => persister.writeBatch((work) => dataSource.transaction(work), ctx, batch);
  const finding = async (fingerprint: string) =>
    (await dataSource.query(`SELECT * FROM "findings" WHERE "target_id" = $1 AND "fingerprint" = $2`, [targetId, fingerprint]))[0];
  const audits = (findingId: string) =>
    dataSource.query(
      `SELECT "from_status", "to_status", "reason", "analysis_id" FROM "finding_events" WHERE "finding_id" = $1 ORDER BY "id"`,
      [findingId],
    );
  const eventsOf = (findingId: string) =>
    dataSource.query(`SELECT "id", "type", "published_at", "fanned_out_at" FROM "events" WHERE "data" ->> 'findingId' = $1 ORDER BY "id"`, [
      findingId,
    ]);

  beforeAll(async () => {
    const url = await createTestDatabase(name);
    const config = loadAppConfig({ DATABASE_URL: url });
    dataSource = await new DataSource(
      buildDataSourceOptions(config.database, {
        migrations: await loadMigrationClasses(),
        // TargetEntity: the table FindingEntity's foreign key names.
        entities: [FindingEntity, FindingEventEntity, EventEntity, TargetEntity],
      }),
    ).initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const events = eventsWithoutQueue(dataSource, new FixedClock(NOW));
    persister = new FindingsPersister(events);
    const [target] = await dataSource.query(
      `INSERT INTO "targets" ("name", "account_id", "region", "access", "scope", "flow_source", "config_source")
       VALUES ('persisted', '111122223333', 'eu-west-1', '{}', '{}', '{}', '{}') RETURNING "id"`,
    );
    targetId = target.id;
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropTestDatabase(name);
  });

  it('writes new findings open, each with a first-seen audit entry and a settled finding.opened event; the same batch again changes nothing', async () => {
    const ctx = { targetId, analysisId: await analysis(), now: NOW };
    const batch = [observed('a000000000000001', { [H1]: 3, [H2]: 4 }), observed('a000000000000002')];
    expect(await write(ctx, batch)).toEqual([]);
    expect(await write(ctx, batch)).toEqual([]);

    const first = await finding('a000000000000001');
    expect(first).toMatchObject({ status: 'open', records: '7', first_analysis_id: ctx.analysisId, last_analysis_id: ctx.analysisId });
    expect(first.counts).toEqual({ [H1]: 3, [H2]: 4 });
    expect(first.finding.fingerprint).toBe('a000000000000001');
    expect(await audits(first.id)).toEqual([{ from_status: null, to_status: 'open', reason: 'first seen', analysis_id: ctx.analysisId }]);
    const events = await eventsOf(first.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'finding.opened', published_at: NOW, fanned_out_at: NOW });
  });

  it('leaves the events a webhook subscription listens to for publishing', async () => {
    const [subscription] = await dataSource.query(
      `INSERT INTO "webhook_subscriptions" ("name", "url", "events", "format") VALUES ('hook', 'https://example.com/hook', $1, 'standard') RETURNING "id"`,
      [['finding.opened']],
    );
    try {
      const ctx = { targetId, analysisId: await analysis(), now: NOW };
      const pending = await write(ctx, [observed('b000000000000001')]);
      const stored = await finding('b000000000000001');
      const events = await eventsOf(stored.id);
      expect(pending).toEqual([events[0].id]);
      expect(events[0]).toMatchObject({ type: 'finding.opened', published_at: null, fanned_out_at: null });
    } finally {
      await dataSource.query(`DELETE FROM "webhook_subscriptions" WHERE "id" = $1`, [subscription.id]);
    }
  });

  it('seen again: a resolved finding and one whose suppression expired reopen afresh, the others keep their status; counts merge by the larger count', async () => {
    const first = { targetId, analysisId: await analysis(), now: NOW };
    const fingerprints = ['c000000000000001', 'c000000000000002', 'c000000000000003', 'c000000000000004'];
    await write(
      first,
      fingerprints.map((f) => observed(f, { [H1]: 3 })),
    );
    const set = (fingerprint: string, status: string, suppressedUntil: Date | null) =>
      dataSource.query(
        `UPDATE "findings" SET "status" = $3, "status_reason" = 'by hand', "suppressed_until" = $4,
           "resolved_at" = CASE WHEN $3::varchar = 'resolved' THEN $5::timestamptz END
         WHERE "target_id" = $1 AND "fingerprint" = $2`,
        [targetId, fingerprint, status, suppressedUntil, NOW],
      );
    await set('c000000000000001', 'resolved', null);
    await set('c000000000000002', 'suppressed', new Date(NOW.getTime() - 1000));
    await set('c000000000000003', 'suppressed', new Date(NOW.getTime() + 86_400_000));
    await set('c000000000000004', 'acknowledged', null);
    const priorities = await Promise.all(fingerprints.map(async (f) => (await finding(f)).priority));

    const second = { targetId, analysisId: await analysis(), now: NOW };
    const batch = fingerprints.map((f) => observed(f, { [H1]: 2, [H2]: 5 }));
    expect(await write(second, batch)).toEqual([]);
    // Redelivered: the same rows, no second audit entry or event.
    expect(await write(second, batch)).toEqual([]);

    const [resolved, expired, snoozed, acknowledged] = await Promise.all(fingerprints.map(finding));
    for (const reopened of [resolved, expired]) {
      expect(reopened).toMatchObject({ status: 'open', status_reason: null, suppressed_until: null, resolved_at: null });
      // (Both recorded at the clock's one instant: their ids do not order them.)
      expect((await eventsOf(reopened.id)).map((e: { type: string }) => e.type).sort()).toEqual(['finding.opened', 'finding.reopened']);
    }
    expect((await audits(resolved.id)).at(-1)).toEqual({
      from_status: 'resolved',
      to_status: 'open',
      reason: 'the rejected flows recurred',
      analysis_id: second.analysisId,
    });
    expect((await audits(expired.id)).at(-1)).toMatchObject({ from_status: 'suppressed', to_status: 'open' });
    expect(snoozed).toMatchObject({ status: 'suppressed', status_reason: 'by hand' });
    expect(acknowledged).toMatchObject({ status: 'acknowledged', status_reason: 'by hand' });
    for (const kept of [snoozed, acknowledged]) {
      expect(await audits(kept.id)).toHaveLength(1);
      expect(await eventsOf(kept.id)).toHaveLength(1);
    }
    // Seen again with the same rank and last_seen: the same priority.
    expect([resolved, expired, snoozed, acknowledged].map((row) => row.priority)).toEqual(priorities);
    for (const row of [resolved, expired, snoozed, acknowledged]) {
      expect(row.counts).toEqual({ [H1]: 3, [H2]: 5 });
      expect(row).toMatchObject({ records: '8', first_analysis_id: first.analysisId, last_analysis_id: second.analysisId });
    }
  });

  it('a new finding copied in holds what seeing it again writes: the same row, whatever its text holds', async () => {
    const odd = 'tab\there, line\nfeed, back\\slash \\N, "quote", {brace}, comma,, \u00e9 \u{1f600}';
    const base = sampleFinding({ fingerprint: 'h000000000000001' });
    const item: ObservedFinding = {
      finding: {
        ...base,
        traffic: {
          ...base.traffic,
          port: null,
          interfaces: [{ id: 'eni-0h', owner: odd }],
          peers: [{ address: '10.1.0.9', owner: odd, records: 3 }],
        },
      },
      flows: [
        flowAggregate({
          interfaceId: 'eni-0h',
          vpcId: odd,
          flowDirection: 'ingress',
          srcaddr: '10.1.0.9',
          dstaddr: '10.0.1.5',
          srcport: 40000,
          dstport: 8080,
          tcpFlags: 2,
          servicePortSide: 'dst',
          ephemeralPortMin: 40000,
          ephemeralPortMax: 40000,
          records: 3,
          packets: 9,
          bytes: 540,
          firstSeen: 1_700_000_000,
          lastSeen: 1_700_000_060,
        }),
      ],
      counts: { [H1]: 3, [H2]: 4 },
      vpcIds: ['vpc-0a', odd],
      accountIds: [odd, '111122223333'],
    };
    await write({ targetId, analysisId: await analysis(), now: NOW }, [item]);
    const copied = await finding('h000000000000001');
    expect(copied.finding).toEqual(JSON.parse(JSON.stringify(item.finding)));
    // Stored as arrays of values, read back as the flows.
    expect(copied.flows.every(Array.isArray)).toBe(true);
    expect(storedFlowsOf(copied.flows)).toEqual(item.flows);
    expect(copied).toMatchObject({ vpc_ids: item.vpcIds, account_ids: item.accountIds, port: null, network_acl_id: null, records: '7' });
    expect(copied.search_text).toContain(odd.toLowerCase());

    const second = await analysis();
    await write({ targetId, analysisId: second, now: NOW }, [item]);
    const updated = await finding('h000000000000001');
    expect(updated.last_analysis_id).toBe(second);
    expect({ ...updated, last_analysis_id: copied.last_analysis_id }).toEqual(copied);

    // Expected new when drawn (prepared as a COPY row), found stored: the row turned into its line updates it alike.
    const third = await analysis();
    await persist(third, [item], { batchSize: 10 });
    const again = await finding('h000000000000001');
    expect(again.last_analysis_id).toBe(third);
    expect({ ...again, last_analysis_id: copied.last_analysis_id }).toEqual(copied);
  });

  it('packets and bytes past 2^53 are written as the whole numbers they are, held below 2^63, whether copied in or seen again', async () => {
    const base = sampleFinding({ fingerprint: 'k000000000000001' });
    const item = (packets: number, bytes: number): ObservedFinding => ({
      ...observed('k000000000000001'),
      finding: { ...base, traffic: { ...base.traffic, packets, bytes } },
    });
    expect(await write({ targetId, analysisId: await analysis(), now: NOW }, [item(2 ** 63 + 2 ** 53, 2 ** 53 + 2)])).toEqual([]);
    const copied = await finding('k000000000000001');
    expect([Number(copied.packets), Number(copied.bytes)]).toEqual([2 ** 63 - 1024, 2 ** 53 + 2]);
    expect(await write({ targetId, analysisId: await analysis(), now: NOW }, [item(2 ** 64, 2 ** 60)])).toEqual([]);
    const seenAgain = await finding('k000000000000001');
    expect([Number(seenAgain.packets), Number(seenAgain.bytes)]).toEqual([2 ** 63 - 1024, 2 ** 60]);
  });

  it('a finding expected stored that is new is inserted, and one expected new that is stored is updated', async () => {
    const first = await analysis();
    await persist(first, [observed('i000000000000001', { [H1]: 3 })], { batchSize: 10 });
    const second = await analysis();
    await persist(second, [observed('i000000000000001', { [H2]: 5 }), observed('i000000000000002')], {
      batchSize: 10,
      stored: ['i000000000000002'],
    });
    const seen = await finding('i000000000000001');
    expect(seen).toMatchObject({ status: 'open', first_analysis_id: first, last_analysis_id: second, records: '8' });
    expect(seen.counts).toEqual({ [H1]: 3, [H2]: 5 });
    expect(await audits(seen.id)).toHaveLength(1);
    const fresh = await finding('i000000000000002');
    expect(fresh).toMatchObject({ status: 'open', first_analysis_id: second, last_analysis_id: second, records: '3' });
    expect(await audits(fresh.id)).toEqual([{ from_status: null, to_status: 'open', reason: 'first seen', analysis_id: second }]);
  });

  it('persists in batches, each in a transaction of the running analysis; a cancelled analysis is not written to', async () => {
    const batch = Array.from({ length: 7 }, (_, i) => observed(`d00000000000000${i}`));
    const run = (analysisId: string) => persist(analysisId, batch, { batchSize: 3 });
    const cancelled = await analysis('cancelled');
    await expect(run(cancelled)).rejects.toBeInstanceOf(AnalysisCancelledSignal);
    const none = await dataSource.query(`SELECT count(*)::int AS n FROM "findings" WHERE "fingerprint" LIKE 'd%'`);
    expect(none[0].n).toBe(0);

    const running = await analysis();
    await run(running);
    const written = await dataSource.query(
      `SELECT count(*)::int AS n FROM "findings" WHERE "fingerprint" LIKE 'd%' AND "last_analysis_id" = $1`,
      [running],
    );
    expect(written[0].n).toBe(7);
  });

  it('draws the findings a round at a time as it writes them, never all of them first', async () => {
    const running = await analysis();
    let drawn = 0;
    function* lazily() {
      for (let i = 0; i < 10; i++) {
        drawn++;
        yield observed(`c00000000000000${i}`);
      }
    }
    const drawnAtEachWrite: number[] = [];
    await persist(running, lazily(), {
      batchSize: 2,
      around: (write) => {
        drawnAtEachWrite.push(drawn);
        return write();
      },
    });
    expect(drawnAtEachWrite).toEqual([2, 4, 6, 8, 10]);
    const written = await dataSource.query(
      `SELECT count(*)::int AS n FROM "findings" WHERE "fingerprint" LIKE 'c%' AND "last_analysis_id" = $1`,
      [running],
    );
    expect(written[0].n).toBe(10);
  });

  it('ends a batch once its rows reach the characters allowed, however few its findings', async () => {
    const running = await analysis();
    const findings = Array.from({ length: 7 }, (_, i) => observed(`c20000000000000${i}`));
    const ctx: PersistContext = { targetId, analysisId: running, now: NOW };
    const lineChars = preparedSize(persister.prepareRow(ctx, findings[0]!, false));
    let drawn = 0;
    function* lazily() {
      for (const item of findings) {
        drawn++;
        yield item;
      }
    }
    const drawnAtEachWrite: number[] = [];
    // Two rows reach the bound (the second one ends its batch); the count alone would allow all seven.
    await persist(running, lazily(), {
      batchSize: 100,
      batchChars: lineChars + 1,
      around: (write) => {
        drawnAtEachWrite.push(drawn);
        return write();
      },
    });
    expect(drawnAtEachWrite).toEqual([2, 4, 6, 7]);
    const written = await dataSource.query(
      `SELECT count(*)::int AS n FROM "findings" WHERE "fingerprint" LIKE 'c2%' AND "last_analysis_id" = $1`,
      [running],
    );
    expect(written[0].n).toBe(7);
  });

  it('a finding that cannot be finished fails the stage after the round being written settled, with nothing left writing', async () => {
    const running = await analysis();
    let settled = 0;
    function* failing() {
      for (let i = 0; i < 4; i++) yield observed(`c10000000000000${i}`);
      throw new Error('no fix could be made');
    }
    await expect(
      persist(running, failing(), {
        batchSize: 4,
        around: async (write) => {
          const result = await write();
          settled++;
          return result;
        },
      }),
    ).rejects.toThrow('no fix could be made');
    // The first batch was written and committed before the failure surfaced.
    expect(settled).toBe(1);
    const written = await dataSource.query(`SELECT count(*)::int AS n FROM "findings" WHERE "fingerprint" LIKE 'c1%'`);
    expect(written[0].n).toBe(4);
  });

  it('writes the batches of a round at once: under FOR SHARE both hold the running analysis together', async () => {
    const batch = Array.from({ length: 4 }, (_, i) => observed(`e00000000000000${i}`));
    const running = await analysis();
    // Each batch's work waits until both batches of the round hold the analysis row: were the
    // transactions serialised (FOR UPDATE), the first would wait for the second, which waits for the first.
    let entered = 0;
    let bothIn!: () => void;
    const together = new Promise<void>((resolve) => (bothIn = resolve));
    const inRound = async () => {
      if (++entered === 2) bothIn();
      await Promise.race([together, new Promise((_, reject) => setTimeout(() => reject(new Error('the round was serialised')), 5000))]);
    };
    await persist(running, batch, { batchSize: 2, parallel: 2, lock: 'share', inside: inRound });
    const written = await dataSource.query(
      `SELECT count(*)::int AS n FROM "findings" WHERE "fingerprint" LIKE 'e%' AND "last_analysis_id" = $1`,
      [running],
    );
    expect(written[0].n).toBe(4);
  });

  it('a cancel during a round waits for the round to commit, and nothing is written after the cancel committed', async () => {
    // 3 rounds of 2 batches of 5: the cancel is sent while the second round holds the analysis row.
    const batch = Array.from({ length: 30 }, (_, i) => observed(`f${String(i).padStart(15, '0')}`));
    const running = await analysis();
    const count = async (): Promise<number> =>
      (await dataSource.query(`SELECT count(*)::int AS n FROM "findings" WHERE "fingerprint" LIKE 'f%'`))[0].n;
    let transactions = 0;
    let cancelled: Promise<number> | null = null;
    const cancelDuringRound = async () => {
      if (++transactions !== 3) return;
      // As AnalysesService.cancel does it, from another connection; counted as soon as it committed.
      const cancelling = dataSource
        .transaction(async (manager) => {
          await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [analysisWritersLockKey(running)]);
          await manager.query(`UPDATE "analyses" SET "status" = 'cancelled' WHERE "id" = $1 AND "status" IN ('queued', 'running')`, [
            running,
          ]);
        })
        .then(() => count());
      cancelled = cancelling;
      // The round goes on once the cancel waits for the row's lock (or, were the guard wrong, has committed).
      const waiting = async () => {
        for (;;) {
          const [row] = await dataSource.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE "wait_event_type" = 'Lock' AND "datname" = current_database()
               AND ("query" LIKE 'UPDATE "analyses"%' OR "query" LIKE 'SELECT pg_advisory_xact_lock(hashtext%')`,
          );
          if (row.n > 0) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await Promise.race([cancelling, waiting()]);
    };
    const persisting = persist(running, batch, { batchSize: 5, parallel: 2, lock: 'share', inside: cancelDuringRound });
    await expect(persisting).rejects.toBeInstanceOf(AnalysisCancelledSignal);
    expect(cancelled).not.toBeNull();
    // Nothing was written after the cancel committed: not the third round, nor a batch of the second
    // that asked for the row after the cancel did. The batch that held the row when the cancel came
    // committed first.
    const atCancel = await cancelled;
    expect(await count()).toBe(atCancel);
    expect(atCancel).toBeGreaterThanOrEqual(15);
    expect(atCancel).toBeLessThanOrEqual(20);
  });

  it('a batch whose transaction fails for any other reason, another unique index included, is not written again', async () => {
    const batch = [observed('j000000000000001')];
    const ctx: PersistContext = { targetId, analysisId: await analysis(), now: NOW };
    const failing = [
      'SELECT 1 / 0',
      'CREATE TEMPORARY TABLE "other_unique" ("x" int UNIQUE) ON COMMIT DROP; INSERT INTO "other_unique" VALUES (1), (1)',
    ];
    for (const statement of failing) {
      let transactions = 0;
      const written = persister.writeBatch(
        (work) =>
          dataSource.transaction(async (manager) => {
            transactions++;
            const eventIds = await work(manager);
            await manager.query(statement);
            return eventIds;
          }),
        ctx,
        batch,
      );
      await expect(written).rejects.toMatchObject({ code: statement.startsWith('SELECT') ? '22012' : '23505' });
      expect(transactions).toBe(1);
      expect(await finding('j000000000000001')).toBeUndefined();
    }
  });

  it('the same batch written by two transactions at once (a job run twice): one first-seen audit entry and one event per finding', async () => {
    const batch = Array.from({ length: 3 }, (_, i) => observed(`g00000000000000${i}`));
    const ctx: PersistContext = { targetId, analysisId: await analysis(), now: NOW };
    const first = dataSource.createQueryRunner();
    await first.connect();
    try {
      await first.startTransaction();
      await persister.upsertBatch(first.manager, ctx, batch);
      // The second finds none of them stored (the first has not committed) and waits on their insertion.
      const second = write(ctx, batch);
      for (;;) {
        const [row] = await dataSource.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE "wait_event_type" = 'Lock' AND "datname" = current_database()
             AND "query" LIKE 'COPY "findings"%'`,
        );
        if (row.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await first.commitTransaction();
      await second;
    } finally {
      await first.release();
    }
    for (const item of batch) {
      const row = await finding(item.finding.fingerprint);
      expect(await audits(row.id)).toEqual([{ from_status: null, to_status: 'open', reason: 'first seen', analysis_id: ctx.analysisId }]);
      expect((await eventsOf(row.id)).map((e: { type: string }) => e.type)).toEqual(['finding.opened']);
    }
  });
});
