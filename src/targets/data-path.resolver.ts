import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ValidationError } from '../common/errors/validation.error';
import { isInsideRoot as isInside, NotInsideRootError, openInsideRoot } from './open-inside-root.util';

/**
 * Local paths of file-based targets (flow-log files, snapshot files) live under one data root.
 * A path is refused when it is absolute outside the root, has a `..` segment, does not exist,
 * or resolves (through symbolic links) to somewhere outside the root. Paths are stored relative
 * to the root and checked again when an analysis reads them, since links can change.
 */
export class DataPathResolver {
  constructor(private readonly dataRoot: string) {}

  /** The data root, as configured (absolute, or relative to the working directory). */
  get root(): string {
    return resolve(this.dataRoot);
  }

  /** The path relative to the data root (POSIX separators), or a ValidationError naming `field`. */
  async normalize(field: string, input: string): Promise<string> {
    const { relativePath } = await this.check(field, input);
    return relativePath;
  }

  /** `normalize` for a path that must name a regular file (a snapshot), not a directory or a device. */
  async normalizeFile(field: string, input: string): Promise<string> {
    const { relativePath, realPath } = await this.check(field, input);
    if (!(await stat(realPath)).isFile()) refuse(field, 'must be a regular file, not a directory or another kind of file');
    return relativePath;
  }

  /** The real absolute path of a stored relative path, checked again. */
  async resolveStored(field: string, stored: string): Promise<string> {
    const { realPath } = await this.check(field, stored);
    return realPath;
  }

  /**
   * The contents of a stored relative path (a file), checked again, and checked once more on the
   * file opened: a link swapped in after the check is refused like one found by it.
   */
  async readStored(field: string, stored: string): Promise<Buffer> {
    const { realPath, realRoot } = await this.check(field, stored);
    let handle;
    try {
      handle = await openInsideRoot(realPath, realRoot);
    } catch (error) {
      if (error instanceof NotInsideRootError) return refuse(field, error.message);
      throw error;
    }
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  private async check(field: string, input: string): Promise<{ relativePath: string; realPath: string; realRoot: string }> {
    const fail = (message: string): never => refuse(field, message);
    if (typeof input !== 'string' || input.trim() === '' || input.includes('\0')) fail('must be a non-empty path');
    if (input.split(/[\\/]+/).includes('..')) fail('must not contain ".." segments');
    const root = resolve(this.dataRoot);
    const candidate = isAbsolute(input) ? resolve(input) : resolve(root, input);
    // The root is named by its setting, not its place: the server's file system is not the client's to learn.
    if (!isInside(root, candidate)) fail('must be inside the data root (SGDOCTOR_DATA_ROOT): give a path relative to it');
    let realRoot: string;
    try {
      realRoot = await realpath(root);
    } catch {
      return fail('the data root (SGDOCTOR_DATA_ROOT) does not exist');
    }
    let realPath: string;
    try {
      realPath = await realpath(join(realRoot, relative(root, candidate)));
    } catch {
      return fail('does not exist under the data root');
    }
    if (!isInside(realRoot, realPath)) fail('resolves (through a symbolic link) to a place outside the data root');
    const relativePath =
      relative(realRoot, join(realRoot, relative(root, candidate)))
        .split(sep)
        .join('/') || '.';
    return { relativePath, realPath, realRoot };
  }
}

function refuse(field: string, message: string): never {
  throw new ValidationError([{ field, message }], `${field}: ${message}`);
}
