import { readFile } from 'node:fs/promises';

import type { NetworkSnapshot } from '../engine/network/snapshot';
import { mergeSnapshots } from '../engine/network/snapshot-loader';
import { SnapshotValidationError } from '../engine/network/snapshot-validation.error';
import { CliError } from './cli.error';
import { ExitCode } from './exit-code';

/**
 * Reads and merges the `--config` files (DESIGN.md "Network snapshot JSON"). Every failure is an
 * input error naming the file, and for an invalid snapshot the JSON path of the wrong member.
 */
export async function loadSnapshot(files: readonly string[]): Promise<NetworkSnapshot> {
  const parts: unknown[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read snapshot ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ExitCode.Input);
    }
    try {
      parts.push(JSON.parse(text));
    } catch (err) {
      throw new CliError(`snapshot ${file} is not valid JSON: ${(err as Error).message}`, ExitCode.Input);
    }
  }
  try {
    return mergeSnapshots(parts);
  } catch (err) {
    if (err instanceof SnapshotValidationError) {
      const file = files[err.part ?? 0];
      throw new CliError(`invalid snapshot ${file}: ${err.path || '(root)'}: ${err.detail}`, ExitCode.Input);
    }
    throw err;
  }
}
