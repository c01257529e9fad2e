import { readFile } from 'node:fs/promises';

import { fileErrorReason } from '../common/errors/file-error-reason.util';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import { decodeJsonText, mergeSnapshots, parseJsonDocuments } from '../engine/network/snapshot-loader';
import { SnapshotValidationError } from '../engine/network/snapshot-validation.error';
import { CliError } from './cli.error';
import { ExitCode } from './exit-code';
import { escapeControl } from './input-errors';

export interface LoadSnapshotOptions {
  /** Unknown top-level members are an input error instead of a warning. */
  strict?: boolean;
  /** Where warnings go (one line each, newline included). */
  warn?: (text: string) => void;
}

/**
 * Help for the commands that propose fixes: a fix's security-group rule and NACL entry are held
 * to the account's rule quotas when the snapshot carries them, else to EC2's defaults, and an
 * exported snapshot has them only when they are added as files of their own.
 */
export const RULE_QUOTA_HELP =
  "\nFixes are held to EC2's defaults of 60 rules per security group and 20 per network ACL (per direction\n" +
  "and address family) unless the snapshot carries the account's own (ServiceQuotas). Add them to an\n" +
  'exported snapshot:\n' +
  '  aws service-quotas get-service-quota --service-code vpc --quota-code L-0EA8095F --output json > quota.json\n' +
  '  aws service-quotas get-service-quota --service-code vpc --quota-code L-2AEEBF1A --output json > nacl-quota.json\n' +
  'and pass each as one more --config (one file per quota, account and Region).\n\n';

/**
 * A hint for a snapshot file that does not even start like JSON: the AWS CLI prints text, table or
 * YAML when a profile's `output` setting (or AWS_DEFAULT_OUTPUT) says so.
 */
function notJsonHint(text: string): string {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[' || first === undefined) return '';
  return ' (run aws ec2 describe-… with --output json: the AWS CLI prints text, table or YAML when its profile or AWS_DEFAULT_OUTPUT says so)';
}

/**
 * Reads and merges the `--config` files (DESIGN.md "Network snapshot JSON"): UTF-8 with or without
 * a byte-order mark, or UTF-16. Every failure is an input error naming the file, and for an
 * invalid snapshot the JSON path of the wrong member; after merging, a missing required member
 * (SecurityGroups, NetworkAcls, NetworkInterfaces, Subnets) is one too. Unknown top-level members
 * are named in a warning (an error with `strict`).
 */
export async function loadSnapshot(files: readonly string[], options: LoadSnapshotOptions = {}): Promise<NetworkSnapshot> {
  const parts: unknown[] = [];
  /** The name of each part: its file, with the document's number when the file holds several (appended pages). */
  const names: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = decodeJsonText(await readFile(file));
    } catch (err) {
      throw new CliError(`cannot read snapshot ${file}: ${fileErrorReason(err)}`, ExitCode.Input);
    }
    let documents: unknown[];
    try {
      documents = parseJsonDocuments(text);
    } catch (err) {
      throw new CliError(`snapshot ${file} is not valid JSON: ${(err as Error).message}${notJsonHint(text)}`, ExitCode.Input);
    }
    parts.push(...documents);
    names.push(...documents.map((_, i) => (documents.length > 1 ? `${file} (document ${i + 1})` : file)));
  }
  try {
    return mergeSnapshots(parts, {
      names,
      requireMembers: true,
      strict: options.strict,
      onWarning: (message) => options.warn?.(`sgdoctor: warning: snapshot ${escapeControl(message)}\n`),
    });
  } catch (err) {
    if (err instanceof SnapshotValidationError) {
      if (err.part === null && err.path === '') {
        throw new CliError(`invalid snapshot (${files.join(', ')}): ${err.detail}`, ExitCode.Input);
      }
      const file = names[err.part ?? 0];
      throw new CliError(`invalid snapshot ${file}: ${err.path || '(root)'}: ${err.detail}`, ExitCode.Input);
    }
    throw err;
  }
}

/**
 * The `LogFormat`s of the snapshot's flow logs (DescribeFlowLogs), in order: the formats files
 * without a header line may be in when `--log-format` is not given.
 */
export function flowLogFormats(snapshot: NetworkSnapshot): string[] {
  return (snapshot.FlowLogs ?? []).flatMap((flowLog) => (flowLog.LogFormat ? [flowLog.LogFormat] : []));
}
