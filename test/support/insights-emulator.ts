import type { GetQueryResultsCommandOutput, QueryStatus, ResultField, StartQueryCommandInput } from '@aws-sdk/client-cloudwatch-logs';

/** One log event of a log group: what a flow log publishes, one record per event. */
export interface EmulatedLogEvent {
  timestamp: number;
  message: string;
}

type Value = string | number | boolean | null | Value[];
type Row = Record<string, Value>;

/**
 * A small CloudWatch Logs Insights: it runs the subset of the query language the flow source
 * sends (`parse @message "glob" as …`, `filter` with `ispresent` and `toMillis(@timestamp)`, `coalesce`, `strlen`, `strcontains`,
 * `fields … as …`, `stats count(*)/sum/min/max … by …`, `limit`) over log events, with Insights'
 * typing (parsed values are strings, arithmetic and comparisons convert them to numbers, `-` is
 * no number, aggregates ignore missing values; a message the `parse` pattern does not match gets
 * none of its fields, and `stats` groups it under absent keys), so the rows a test receives are
 * computed from the events, never written by hand.
 */
export function runInsightsQuery(queryString: string, events: readonly EmulatedLogEvent[], range: { startTime: number; endTime: number }) {
  const inRange = events.filter((e) => e.timestamp >= range.startTime * 1000 && e.timestamp < (range.endTime + 1) * 1000);
  let rows: Row[] = inRange.map((e) => ({ '@message': e.message, '@timestamp': e.timestamp, [EVENT]: e as unknown as Value }));
  let matched = rows.length;
  for (const command of splitCommands(queryString)) {
    const [, verb, rest] = /^(\w+)\s+([\s\S]*)$/.exec(command.trim()) ?? [];
    switch (verb) {
      case 'parse': {
        const m = /^@message\s+"([^"]*)"\s+as\s+(.+)$/.exec(rest.trim());
        if (!m) throw new Error(`unsupported parse: ${rest}`);
        const names = m[2].split(',').map((n) => n.trim());
        const pattern = new RegExp(`^${m[1].split('*').map(escapeRegExp).join('(.*?)')}$`);
        for (const row of rows) {
          const got = parsedOnce(row[EVENT] as unknown as EmulatedLogEvent, pattern);
          if (got) names.forEach((name, i) => (row[name] = got[i + 1]));
        }
        break;
      }
      case 'filter': {
        const expr = new Parser(rest).parseAll();
        rows = rows.filter((row) => truthy(expr(row)));
        matched = rows.length;
        break;
      }
      case 'fields': {
        const list = splitTopLevel(rest).map((item) => {
          const m = /^([\s\S]+)\s+as\s+(\w+)$/.exec(item.trim());
          if (!m) throw new Error(`fields needs "as": ${item}`);
          return { expr: new Parser(m[1]).parseAll(), name: m[2] };
        });
        for (const row of rows) for (const { expr, name } of list) row[name] = expr(row);
        break;
      }
      case 'stats': {
        const m = /^([\s\S]+?)\s+by\s+([\s\S]+)$/.exec(rest.trim());
        if (!m) throw new Error(`unsupported stats: ${rest}`);
        const aggs = splitTopLevel(m[1]).map((item) => {
          const a = /^(\w+)\(([^)]*)\)\s+as\s+(\w+)$/.exec(item.trim());
          if (!a) throw new Error(`unsupported aggregate: ${item}`);
          return { fn: a[1], arg: a[2].trim(), name: a[3] };
        });
        const by = splitTopLevel(m[2]).map((b) => b.trim());
        const groups = new Map<string, { keys: Row; members: Row[] }>();
        for (const row of rows) {
          const keys: Row = {};
          for (const name of by) keys[name] = row[name] ?? null;
          const id = JSON.stringify(by.map((name) => keys[name]));
          const group = groups.get(id) ?? { keys, members: [] };
          group.members.push(row);
          groups.set(id, group);
        }
        rows = [...groups.values()].map(({ keys, members }) => {
          const out: Row = { ...keys };
          for (const { fn, arg, name } of aggs) {
            const values = arg === '*' ? [] : members.map((r) => toNumber(r[arg] ?? null)).filter((v): v is number => v !== null);
            if (fn === 'count') out[name] = arg === '*' ? members.length : values.length;
            else if (values.length === 0) out[name] = null;
            else if (fn === 'sum') out[name] = values.reduce((x, y) => x + y, 0);
            else if (fn === 'min') out[name] = Math.min(...values);
            else if (fn === 'max') out[name] = Math.max(...values);
            else throw new Error(`unsupported aggregate function ${fn}`);
          }
          return out;
        });
        break;
      }
      case 'limit':
        rows = rows.slice(0, Number(rest.trim()));
        break;
      default:
        throw new Error(`unsupported command: ${command}`);
    }
  }
  const results: ResultField[][] = rows.map((row) =>
    Object.entries(row)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([field, value]) => ({ field, value: String(value) })),
  );
  const bytesScanned = inRange.reduce((sum, e) => sum + Buffer.byteLength(e.message) + 26, 0);
  return { results, statistics: { recordsMatched: matched, recordsScanned: inRange.length, bytesScanned } };
}

