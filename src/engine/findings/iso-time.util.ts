/**
 * Epoch seconds as ISO 8601 UTC with second precision: `2023-11-14T22:13:20Z`. The text is one
 * flat string: the replaced text would be a chain of pieces holding the whole ISO text (about
 * 110 bytes for 20 characters), and an analysis's findings keep hundreds of thousands of them.
 */
export function isoSeconds(epochSeconds: number): string {
  return flatText(new Date(Math.trunc(epochSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
}

/** The same text as one string of its own characters (String.fromCharCode makes a new, flat one). */
function flatText(text: string): string {
  const codes = new Array<number>(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return String.fromCharCode(...codes);
}
