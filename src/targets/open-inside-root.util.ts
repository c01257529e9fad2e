import { constants } from 'node:fs';
import { type FileHandle, open, readlink, realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';

/** Why a file under the data root was not read: it is not a regular file, or it leads outside. */
export class NotInsideRootError extends Error {}

export const LEADS_OUTSIDE_ROOT = 'leads outside the data root (through a symbolic link); not read';

/** Whether `path` is `root` or below it (both absolute; real paths when links matter). */
export function isInsideRoot(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * `path` opened for reading, when the file opened really is a regular file under `realRoot` (the
 * data root's real path). The check is of the open file — its path through /proc/self/fd, or
 * where /proc is missing its device and inode against those of the path's real location — so a
 * link swapped in between an earlier check and the open is never read. O_NONBLOCK keeps a FIFO
 * put in a file's place from holding the open; it is refused as not a regular file. Throws
 * NotInsideRootError (closing the file) when refused, and the open's own error otherwise.
 */
export async function openInsideRoot(path: string, realRoot: string): Promise<FileHandle> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NotInsideRootError('not a regular file when opened; not read');
    let real: string;
    try {
      real = await readlink(`/proc/self/fd/${handle.fd}`);
    } catch {
      real = await realpath(path);
      const now = await stat(real);
      if (now.dev !== info.dev || now.ino !== info.ino) throw new NotInsideRootError('changed while it was opened; not read');
    }
    if (!isInsideRoot(realRoot, real)) throw new NotInsideRootError(LEADS_OUTSIDE_ROOT);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}
