/**
 * Where two JSON values differ, as readable lines naming the JSON path (`paths./v1/targets.post.summary`):
 * what only one side has, and values that changed. Arrays compare element by element.
 */
export function jsonDifferences(expected: unknown, actual: unknown, path = ''): string[] {
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    return keys.flatMap((key) => {
      const at = path ? `${path}.${key}` : key;
      if (!(key in actual)) return [`${at}: only in the committed document`];
      if (!(key in expected)) return [`${at}: only in the code`];
      return jsonDifferences(expected[key], actual[key], at);
    });
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const length = Math.max(expected.length, actual.length);
    const lines: string[] = [];
    for (let index = 0; index < length; index += 1) {
      const at = `${path}[${index}]`;
      if (index >= actual.length) lines.push(`${at}: only in the committed document`);
      else if (index >= expected.length) lines.push(`${at}: only in the code`);
      else lines.push(...jsonDifferences(expected[index], actual[index], at));
    }
    return lines;
  }
  if (JSON.stringify(expected) === JSON.stringify(actual)) return [];
  return [`${path || '(document)'}: committed ${short(expected)}, code ${short(actual)}`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
