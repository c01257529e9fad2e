import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SAMPLES = resolve(__dirname, '..', '..', '..', 'samples');

/** A private copy of the samples (flows/ and snapshot.json) that a test may change. */
export function tempDataRoot(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'sgdoctor-data-'));
  cpSync(join(SAMPLES, 'flows'), join(root, 'flows'), { recursive: true });
  cpSync(join(SAMPLES, 'snapshot.json'), join(root, 'snapshot.json'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
