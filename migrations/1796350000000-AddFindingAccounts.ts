import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Findings name the accounts of their interfaces, so an organisation target's findings can be listed per account. */
export class AddFindingAccounts1796350000000 implements MigrationInterface {
  name = 'AddFindingAccounts1796350000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "findings" ADD COLUMN "account_ids" text array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`CREATE INDEX "ix_findings_account_ids" ON "findings" USING GIN ("account_ids")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_findings_account_ids"`);
    await queryRunner.query(`ALTER TABLE "findings" DROP COLUMN "account_ids"`);
  }
}
