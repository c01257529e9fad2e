import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Scope } from '../auth/scope';

@Entity({ name: 'api_keys' })
@Unique('uq_api_keys_lookup_id', ['lookupId'])
@Check('ck_api_keys_scopes', `cardinality("scopes") > 0 AND "scopes" <@ ARRAY['read','write','admin']::text[]`)
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_api_keys' })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** Public part of the key, used to find the row; unique. */
  @Column({ type: 'varchar', length: 12 })
  lookupId!: string;

  /** SHA-256 (hex) of the whole key; the key itself is never stored. */
  @Column({ type: 'char', length: 64 })
  secretHash!: string;

  @Column({ type: 'text', array: true })
  scopes!: Scope[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
