import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A path question confirmed again on the same target while its confirmation is still queued or
 * running gets that one back instead of a second billed Reachability Analyzer analysis, as a
 * finding's does since 1796416000000. The service checks under the target's budget lock; this
 * index holds it whatever the interleaving. Path confirmations already pending twice for one
 * question (asked before this migration) are left to finish: only the oldest of each stays
 * pending for the index, the others are failed without having cost more than they already did
 * (their finish time is the time they were asked: a migration has no clock of the service's).
 */
export class OnePendingPathConfirmationPerQuestion1796418000000 implements MigrationInterface {
  name = 'OnePendingPathConfirmationPerQuestion1796418000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "reachability_confirmations" AS c SET "status" = 'failed', "finished_at" = c."requested_at",
         "failure" = jsonb_build_object('code', 'CONFIRMATION.DUPLICATE', 'reason', 'asked again while an earlier confirmation of the same question was pending')
       WHERE c."subject" = 'path' AND c."status" IN ('queued','running') AND EXISTS (
         SELECT 1 FROM "reachability_confirmations" AS e
         WHERE e."subject" = 'path' AND e."target_id" = c."target_id" AND e."analyzer_path" = c."analyzer_path"
           AND e."status" IN ('queued','running') AND (e."requested_at", e."id") < (c."requested_at", c."id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_reachability_confirmations_pending_path_question" ON "reachability_confirmations" ("target_id", "analyzer_path")
         WHERE "subject" = 'path' AND "status" IN ('queued','running')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "uq_reachability_confirmations_pending_path_question"`);
  }
}
