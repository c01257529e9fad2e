import { ValidationPipe, type ArgumentMetadata, type ValidationError as ClassValidatorError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import type { FieldError } from '../errors/app.error';
import { ValidationError } from '../errors/validation.error';
import { isPureQuery } from './pure-query.decorator';
import { findHostileInput } from './request-input.guard';

const CHECKED_INPUTS = new Set<ArgumentMetadata['type']>(['body', 'query', 'param']);

/**
 * The global DTO validation: unknown properties are refused, values are transformed to the DTO's
 * types, and a failure becomes a ValidationError listing every offending field. Before any of
 * that, input nested too deep or carrying NUL characters is refused (see findHostileInput), and a
 * query parameter that takes one value is refused when given several (see repeatedParameters).
 */
export function createValidationPipe(): ValidationPipe {
  return new InputValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationError(flattenErrors(errors)),
  });
}

/** Valid queries remembered per @PureQuery() class; past this many the class's are forgotten. */
const MAX_REMEMBERED_QUERIES = 1_000;
/** Longer queries (as JSON) are validated every time rather than remembered. */
const MAX_REMEMBERED_QUERY_LENGTH = 2_048;

class InputValidationPipe extends ValidationPipe {
  /**
   * The results of valid queries of @PureQuery() classes, by the query's parameters as JSON: a
   * client paging or polling sends the same few queries again and again, and class-validator and
   * class-transformer cost more than the rest of the request's own work. Only exactly the
   * parameters that passed every check before (the hostile-input check included) are answered from
   * here, each time with a copy; a refused query is checked, and refused, every time.
   */
  private readonly validQueries = new WeakMap<object, Map<string, object>>();
  /** The properties of each query class that take one value (see singleValuedOf). */
  private readonly singleValued = new WeakMap<object, ReadonlySet<string>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.type === 'query' ? metadata.metatype : undefined;
    const remembered = metatype && isPureQuery(metatype) ? this.rememberedOf(metatype) : undefined;
    const parameters = remembered ? JSON.stringify(value) : undefined;
    if (remembered && parameters !== undefined) {
      const known = remembered.get(parameters);
      if (known) return copyOfFlat(known);
    }
    if (CHECKED_INPUTS.has(metadata.type)) {
      const hostile = findHostileInput(metadata.type === 'param' && metadata.data ? { [metadata.data]: value } : value);
      if (hostile) throw new ValidationError([hostile], `The request's ${metadata.type} ${hostile.field} ${hostile.message}.`);
    }
    const dropped = metadata.type === 'query' ? droppedParameters(value) : [];
    if (dropped.length > 0) {
      const errors = dropped.map((name) => unknownProperty(name, name));
      throw await this.refusalWith(errors, withoutParameters(value, dropped), metadata);
    }
    if (metadata.type === 'body' && metadata.metatype && hasDroppedKey(value)) {
      const kept = withoutDroppedKeys(value);
      const errors = droppedKeyErrors(value, plainToInstance(metadata.metatype, kept, this.transformOptions));
      if (errors.length > 0) throw await this.refusalWith(errors, kept, metadata);
    }
    const repeated = metatype ? this.repeatedParameters(value, metatype) : [];
    if (repeated.length > 0) {
      const errors = repeated.map((name) => ({ field: name, message: `${name} must be given once` }));
      throw await this.refusalWith(errors, withoutParameters(value, repeated), metadata);
    }
    const result: unknown = await super.transform(value, metadata);
    if (remembered && parameters !== undefined && parameters.length <= MAX_REMEMBERED_QUERY_LENGTH && isFlat(result)) {
      if (remembered.size >= MAX_REMEMBERED_QUERIES) remembered.clear();
      remembered.set(parameters, copyOfFlat(result));
    }
    return result;
  }

  /**
   * The parameters of a query that take one value but were given several (`limit=1&limit=2`):
   * validated as they are, each would get the messages of every check a list fails, none saying
   * what is wrong with it.
   */
  private repeatedParameters(query: unknown, metatype: object): string[] {
    if (typeof query !== 'object' || query === null) return [];
    const single = this.singleValuedOf(metatype);
    return Object.entries(query)
      .filter(([name, value]) => Array.isArray(value) && single.has(name))
      .map(([name]) => name);
  }

  /** A refusal for `errors`, with what is wrong with the rest of the input (`others`, the input without what they name). */
  private async refusalWith(errors: FieldError[], others: unknown, metadata: ArgumentMetadata): Promise<ValidationError> {
    try {
      await this.transform(others, metadata);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push(...(error.details.errors ?? []));
    }
    return new ValidationError(errors);
  }

  /**
   * The properties of a query class that take one value: every validated one but those validated
   * value by value (`each: true`), which take a list. Read once per class from class-validator's
   * metadata.
   */
  private singleValuedOf(metatype: object): ReadonlySet<string> {
    let single = this.singleValued.get(metatype);
    if (!single) {
      const validations = getMetadataStorage().getTargetValidationMetadatas(metatype as () => unknown, '', true, false);
      const lists = new Set(validations.filter((validation) => validation.each).map((validation) => validation.propertyName));
      single = new Set(validations.map((validation) => validation.propertyName).filter((name) => !lists.has(name)));
      this.singleValued.set(metatype, single);
    }
    return single;
  }

  private rememberedOf(metatype: object): Map<string, object> {
    let remembered = this.validQueries.get(metatype);
    if (!remembered) {
      remembered = new Map();
      this.validQueries.set(metatype, remembered);
    }
    return remembered;
  }
}

