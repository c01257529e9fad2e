import { Injectable } from '@nestjs/common';
import { ValidationError } from '../common/errors/validation.error';
import { Ec2Snapshotter, type ScopeNotDescribed, checkScopeDescribed } from '../aws/ec2-snapshotter';
import { ConfigHistoryReader, type WindowHistory } from '../aws/config-history';
import { type MemberReading, OrganizationSnapshotter } from '../aws/organization-snapshotter';
import { snapshotAt } from './snapshot-at';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import { decodeJsonText, mergeSnapshots, parseJsonDocuments } from '../engine/network/snapshot-loader';
import type { DataPathResolver } from '../targets/data-path.resolver';
import type { Target } from '../targets/target-sources';
import { awsTargetOf } from './aws-target-of.util';
import { SnapshotFileError } from './snapshot-file.error';

/**
 * The network configuration of a target as one snapshot (DESIGN.md "Network snapshot JSON"):
 * snapshot files under the data root, merged and validated by the engine, or the live EC2 API.
 */
export interface LoadedSnapshot {
  snapshot: NetworkSnapshot;
  /** Organisation targets: how reading each member account × region went. */
  members?: MemberReading[];
  /** `history: 'aws-config'`: what AWS Config recorded over the window (the snapshot is its state at the window's start). */
  history?: WindowHistory;
  /**
   * Live targets: the VPC and subnet ids of the scope EC2 does not describe (deleted since the scope
   * was written), when it describes the rest; a scope it describes none of fails the load.
   */
  scopeNotDescribed?: ScopeNotDescribed;
}

export interface LoadOptions {
  /** The analysis window: with configuration history, the snapshot is the configuration in force at its start. */
  window?: { from: Date; to: Date };
  signal?: AbortSignal;
}

@Injectable()
export class TargetSnapshotLoader {
  constructor(
    private readonly ec2: Ec2Snapshotter,
    private readonly organization: OrganizationSnapshotter,
    private readonly history: ConfigHistoryReader,
  ) {}

  async load(target: Target, paths: DataPathResolver): Promise<NetworkSnapshot> {
    return (await this.loadWithMembers(target, paths)).snapshot;
  }

  async loadWithMembers(target: Target, paths: DataPathResolver, options: LoadOptions = {}): Promise<LoadedSnapshot> {
    const source = target.configSource;
    const signal = options.signal;
    if (source.type === 'ec2') {
      const scoped = { ...awsTargetOf(target), vpcIds: target.scope.vpcIds, subnetIds: target.scope.subnetIds };
      const current = await this.ec2.snapshot(scoped);
      const missing = checkScopeDescribed(current, scoped, { accountIds: [target.accountId], regions: [target.region] });
      const named = missing ? { scopeNotDescribed: missing } : {};
      if (source.history !== 'aws-config' || !options.window) return { snapshot: current, ...named };
      const history = await this.history.read(awsTargetOf(target), current, options.window, signal);
      return { snapshot: snapshotAt(current, history, options.window.from), history, ...named };
    }
    if (source.type === 'organization') {
      return this.organization.snapshot({
        central: awsTargetOf(target),
        accounts: source.accounts,
        regions: source.regions,
        roleName: source.roleName,
        externalId: source.externalId,
        vpcIds: target.scope.vpcIds,
        subnetIds: target.scope.subnetIds,
        signal,
      });
    }
    const parts: unknown[] = [];
    const names: string[] = [];
    for (const [index, stored] of source.paths.entries()) {
      let text: string;
      try {
        // Checked again as it is read: the file opened must still lie under the data root.
        text = decodeJsonText(await paths.readStored(`configSource.paths[${index}]`, stored));
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        throw new SnapshotFileError(`cannot read snapshot ${stored}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      let documents: unknown[];
      try {
        // Several documents when pages of a describe-… command were appended to one file.
        documents = parseJsonDocuments(text);
      } catch (error) {
        throw new SnapshotFileError(`snapshot ${stored} is not valid JSON${whereJsonBroke(error)}`);
      }
      parts.push(...documents);
      names.push(...documents.map((_, i) => (documents.length > 1 ? `${stored} (document ${i + 1})` : stored)));
    }
    // A snapshot without interfaces, groups, NACLs or subnets would leave every record `unknown`.
    return { snapshot: mergeSnapshots(parts, { names, requireMembers: true }) };
  }
}

/**
 * Where JSON.parse gave up, as ` (line 3, column 8)` when it says, else nothing: never its quote of
 * the text, since a failure's reason is shown to every reader of the analysis and the file that
 * is not JSON may be anything (`Unexpected token 'T', "TOPSECRET=…" is not valid JSON`).
 */
function whereJsonBroke(error: unknown): string {
  const at = /\(line (\d+) column (\d+)\)/.exec(error instanceof Error ? error.message : '');
  return at ? ` (line ${at[1]}, column ${at[2]})` : '';
}
