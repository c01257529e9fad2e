import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..', '..');
const SRC = join(ROOT, 'src');
const IAM = join(ROOT, 'iam');

/** IAM service prefix of each `@aws-sdk/client-*` package the code may import. */
const SERVICE_PREFIX: Record<string, string> = {
  ec2: 'ec2',
  athena: 'athena',
  sts: 'sts',
  s3: 's3',
  glue: 'glue',
  'cloudwatch-logs': 'logs',
  organizations: 'organizations',
  'config-service': 'config',
};

/** Operations authorised by an action of another name (S3 API reference, "Permissions"). */
const OPERATION_ACTIONS: Record<string, string> = {
  's3:ListObjectsV2': 's3:ListBucket',
  's3:ListObjects': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
};

/** Credential providers that call AWS on the code's behalf. */
const PROVIDER_ACTIONS: Record<string, string> = { fromTemporaryCredentials: 'sts:AssumeRole' };

/**
 * Calls IAM does not authorise: "No permissions are required to perform this operation"
 * (STS API reference, GetCallerIdentity) — an explicit deny cannot block it either.
 */
const NEEDS_NO_PERMISSION = new Set(['sts:GetCallerIdentity']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every IAM action the code can send, with where: `new XxxCommand` imported from
 * `@aws-sdk/client-<service>` is `<prefix>:Xxx`, a `paginateXxx` paginator `<prefix>:Xxx`, and a
 * credential provider the action it calls. Type-only imports send nothing.
 */
function actionsSent(files: string[]): Map<string, string[]> {
  const sent = new Map<string, string[]>();
  const add = (action: string, file: string) => sent.set(action, [...(sent.get(action) ?? []), file.slice(ROOT.length + 1)]);
  const sdkImport = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+|credential-providers)'/g;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [, typeOnly, names, pkg] of text.matchAll(sdkImport)) {
      if (typeOnly) continue;
      for (const raw of names.split(',')) {
        const name = raw.trim();
        if (!name || name.startsWith('type ')) continue;
        const imported = name.split(/\s+as\s+/)[0];
        if (pkg === 'credential-providers') {
          if (PROVIDER_ACTIONS[imported]) add(PROVIDER_ACTIONS[imported], file);
          continue;
        }
        const operation = /^(?!.*Client$)([A-Z]\w*)Command$/.exec(imported)?.[1] ?? /^paginate([A-Z]\w*)$/.exec(imported)?.[1];
        if (!operation) continue;
        const service = pkg.slice('client-'.length);
        const prefix = SERVICE_PREFIX[service];
        if (!prefix) throw new Error(`${file}: no IAM prefix known for @aws-sdk/${pkg}; add it to SERVICE_PREFIX`);
        add(OPERATION_ACTIONS[`${prefix}:${operation}`] ?? `${prefix}:${operation}`, file);
      }
    }
  }
  return sent;
}

interface PolicyDocument {
  Version: string;
  Statement: Array<{ Effect: 'Allow' | 'Deny'; Action: string | string[] }>;
}

function policies(): Map<string, PolicyDocument> {
  const out = new Map<string, PolicyDocument>();
  for (const name of readdirSync(IAM)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    out.set(name, JSON.parse(readFileSync(join(IAM, name), 'utf8')) as PolicyDocument);
  }
  return out;
}

/** IAM matches actions case-insensitively, with `*` and `?` wildcards. */
function allows(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(action);
}

function allowedActions(docs: Iterable<PolicyDocument>): string[] {
  return [...docs].flatMap((doc) =>
    doc.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
  );
}

/** Actions the code sends that no policy allows. */
function missingActions(sent: Iterable<string>, docs: Iterable<PolicyDocument>): string[] {
  const allowed = allowedActions(docs);
  return [...sent].filter((action) => !NEEDS_NO_PERMISSION.has(action) && !allowed.some((pattern) => allows(pattern, action))).sort();
}

const sent = actionsSent(sourceFiles(SRC));
const docs = policies();

describe('the IAM policies in iam/ cover every AWS call the code sends', () => {
  it('finds the calls the code sends (the scan is not empty)', () => {
    expect([...sent.keys()]).toEqual(
      expect.arrayContaining([
        'ec2:DescribeSecurityGroups',
        'ec2:GetManagedPrefixListEntries',
        'ec2:DescribeFlowLogs',
        'athena:StartQueryExecution',
        'athena:GetQueryResults',
        'athena:GetTableMetadata',
        'sts:AssumeRole',
        'logs:StartQuery',
        'logs:GetQueryResults',
        'logs:StopQuery',
        's3:ListBucket',
        's3:GetObject',
      ]),
    );
  });

  it('every policy is a valid document: version 2012-10-17, statements with an effect and actions', () => {
    expect(docs.size).toBeGreaterThanOrEqual(4);
    for (const [name, doc] of docs) {
      expect(doc.Version, name).toBe('2012-10-17');
      for (const statement of doc.Statement) {
        expect(['Allow', 'Deny'], name).toContain(statement.Effect);
        for (const action of [statement.Action].flat()) expect(action, name).toMatch(/^[a-z0-9-]+:[A-Za-z*?]+$/);
      }
    }
  });

  it('no action the code sends is missing from the policies', () => {
    const missing = missingActions(sent.keys(), docs.values());
    expect(missing.map((action) => `${action} (sent by ${sent.get(action)?.join(', ')})`)).toEqual([]);
  });

  it('removing any one sent action from the policies is caught', () => {
    for (const action of sent.keys()) {
      if (NEEDS_NO_PERMISSION.has(action)) continue;
      const without = [...docs.values()].map((doc) => ({
        ...doc,
        Statement: doc.Statement.map((s) => ({ ...s, Action: [s.Action].flat().filter((a) => !allows(a, action)) })),
      }));
      expect(missingActions(sent.keys(), without), action).toContain(action);
    }
  });

  it.each(['ec2-config.json', 'athena.json', 'cloudwatch-logs.json', 's3-flow-logs.json', 'config-history.json'])(
    'the CloudFormation and Terraform read roles grant every action of %s',
    (name) => {
      const actions = allowedActions([docs.get(name) as PolicyDocument]);
      expect(actions.length).toBeGreaterThan(0);
      const cfn = readFileSync(join(IAM, 'cross-account-role.cfn.yaml'), 'utf8');
      const tf = readFileSync(join(IAM, 'cross-account-role.tf'), 'utf8');
      for (const action of actions) {
        expect(cfn, `cfn: ${action}`).toMatch(new RegExp(`(- |Action: )${action}\\s*$`, 'm'));
        expect(tf, `tf: ${action}`).toContain(`"${action}"`);
      }
    },
  );

  it('both templates trust the role only with the external id', () => {
    const cfn = readFileSync(join(IAM, 'cross-account-role.cfn.yaml'), 'utf8');
    const tf = readFileSync(join(IAM, 'cross-account-role.tf'), 'utf8');
    expect(cfn).toMatch(/sts:ExternalId: !Ref ExternalId/);
    expect(tf).toMatch(/variable\s*=\s*"sts:ExternalId"[\s\S]*values\s*=\s*\[var\.external_id\]/);
  });
});