/** An object whose own values are all strings, numbers, booleans, null, undefined, or arrays of these. */
function isFlat(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).every((field) => (Array.isArray(field) ? field.every(isScalar) : isScalar(field)));
}

function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/** A copy of a flat object (see isFlat) of the same class, its arrays copied too. */
function copyOfFlat<T extends object>(value: T): T {
  // Object.assign copies the own fields in one step (a quarter of the time of a loop over
  // Object.entries, which builds a pair for each); only the arrays are copied again.
  const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object | null) as object, value) as Record<string, unknown>;
  for (const key of Object.keys(copy)) {
    const field = copy[key];
    if (Array.isArray(field)) copy[key] = field.slice();
  }
  return copy as T;
}

function flattenErrors(errors: ClassValidatorError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenErrors(error.children ?? [], field)];
  });
}

/**
 * Names passed over without a word on the way to validation — class-transformer never copies
 * `__proto__` and `constructor`, and Nest's pipe deletes these and `prototype` from the input
 * first, all to keep prototypes out of reach — so the whitelist never sees them either and an
 * unknown one would be ignored where every other unknown property is refused. No DTO has a
 * property of these names.
 */
const SKIPPED_BY_TRANSFORMER: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function unknownProperty(field: string, name: string): FieldError {
  return { field, message: `property ${name} should not exist` };
}

/** Whether any object in the value has an own key of SKIPPED_BY_TRANSFORMER (the value's depth is bounded by findHostileInput). */
function hasDroppedKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasDroppedKey);
  return Object.keys(value).some((key) => SKIPPED_BY_TRANSFORMER.has(key) || hasDroppedKey((value as Record<string, unknown>)[key]));
}

/**
 * The keys of SKIPPED_BY_TRANSFORMER in a body, as errors by their dotted path, found by walking the
 * body beside its `instance` (what class-transformer made of it): where the body is read as a DTO —
 * at the top, and in the objects made a nested DTO of (`scope`, `changes.0`) — such a key is an
 * unknown property; in a free-form object (no DTO of its own, such as a simulation's EC2
 * parameters) its keys are its content, and Nest's pipe would delete it without a word, so it is
 * refused by its path at any depth. Parts of the body that do not match the DTO's shape are left to
 * its validation.
 */
function droppedKeyErrors(plain: unknown, instance: unknown, path = '', freeForm = false): FieldError[] {
  if (typeof plain !== 'object' || plain === null) return [];
  if (!freeForm) {
    if (typeof instance !== 'object' || instance === null || (Array.isArray(plain) && !Array.isArray(instance))) return [];
    const prototype: unknown = Object.getPrototypeOf(instance);
    freeForm = !Array.isArray(plain) && (prototype === Object.prototype || prototype === null || Array.isArray(instance));
  }
  const at = (key: string) => (path ? `${path}.${key}` : key);
  const inside = (key: string, value: unknown) =>
    droppedKeyErrors(value, freeForm ? undefined : (instance as Record<string, unknown>)[key], at(key), freeForm);
  if (Array.isArray(plain)) return plain.flatMap((item: unknown, index) => inside(String(index), item));
  return Object.entries(plain).flatMap(([key, value]) =>
    !SKIPPED_BY_TRANSFORMER.has(key)
      ? inside(key, value)
      : [
          freeForm
            ? { field: at(key), message: `${key} cannot be a key: it would be removed from the object` }
            : unknownProperty(at(key), key),
        ],
  );
}

/**
 * A copy of `value` without any key of SKIPPED_BY_TRANSFORMER, at any depth, as Nest's pipe leaves
 * it before class-transformer reads it: class-transformer itself fails on a plain object holding a
 * `constructor` key (it reads the key as the object's class).
 */
function withoutDroppedKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(withoutDroppedKeys);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !SKIPPED_BY_TRANSFORMER.has(key))
      .map(([key, field]) => [key, withoutDroppedKeys(field)]),
  );
}

/** A query without the parameters `names`. */
function withoutParameters(query: unknown, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query as Record<string, unknown>).filter(([name]) => !names.includes(name)));
}

/** The query's parameters that class-transformer would drop (`?__proto__=1`), in the order given. */
function droppedParameters(query: unknown): string[] {
  if (typeof query !== 'object' || query === null) return [];
  return Object.keys(query).filter((name) => SKIPPED_BY_TRANSFORMER.has(name));
}
