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

describe('the validation pipe on a query', () => {
  const errorsOf = async (query: Record<string, unknown>): Promise<unknown> => {
    const refusal: unknown = await createValidationPipe()
      .transform(query, asQuery(ListFindingsQuery))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refusal).toBeInstanceOf(ValidationError);
    return (refusal as ValidationError).details.errors;
  };

  it('refuses a parameter that takes one value, given several, with one message saying so, and the others with theirs', async () => {
    expect(await errorsOf({ limit: ['1', '2'] })).toEqual([{ field: 'limit', message: 'limit must be given once' }]);
    expect(await errorsOf({ limit: ['1', '2'], sort: ['priority', 'records'], port: 'x', unknown: ['a', 'b'] })).toEqual([
      { field: 'limit', message: 'limit must be given once' },
      { field: 'sort', message: 'sort must be given once' },
      { field: 'unknown', message: 'property unknown should not exist' },
      { field: 'port', message: 'port must be an integer from 0 to 65535' },
    ]);
  });

  it('takes a list parameter repeated, and an integer only in decimal digits within its range', async () => {
    const pipe = createValidationPipe();
    const query = (await pipe.transform(
      { status: ['open', 'resolved'], limit: '200', port: '0' },
      asQuery(ListFindingsQuery),
    )) as ListFindingsQuery;
    expect(query).toMatchObject({ status: ['open', 'resolved'], limit: 200, port: 0 });
    for (const limit of ['0', '201', '', ' 5', '1e2', '0x10', '1.0', '-1', '9'.repeat(20)]) {
      expect(await errorsOf({ limit }), JSON.stringify(limit)).toEqual([
        { field: 'limit', message: 'limit must be an integer from 1 to 200' },
      ]);
    }
  });
});
