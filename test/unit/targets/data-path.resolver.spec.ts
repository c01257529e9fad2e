import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/common/errors/validation.error';
import { DataPathResolver } from '../../../src/targets/data-path.resolver';
import { NotInsideRootError, openInsideRoot } from '../../../src/targets/open-inside-root.util';

/**
 * A data root with files, a directory, a link inside it and links pointing out of it; plus a
 * sibling directory whose name starts with the root's (a prefix that is not a parent).
 */
describe('DataPathResolver', () => {
  let base: string;
  let root: string;
  let resolver: DataPathResolver;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'sgdoctor-paths-'));
    root = join(base, 'data');
    mkdirSync(join(root, 'flows', '2026'), { recursive: true });
    writeFileSync(join(root, 'snapshot.json'), '{}');
    writeFileSync(join(root, 'flows', '2026', 'a.log'), '');
    mkdirSync(join(base, 'data-other'));
    writeFileSync(join(base, 'data-other', 'secret.json'), '{}');
    writeFileSync(join(base, 'outside.json'), '{}');
    symlinkSync(join(root, 'snapshot.json'), join(root, 'current.json'));
    symlinkSync(join(base, 'outside.json'), join(root, 'escape.json'));
    symlinkSync(base, join(root, 'up'));
    symlinkSync(join(root, 'flows'), join(base, 'root-link'));
    resolver = new DataPathResolver(root);
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  async function refusal(path: string, dataRoot = root): Promise<string> {
    const error = await new DataPathResolver(dataRoot).normalize('flowSource.paths[0]', path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, path).toBeInstanceOf(ValidationError);
    const details = (error as ValidationError).details.errors ?? [];
    expect(details[0]?.field).toBe('flowSource.paths[0]');
    return details[0]?.message ?? '';
  }

  it('stores paths relative to the root with forward slashes', async () => {
    expect(await resolver.normalize('f', 'snapshot.json')).toBe('snapshot.json');
    expect(await resolver.normalize('f', './flows/2026/')).toBe('flows/2026');
    expect(await resolver.normalize('f', join(root, 'flows', '2026', 'a.log'))).toBe('flows/2026/a.log');
    expect(await resolver.normalize('f', root)).toBe('.');
  });

  it('resolves a stored path to its real location, following links that stay inside', async () => {
    expect(await resolver.normalize('f', 'current.json')).toBe('current.json');
    expect(await resolver.resolveStored('f', 'current.json')).toMatch(/data[\\/]snapshot\.json$/);
  });

  it('refuses ".." segments even when they would land inside the root', async () => {
    expect(await refusal('flows/../snapshot.json')).toMatch(/\.\./);
    expect(await refusal('..\\outside.json')).toMatch(/\.\./);
  });

  it('refuses absolute paths outside the root, including a sibling that shares its prefix', async () => {
    expect(await refusal(join(base, 'outside.json'))).toMatch(/inside the data root/);
    expect(await refusal(join(base, 'data-other', 'secret.json'))).toMatch(/inside the data root/);
  });

  it('refuses links that lead out of the root, to a file or through a directory', async () => {
    expect(await refusal('escape.json')).toMatch(/symbolic link/);
    expect(await refusal('up/outside.json')).toMatch(/symbolic link/);
    expect(await refusal('up')).toMatch(/symbolic link/);
  });

  it('checks stored paths again when they are read: a link changed after creation is refused', async () => {
    const swapped = join(root, 'swapped.json');
    symlinkSync(join(root, 'snapshot.json'), swapped);
    expect(await resolver.normalize('f', 'swapped.json')).toBe('swapped.json');
    rmSync(swapped);
    symlinkSync(join(base, 'outside.json'), swapped);
    await expect(resolver.resolveStored('configSource.paths[0]', 'swapped.json')).rejects.toMatchObject({
      details: { errors: [{ field: 'configSource.paths[0]', message: expect.stringMatching(/symbolic link/) }] },
    });
  });

  it('refuses empty, NUL-carrying and missing paths', async () => {
    expect(await refusal('')).toMatch(/non-empty/);
    expect(await refusal('   ')).toMatch(/non-empty/);
    expect(await refusal('flows\0.log')).toMatch(/non-empty/);
    expect(await refusal('flows/2027')).toMatch(/does not exist/);
  });

  it('works with a data root that is itself a link', async () => {
    const viaLink = new DataPathResolver(join(base, 'root-link'));
    expect(await viaLink.normalize('f', '2026/a.log')).toBe('2026/a.log');
    expect(await viaLink.resolveStored('f', '2026/a.log')).toBe(join(root, 'flows', '2026', 'a.log'));
    expect(await refusal('x', join(base, 'no-such-root'))).toMatch(/data root .* does not exist/);
  });

  it('reads a stored file, and refuses one whose link leads out as it is read', async () => {
    expect((await resolver.readStored('f', 'current.json')).toString()).toBe('{}');
    await expect(resolver.readStored('configSource.paths[0]', 'escape.json')).rejects.toMatchObject({
      details: { errors: [{ field: 'configSource.paths[0]', message: expect.stringMatching(/symbolic link/) }] },
    });
  });

  it('opens only a regular file that really is inside the root once opened, without waiting on a FIFO', async () => {
    const handle = await openInsideRoot(join(root, 'current.json'), root);
    expect((await handle.readFile()).toString()).toBe('{}');
    await handle.close();
    // Given a path as an earlier check left it, the open file is what counts.
    await expect(openInsideRoot(join(root, 'escape.json'), root)).rejects.toThrow(/leads outside the data root/);
    await expect(openInsideRoot(join(root, 'up', 'outside.json'), root)).rejects.toBeInstanceOf(NotInsideRootError);
    await expect(openInsideRoot(join(base, 'data-other', 'secret.json'), root)).rejects.toThrow(/leads outside/);
    const fifo = join(root, 'pipe.log');
    execFileSync('mkfifo', [fifo]);
    await expect(openInsideRoot(fifo, root)).rejects.toThrow(/not a regular file/);
    rmSync(fifo);
  });
});