/** The row's log event, for the parse cache (not a field: results list string keys only). */
const EVENT = Symbol('event') as unknown as string;
const parses = new WeakMap<EmulatedLogEvent, Map<string, RegExpExecArray | null>>();

/** An event parsed by a pattern once: every query of a test parses the same events the same way. */
function parsedOnce(event: EmulatedLogEvent, pattern: RegExp): RegExpExecArray | null {
  let byPattern = parses.get(event);
  if (!byPattern) parses.set(event, (byPattern = new Map()));
  if (!byPattern.has(pattern.source)) byPattern.set(pattern.source, pattern.exec(event.message));
  return byPattern.get(pattern.source)!;
}

/** Commands separated by `|` outside string literals. */
function splitCommands(query: string): string[] {
  return splitOutsideQuotes(query, '|').filter((c) => c.trim() !== '');
}

function splitTopLevel(text: string): string[] {
  return splitOutsideQuotes(text, ',');
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === separator && depth === 0) {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function toNumber(value: Value): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function truthy(value: Value): boolean {
  return value === true;
}

type Expr = (row: Row) => Value;

/** Recursive descent over Insights expressions: or < and < not < comparison < + - < * / % < ^ < unary < primary. */
class Parser {
  private readonly tokens: string[];
  private pos = 0;

  constructor(text: string) {
    this.tokens = text.match(/"[^"]*"|'[^']*'|@?[A-Za-z_][\w.]*|\d+(?:\.\d+)?|!=|<=|>=|[()[\],+\-*/%^<>=]/g) ?? [];
  }

  parseAll(): Expr {
    const expr = this.or();
    if (this.pos !== this.tokens.length) throw new Error(`unexpected ${this.tokens[this.pos]}`);
    return expr;
  }

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  private take(expected?: string): string {
    const token = this.tokens[this.pos++];
    if (expected !== undefined && token !== expected) throw new Error(`expected ${expected}, got ${token}`);
    return token;
  }

  private or(): Expr {
    let left = this.and();
    while (this.peek() === 'or') {
      this.take();
      const l = left;
      const r = this.and();
      left = (row) => truthy(l(row)) || truthy(r(row));
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.peek() === 'and') {
      this.take();
      const l = left;
      const r = this.not();
      left = (row) => truthy(l(row)) && truthy(r(row));
    }
    return left;
  }

  private not(): Expr {
    if (this.peek() === 'not') {
      this.take();
      const inner = this.not();
      return (row) => !truthy(inner(row));
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const op = this.peek();
    if (op === 'in') {
      this.take();
      const list = this.primary();
      return (row) => {
        const v = left(row);
        return Array.isArray(list(row)) && (list(row) as Value[]).some((item) => item === v);
      };
    }
    if (op !== '=' && op !== '!=' && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') return left;
    this.take();
    const right = this.additive();
    return (row) => {
      const a = left(row);
      const b = right(row);
      if (a === null || b === null || a === undefined || b === undefined) return false;
      const x = toNumber(a);
      const y = toNumber(b);
      const numeric = x !== null && y !== null && (typeof a === 'number' || typeof b === 'number');
      const [p, q] = numeric ? [x, y] : [String(a), String(b)];
      switch (op) {
        case '=':
          return p === q;
        case '!=':
          return p !== q;
        case '<':
          return p < q;
        case '<=':
          return p <= q;
        case '>':
          return p > q;
        default:
          return p >= q;
      }
    };
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.peek() === '+' || this.peek() === '-') {
      const op = this.take();
      const l = left;
      const r = this.multiplicative();
      left = arithmetic(l, r, op === '+' ? (a, b) => a + b : (a, b) => a - b);
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.power();
    while (this.peek() === '*' || this.peek() === '/' || this.peek() === '%') {
      const op = this.take();
      const l = left;
      const r = this.power();
      left = arithmetic(l, r, op === '*' ? (a, b) => a * b : op === '/' ? (a, b) => a / b : (a, b) => a % b);
    }
    return left;
  }

  private power(): Expr {
    const base = this.unary();
    if (this.peek() !== '^') return base;
    this.take();
    return arithmetic(base, this.power(), (a, b) => a ** b);
  }

  private unary(): Expr {
    if (this.peek() === '-') {
      this.take();
      const inner = this.unary();
      return (row) => {
        const v = toNumber(inner(row));
        return v === null ? null : -v;
      };
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.take();
    if (token === undefined) throw new Error('unexpected end of expression');
    if (token === '(') {
      const inner = this.or();
      this.take(')');
      return inner;
    }
    if (token === '[') {
      const items: Expr[] = [];
      while (this.peek() !== ']') {
        items.push(this.or());
        if (this.peek() === ',') this.take();
      }
      this.take(']');
      return (row) => items.map((item) => item(row));
    }
    if (/^["']/.test(token)) {
      const text = token.slice(1, -1);
      return () => text;
    }
    if (/^\d/.test(token)) {
      const n = Number(token);
      return () => n;
    }
    if (this.peek() === '(') {
      this.take('(');
      const args: Expr[] = [];
      while (this.peek() !== ')') {
        args.push(this.or());
        if (this.peek() === ',') this.take();
      }
      this.take(')');
      return callOf(token, args);
    }
    return (row) => row[token] ?? null;
  }
}

function arithmetic(l: Expr, r: Expr, fn: (a: number, b: number) => number): Expr {
  return (row) => {
    const a = toNumber(l(row));
    const b = toNumber(r(row));
    if (a === null || b === null) return null;
    const v = fn(a, b);
    return Number.isFinite(v) ? v : null;
  };
}

/**
 * A function call: `ispresent(field)` (true when the field has a value: a field a `parse` whose
 * pattern did not match never got one), `toMillis(@timestamp)` (the event's epoch milliseconds,
 * which the emulator holds as a number), `coalesce(…)` (the first argument with a value),
 * `strlen(text)`, `strcontains(text, search)` (1 or 0), or a numeric function.
 */
function callOf(name: string, args: Expr[]): Expr {
  if (name === 'ispresent') {
    const [field] = args;
    return (row) => {
      const value = field(row);
      return value !== null && value !== undefined;
    };
  }
  if (name === 'toMillis') {
    const [timestamp] = args;
    return (row) => toNumber(timestamp(row));
  }
  if (name === 'coalesce') {
    return (row) => {
      for (const arg of args) {
        const value = arg(row);
        if (value !== null && value !== undefined) return value;
      }
      return null;
    };
  }
  if (name === 'strlen') {
    const [text] = args;
    return (row) => {
      const value = text(row);
      return value === null || value === undefined ? null : String(value).length;
    };
  }
  if (name === 'strcontains') {
    const [text, search] = args;
    return (row) => {
      const value = text(row);
      const needle = search(row);
      return value === null || value === undefined || needle === null ? null : String(value).includes(String(needle)) ? 1 : 0;
    };
  }
  return numericFunction(name, args);
}

function numericFunction(name: string, args: Expr[]): Expr {
  const fns: Record<string, (...xs: number[]) => number> = {
    least: (...xs) => Math.min(...xs),
    greatest: (...xs) => Math.max(...xs),
    floor: (x) => Math.floor(x),
    ceil: (x) => Math.ceil(x),
    abs: (x) => Math.abs(x),
  };
  const fn = fns[name];
  if (!fn) throw new Error(`unsupported function ${name}`);
  return (row) => {
    const values = args.map((arg) => toNumber(arg(row)));
    if (values.some((v) => v === null)) return null;
    return fn(...(values as number[]));
  };
}

interface EmulatedQuery {
  queryId: string;
  input: StartQueryCommandInput;
  /** Statuses returned by the GetQueryResults calls before the last one (e.g. Scheduled, Running). */
  pending: QueryStatus[];
  final: QueryStatus;
}

/**
 * Log groups of events and the queries started on them: StartQuery registers a query, and each
 * GetQueryResults walks it through Scheduled → Running → its final status, answering Complete
 * with the rows and statistics runInsightsQuery computes. `finalStatus` decides a query's end
 * (Complete unless a test says Timeout, Failed, Cancelled …).
 */
export class InsightsEmulator {
  readonly queries: EmulatedQuery[] = [];
  finalStatus: (input: StartQueryCommandInput, index: number) => QueryStatus = () => 'Complete';

  constructor(readonly logGroups: Map<string, EmulatedLogEvent[]>) {}

  reset(): void {
    this.queries.length = 0;
    this.finalStatus = () => 'Complete';
  }

  startQuery(input: StartQueryCommandInput) {
    const queryId = `q-${String(this.queries.length + 1).padStart(4, '0')}-4c1f2a7e`;
    const group = input.logGroupName ?? input.logGroupNames?.[0];
    if (!group || !this.logGroups.has(group)) {
      throw Object.assign(new Error(`The specified log group does not exist.`), {
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    this.queries.push({
      queryId,
      input: { ...input },
      pending: ['Scheduled', 'Running'],
      final: this.finalStatus(input, this.queries.length),
    });
    return { queryId, $metadata: { httpStatusCode: 200, requestId: `start-${queryId}`, attempts: 1, totalRetryDelay: 0 } };
  }

  getQueryResults(queryId: string): GetQueryResultsCommandOutput {
    const query = this.queries.find((q) => q.queryId === queryId);
    if (!query)
      throw Object.assign(new Error('Query does not exist.'), {
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    const $metadata = { httpStatusCode: 200, requestId: `get-${queryId}`, attempts: 1, totalRetryDelay: 0 };
    const status = query.pending.shift();
    if (status) return { $metadata, status, results: [], statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 } };
    const events = this.logGroups.get(query.input.logGroupName ?? '') ?? [];
    const run = runInsightsQuery(query.input.queryString ?? '', events, {
      startTime: query.input.startTime ?? 0,
      endTime: query.input.endTime ?? 0,
    });
    if (query.final !== 'Complete') return { $metadata, status: query.final, results: [], statistics: run.statistics };
    return { $metadata, status: 'Complete', results: run.results.slice(0, query.input.limit ?? 10_000), statistics: run.statistics };
  }
}
