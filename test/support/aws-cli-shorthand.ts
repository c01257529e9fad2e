/**
 * The AWS CLI shorthand (awscli/shorthand.py), for the shapes the renderer writes: `key=value`
 * pairs, `[…]` lists, `{…}` hashes; a value plain, or quoted with `\\` and `\"` escapes.
 */
export function readShorthand(text: string): Record<string, unknown> {
  let i = 0;
  const take = (ch: string) => {
    if (text[i] !== ch) throw new Error(`expected ${ch} at ${i} in ${text}`);
    i++;
  };
  const key = () => {
    const start = i;
    while (i < text.length && /[A-Za-z0-9]/.test(text[i])) i++;
    return text.slice(start, i);
  };
  const scalar = (): string => {
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      const match = (quote === '"' ? /^"(?:\\\\|\\"|[^"])*"/ : /^'(?:\\\\|\\'|[^'])*'/).exec(text.slice(i));
      if (!match) throw new Error(`unterminated quote at ${i} in ${text}`);
      i += match[0].length;
      return match[0].slice(1, -1).replaceAll(`\\${quote}`, quote).replaceAll('\\\\', '\\');
    }
    const start = i;
    while (i < text.length && !',]}'.includes(text[i])) i++;
    return text.slice(start, i);
  };
  const value = (): unknown => {
    if (text[i] === '[') {
      i++;
      const list: unknown[] = [];
      while (text[i] !== ']') {
        list.push(value());
        if (text[i] !== ']') take(',');
      }
      i++;
      return list;
    }
    if (text[i] === '{') {
      i++;
      const hash: Record<string, unknown> = {};
      while (text[i] !== '}') {
        const k = key();
        take('=');
        hash[k] = value();
        if (text[i] !== '}') take(',');
      }
      i++;
      return hash;
    }
    return scalar();
  };
  const top: Record<string, unknown> = {};
  while (i < text.length) {
    const k = key();
    take('=');
    top[k] = value();
    if (i < text.length) take(',');
  }
  return top;
}
