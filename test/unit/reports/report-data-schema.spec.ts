import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenApiDocument } from '../../../src/common/openapi/openapi-document';
import { createPreviewApp } from '../../../src/openapi/build-openapi-document';
import { buildReportData } from '../../../src/reports/render/build-report-data';
import { renderReport } from '../../../src/reports/render/report-renderers';
import { sampleReportInput } from '../../support/factories/sample-report-input';

interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
}

/** Every way `value` departs from `schema`, by JSON path: undocumented or missing members, wrong types, values off the enum. */
function mismatches(value: unknown, schema: Schema, schemas: Record<string, Schema>, path: string): string[] {
  if (schema.$ref) return mismatches(value, schemas[schema.$ref.replace('#/components/schemas/', '')]!, schemas, path);
  if (schema.allOf) {
    if (value === null) return schema.nullable ? [] : [`${path}: null, not nullable`];
    return schema.allOf.flatMap((part) => mismatches(value, part, schemas, path));
  }
  if (value === null) return schema.nullable ? [] : [`${path}: null, not nullable`];
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not in the enum`];
  switch (schema.type) {
    case 'array':
      if (!Array.isArray(value)) return [`${path}: not an array`];
      return value.flatMap((item, index) => mismatches(item, schema.items!, schemas, `${path}[${index}]`));
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
      const members = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      return [
        ...(schema.required ?? []).filter((key) => !(key in members)).map((key) => `${path}.${key}: required but absent`),
        ...Object.entries(members).flatMap(([key, member]) =>
          properties[key]
            ? mismatches(member, properties[key], schemas, `${path}.${key}`)
            : schema.additionalProperties
              ? []
              : [`${path}.${key}: not in the schema`],
        ),
      ];
    }
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: not an integer`];
    case 'number':
    case 'string':
    case 'boolean':
      return typeof value === schema.type ? [] : [`${path}: not a ${schema.type}`];
    default:
      return [`${path}: the schema has no type`];
  }
}

describe('the ReportData schema', () => {
  let app: INestApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    app = await createPreviewApp();
    document = createOpenApiDocument(app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('is what GET /v1/reports/{id} documents for application/json', () => {
    const ok = (document.paths['/v1/reports/{id}']!.get!.responses['200'] as { content: Record<string, { schema: Schema }> }).content;
    expect(ok['application/json']!.schema).toEqual({ $ref: '#/components/schemas/ReportData' });
  });

  it('describes a built report member by member, a trend and a ticket included', () => {
    const first = buildReportData(sampleReportInput());
    const second = buildReportData(
      sampleReportInput({
        id: 'rep-2',
        period: { from: '2026-11-02T00:00:00Z', to: '2026-11-03T00:00:00Z' },
        previous: first,
        notAnalysed: [
          { targetId: 'tgt-stage', analysisId: 'ana-1', status: 'failed', reason: 'snapshot: credentials expired' },
          { targetId: 'tgt-gone', analysisId: null, status: 'not-started', reason: 'Target tgt-gone does not exist.' },
        ],
        accountsNotRead: [
          { targetId: 'tgt-prod', accountId: '222222222222', region: 'eu-west-1', status: 'failed', reason: 'AccessDenied: no role' },
        ],
        inputNotRead: [
          {
            targetId: 'tgt-prod',
            analysisId: 'ana-7',
            malformedLines: 2,
            incompleteRecords: 1,
            filesSkipped: 0,
            warnings: [{ file: 'flows/a.log', message: 'line 3 is malformed, not in the analysis' }],
            moreWarnings: 0,
          },
        ],
      }),
    );
    expect(second.notAnalysed).toHaveLength(2);
    expect(second.accountsNotRead).toHaveLength(1);
    expect(second.inputNotRead).toHaveLength(1);
    expect(second.trend).not.toBeNull();
    expect(second.findings.some((row) => row.ticket !== null)).toBe(true);
    expect(second.coverageGaps.length).toBeGreaterThan(0);
    const schemas = document.components!.schemas as Record<string, Schema>;
    for (const report of [first, second]) {
      const served: unknown = JSON.parse(renderReport(report, 'json').body);
      expect(mismatches(served, { $ref: '#/components/schemas/ReportData' }, schemas, '$')).toEqual([]);
    }
  });

  it('notices a member the schema does not describe', () => {
    const served = { ...buildReportData(sampleReportInput()), extra: 1 };
    expect(
      mismatches(served, { $ref: '#/components/schemas/ReportData' }, document.components!.schemas as Record<string, Schema>, '$'),
    ).toEqual(['$.extra: not in the schema']);
  });
});
