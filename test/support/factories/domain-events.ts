import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Finding } from '../../../src/engine/findings/finding';
import type { DomainEventSubject, DomainEventType } from '../../../src/events/domain-event';
import { EventsService } from '../../../src/events/events.service';

/** Rows a finding event refers to: a target and a finding, written straight to the database. */
export async function insertTargetAndFinding(databaseUrl: string, finding: Finding): Promise<{ targetId: string; findingId: string }> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const target = await db.query(
      `INSERT INTO targets (name, account_id, region, access, scope, flow_source, config_source)
       VALUES ('hooks', '111122223333', 'eu-west-1', '{}', '{}', '{"type":"files","paths":["flows"]}', '{"type":"snapshot-file","paths":["snapshot.json"]}')
       RETURNING id`,
    );
    const targetId: string = target.rows[0].id;
    const row = await db.query(
      `INSERT INTO findings (target_id, fingerprint, classification, severity, severity_rank, control, direction, protocol, port, return_traffic,
                             records, packets, bytes, first_seen, last_seen, finding)
       VALUES ($1, $2, $3, $4, 3, 'security-group', $5, $6, $7, false, $8, $9, $10, $11, $12, $13) RETURNING id`,
      [
        targetId,
        finding.fingerprint,
        finding.classification,
        finding.severity,
        finding.traffic.direction,
        finding.traffic.protocol,
        finding.traffic.port,
        finding.traffic.records,
        finding.traffic.packets,
        finding.traffic.bytes,
        finding.traffic.firstSeen,
        finding.traffic.lastSeen,
        JSON.stringify(finding),
      ],
    );
    return { targetId, findingId: row.rows[0].id };
  } finally {
    await db.end();
  }
}

/**
 * Records a domain event the way the analysis pipeline does (in a transaction, through the
 * outbox) and publishes it, which enqueues its webhook.fanout job. Returns the event id.
 */
export async function emitEvent(
  app: INestApplicationContext,
  type: DomainEventType,
  subject: DomainEventSubject,
  data: Record<string, unknown>,
): Promise<string> {
  const events = app.get(EventsService);
  const dataSource = app.get<DataSource>(getDataSourceToken());
  const event = await dataSource.transaction((manager) => events.record(manager, { type, subject, data }));
  await events.publish([event.id]);
  return event.id;
}

export function findingEventData(targetId: string, findingId: string, finding: Finding) {
  return {
    subject: { targetId, findingId, severity: finding.severity, classification: finding.classification },
    data: { findingId, targetId, analysisId: null, finding },
  };
}
