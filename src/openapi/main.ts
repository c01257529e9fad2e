import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { exitWhenDrained } from '../common/lifecycle/exit-when-drained';
import { buildOpenApiDocument } from './build-openapi-document';
import { canonicalJson } from './canonical-json';
import { jsonDifferences } from './json-differences';

/** src/openapi and dist/openapi are both two levels below the package root. */
const COMMITTED_DOCUMENT = join(__dirname, '..', '..', 'openapi.json');

const SHOWN_DIFFERENCES = 40;

/**
 * `node dist/openapi/main.js write` rewrites openapi.json from the code;
 * `node dist/openapi/main.js check` exits 1, naming what differs, when the committed file is not
 * what the code generates. Neither needs PostgreSQL or Redis.
 */
async function main(mode: string | undefined): Promise<number> {
  if (mode !== 'write' && mode !== 'check') {
    console.error('usage: node dist/openapi/main.js write|check');
    return 2;
  }
  const generated = canonicalJson(await buildOpenApiDocument());
  const file = relative(process.cwd(), COMMITTED_DOCUMENT) || COMMITTED_DOCUMENT;
  if (mode === 'write') {
    writeFileSync(COMMITTED_DOCUMENT, generated);
    console.log(`wrote ${file}`);
    return 0;
  }
  let committed: string;
  try {
    committed = readFileSync(COMMITTED_DOCUMENT, 'utf8');
  } catch {
    console.error(`${file} is missing: run \`npm run openapi:generate\` and commit it.`);
    return 1;
  }
  if (committed === generated) {
    console.log(`${file} matches the code.`);
    return 0;
  }
  let differences: string[];
  try {
    differences = jsonDifferences(JSON.parse(committed), JSON.parse(generated));
  } catch {
    differences = [];
  }
  if (differences.length === 0) differences = ['formatting only (the file was not written by `npm run openapi:generate`)'];
  const shown = differences.slice(0, SHOWN_DIFFERENCES).map((line) => `  ${line}`);
  if (differences.length > SHOWN_DIFFERENCES) shown.push(`  … and ${differences.length - SHOWN_DIFFERENCES} more`);
  console.error(
    [
      `${file} differs from the API the code describes (${differences.length} difference${differences.length === 1 ? '' : 's'}):`,
      ...shown,
      'Run `npm run openapi:generate` and commit openapi.json (clients are generated from it).',
    ].join('\n'),
  );
  return 1;
}

main(process.argv[2]).then(
  (code) => exitWhenDrained(code),
  (error: unknown) => {
    console.error('openapi: could not build the document:', error);
    exitWhenDrained(1);
  },
);
