/**
 * Files users make of flow logs that AWS never delivers: archives and compressions other than
 * gzip. Read as text, their bytes would only make malformed lines and every record in them would
 * be lost without a word; they are recognised by their first bytes instead and named.
 */
const MAGIC: readonly (readonly [readonly number[], string])[] = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
  [[0x50, 0x4b, 0x05, 0x06], 'a zip archive'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz-compressed'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd-compressed'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'a 7z archive'],
];

const BZIP2_MAGIC = [0x42, 0x5a, 0x68];

/** Where a tar header writes its `ustar` magic. */
const TAR_MAGIC_OFFSET = 257;
const TAR_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72];

function startsWith(bytes: Uint8Array, at: number, magic: readonly number[]): boolean {
  if (bytes.length < at + magic.length) return false;
  return magic.every((byte, i) => bytes[at + i] === byte);
}

/** What the first bytes of a (decompressed) input say it is when it is an archive or compression sgdoctor does not read, else null. */
export function archiveKind(head: Uint8Array): string | null {
  for (const [magic, kind] of MAGIC) if (startsWith(head, 0, magic)) return kind;
  // `BZh` and the block size, a digit from 1 to 9.
  if (startsWith(head, 0, BZIP2_MAGIC) && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2-compressed';
  return startsWith(head, TAR_MAGIC_OFFSET, TAR_MAGIC) ? 'a tar archive' : null;
}
