/** Epoch seconds as ISO 8601 UTC with second precision: `2023-11-14T22:13:20Z`. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(Math.trunc(epochSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
