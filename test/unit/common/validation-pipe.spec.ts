import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/common/errors/validation.error';
import { createValidationPipe } from '../../../src/common/http/create-validation-pipe';
import { ListFindingsQuery } from '../../../src/findings/dto/list-findings.query';
import { ListReportsQuery } from '../../../src/reports/dto/list-reports.query';

const asQuery = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'query', metatype, data: undefined });

describe('the validation pipe on a @PureQuery() query', () => {
  it('answers a repeated query with an equal copy of the same class that the handler may change', async () => {
    const pipe = createValidationPipe();
    const query = { limit: '20', severity: 'high,critical', sort: 'lastSeen' };
    const first = (await pipe.transform({ ...query }, asQuery(ListFindingsQuery))) as ListFindingsQuery;
    expect(first).toBeInstanceOf(ListFindingsQuery);
    expect(first).toMatchObject({ limit: 20, severity: ['high', 'critical'], sort: 'lastSeen' });
    first.severity!.push('low');
    first.limit = 1;

    const again = (await pipe.transform({ ...query }, asQuery(ListFindingsQuery))) as ListFindingsQuery;
    const third = (await pipe.transform({ ...query }, asQuery(ListFindingsQuery))) as ListFindingsQuery;
    expect(again).toBeInstanceOf(ListFindingsQuery);
    expect(again).toMatchObject({ limit: 20, severity: ['high', 'critical'], sort: 'lastSeen' });
    expect(third).not.toBe(again);
    expect(third.severity).not.toBe(again.severity);
  });

  it('refuses an invalid query every time, and a valid one differing in one parameter is checked on its own', async () => {
    const pipe = createValidationPipe();
    await pipe.transform({ limit: '50' }, asQuery(ListFindingsQuery));
    for (let i = 0; i < 3; i++) {
      await expect(pipe.transform({ limit: '500' }, asQuery(ListFindingsQuery))).rejects.toBeInstanceOf(ValidationError);
      await expect(pipe.transform({ limit: '50', unknown: 'x' }, asQuery(ListFindingsQuery))).rejects.toBeInstanceOf(ValidationError);
      await expect(pipe.transform({ limit: '50', q: 'a\u0000b' }, asQuery(ListFindingsQuery))).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it('validates a query of an unmarked class every time', async () => {
    const pipe = createValidationPipe();
    const first = await pipe.transform({ limit: '10' }, asQuery(ListReportsQuery));
    const again = await pipe.transform({ limit: '10' }, asQuery(ListReportsQuery));
    expect(again).toEqual(first);
    await expect(pipe.transform({ limit: '0' }, asQuery(ListReportsQuery))).rejects.toBeInstanceOf(ValidationError);
  });
});
