/**
 * Atlassian Document Format nodes (the rich-text JSON Jira Cloud REST v3 takes for descriptions
 * and comments). Only the nodes sgdoctor writes. ADF rejects empty text nodes, so every text
 * helper substitutes a dash for an empty string.
 */
export interface AdfMark {
  type: 'strong' | 'code' | 'link';
  attrs?: { href: string };
}

export interface AdfNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  text?: string;
  marks?: AdfMark[];
}

export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

export function doc(...content: AdfNode[]): AdfDocument {
  return { type: 'doc', version: 1, content };
}

export function text(value: string, ...marks: AdfMark[]): AdfNode {
  const node: AdfNode = { type: 'text', text: value === '' ? '—' : value };
  if (marks.length > 0) node.marks = marks;
  return node;
}

export const strong: AdfMark = { type: 'strong' };
export const code: AdfMark = { type: 'code' };
export function link(href: string): AdfMark {
  return { type: 'link', attrs: { href } };
}

export function paragraph(...content: Array<AdfNode | string>): AdfNode {
  return { type: 'paragraph', content: content.map((c) => (typeof c === 'string' ? text(c) : c)) };
}

export function heading(level: 1 | 2 | 3 | 4 | 5 | 6, value: string): AdfNode {
  return { type: 'heading', attrs: { level }, content: [text(value)] };
}

export function codeBlock(value: string, language?: string): AdfNode {
  const node: AdfNode = { type: 'codeBlock', content: [text(value)] };
  if (language) node.attrs = { language };
  return node;
}

export function bulletList(items: Array<AdfNode | string>): AdfNode {
  return {
    type: 'bulletList',
    content: items.map((item) => ({ type: 'listItem', content: [typeof item === 'string' ? paragraph(item) : item] })),
  };
}

export function table(header: string[], rows: string[][]): AdfNode {
  const cell = (type: 'tableHeader' | 'tableCell', value: string): AdfNode => ({
    type,
    attrs: {},
    content: [paragraph(value)],
  });
  return {
    type: 'table',
    attrs: { isNumberColumnEnabled: false, layout: 'default' },
    content: [
      { type: 'tableRow', content: header.map((h) => cell('tableHeader', h)) },
      ...rows.map((row) => ({ type: 'tableRow', content: row.map((v) => cell('tableCell', v)) })),
    ],
  };
}
