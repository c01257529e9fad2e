import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ValidationError } from '../common/errors/validation.error';

/**
 * Local paths of file-based targets (flow-log files, snapshot files) live under one data root.
 * A path is refused when it is absolute outside the root, has a `..` segment, does not exist,
 * or resolves (through symbolic links) to somewhere outside the root. Paths are stored relative
 * to the root and checked again when an analysis reads them, since links can change.
 */
export class DataPathResolver {
  constructor(private readonly dataRoot: string) {}

  /** The path relative to the data root (POSIX separators), or a ValidationError naming `field`. */
  async normalize(field: string, input: string): Promise<string> {
    const { relativePath } = await this.check(field, input);
    return relativePath;
  }

  /** The real absolute path of a stored relative path, checked again. */
  async resolveStored(field: string, stored: string): Promise<string> {
    const { realPath } = await this.check(field, stored);
    return realPath;
  }

  private async check(field: string, input: string): Promise<{ relativePath: string; realPath: string }> {
    const fail = (message: string): never => {
      throw new ValidationError([{ field, message }], `${field}: ${message}`);
    };
    if (typeof input !== 'string' || input.trim() === '' || input.includes('\0')) fail('must be a non-empty path');
    if (input.split(/[\\/]+/).includes('..')) fail('must not contain ".." segments');
    const root = resolve(this.dataRoot);
    const candidate = isAbsolute(input) ? resolve(input) : resolve(root, input);
    if (!isInside(root, candidate)) fail(`must be inside the data root ${root}`);
    let realRoot: string;
    try {
      realRoot = await realpath(root);
    } catch {
      return fail(`the data root ${root} does not exist`);
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
    return { relativePath, realPath };
  }
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
