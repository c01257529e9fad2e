import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..', '..');
const SRC = join(ROOT, 'src');
const IAM = join(ROOT, 'iam');
const SDK_LOADERS = join(SRC, 'aws', 'aws-sdk.ts');

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
  'service-quotas': 'servicequotas',
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
 * The SDK loaders of src/aws/aws-sdk.ts and the package each loads
 * (`export const ec2Sdk = onFirstUse(() => require('@aws-sdk/client-ec2') …)`).
 */
function sdkLoaders(): Map<string, string> {
  const text = readFileSync(SDK_LOADERS, 'utf8');
  const loader = /export const (\w+) = onFirstUse\(\(\) => require\('@aws-sdk\/(client-[a-z0-9-]+|credential-providers)'\)/g;
  return new Map([...text.matchAll(loader)].map(([, name, pkg]) => [name, pkg]));
}

/**
 * The SDK values a file uses, with their package: `const { XxxCommand, paginateYyy } = ec2Sdk()`
 * and `ec2Sdk().paginateYyy` through a loader, or a plain import from `@aws-sdk/client-<service>`.
 * Type-only imports send nothing.
 */
function sdkValuesUsed(text: string, loaders: Map<string, string>): Array<{ name: string; pkg: string }> {
  const used: Array<{ name: string; pkg: string }> = [];
  const names = (list: string, separator: RegExp) =>
    list
      .split(',')
      .map((raw) => raw.trim())
      .filter((name) => name && !name.startsWith('type '))
      .map((name) => name.split(separator)[0]);
  const sdkImport = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+|credential-providers)'/g;
  for (const [, typeOnly, list, pkg] of text.matchAll(sdkImport)) {
    if (!typeOnly) used.push(...names(list, /\s+as\s+/).map((name) => ({ name, pkg })));
  }
  for (const [, list, loader] of text.matchAll(/const\s*\{([^}]*)\}\s*=\s*(\w+)\(\)/g)) {
    const pkg = loaders.get(loader);
    if (pkg) used.push(...names(list, /\s*:\s*/).map((name) => ({ name, pkg })));
  }
  for (const [, loader, name] of text.matchAll(/\b(\w+)\(\)\.(\w+)/g)) {
    const pkg = loaders.get(loader);
    if (pkg) used.push({ name, pkg });
  }
  return used;
}

/**
 * Every IAM action the code can send, with where: `XxxCommand` of `@aws-sdk/client-<service>` is
 * `<prefix>:Xxx`, a `paginateXxx` paginator `<prefix>:Xxx`, and a credential provider the action
 * it calls.
 */
function actionsSent(files: string[]): Map<string, string[]> {
  const sent = new Map<string, string[]>();
  const add = (action: string, file: string) => sent.set(action, [...(sent.get(action) ?? []), file.slice(ROOT.length + 1)]);
  const loaders = sdkLoaders();
  // The loaders' own file only loads the modules (its comment shows how they are used).
  for (const file of files.filter((f) => f !== SDK_LOADERS)) {
    for (const { name, pkg } of sdkValuesUsed(readFileSync(file, 'utf8'), loaders)) {
      if (pkg === 'credential-providers') {
        if (PROVIDER_ACTIONS[name]) add(PROVIDER_ACTIONS[name], file);
        continue;
      }
      const operation = /^(?!.*Client$)([A-Z]\w*)Command$/.exec(name)?.[1] ?? /^paginate([A-Z]\w*)$/.exec(name)?.[1];
      if (!operation) continue;
      const service = pkg.slice('client-'.length);
      const prefix = SERVICE_PREFIX[service];
      if (!prefix) throw new Error(`${file}: no IAM prefix known for @aws-sdk/${pkg}; add it to SERVICE_PREFIX`);
      add(OPERATION_ACTIONS[`${prefix}:${operation}`] ?? `${prefix}:${operation}`, file);
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
        'ec2:DescribeRouteTables',
        'ec2:DescribeTransitGateways',
        'ec2:DescribeTransitGatewayVpcAttachments',
        'servicequotas:GetServiceQuota',
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
