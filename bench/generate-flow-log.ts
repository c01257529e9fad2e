import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { SeededRandom } from '../samples/seeded-random';

/** Where generated benchmark inputs live (gitignored). */
export const BENCH_DATA_DIR = join(__dirname, '..', '..', 'bench', '.data');

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

interface Peer {
  eni: string;
  eniAddr: string;
  peer: string;
  port: number;
  protocol: number;
}

/**
 * Where accepted connections' client ports come from: `wide`, anywhere in 1024–65535 (NAT
 * gateways, load balancers), so that a client port below the service port keeps both ports under
 * the collapse rule and the distinct tuples keep growing with the lines; `linux`, Linux's default
 * ephemeral range (32768–60999), above every service port of the estate, so that the tuples are
 * bounded by the estate's connections however many lines there are.
 */
export type ClientPorts = 'wide' | 'linux';

const CLIENT_PORT_RANGES: Record<ClientPorts, [number, number]> = { wide: [1024, 65535], linux: [32768, 60999] };

/**
 * Writes `lines` flow-log lines (plus the S3 header) in the default version-2 format: mostly
 * accepted client/server traffic, about 10% REJECT (scanners and misconfigured peers drawn from a
 * bounded set of flows, as real rejected traffic is), about 1% NODATA and a few SKIPDATA. The two
 * kinds of `clientPorts` draw the same random sequence: their files differ in the client ports alone.
 */
export async function generateFlowLog(path: string, lines: number, seed = 42, clientPorts: ClientPorts = 'wide'): Promise<void> {
  const [clientLow, clientHigh] = CLIENT_PORT_RANGES[clientPorts];
  const seeded = new SeededRandom(seed);
  const random = (): number => seeded.next();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

  const enis = Array.from({ length: 300 }, (_, i) => ({
    eni: `eni-${(0x0a000000 + i * 7919).toString(16).padStart(17, '0')}`,
    addr: `10.${1 + (i % 8)}.${Math.floor(i / 8)}.${10 + (i % 200)}`,
  }));
  const servicePorts = [22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9200, 27017, 53, 123];
  const acceptedFlows: Peer[] = Array.from({ length: 40_000 }, () => {
    const e = pick(enis);
    const udp = random() < 0.15;
    return {
      eni: e.eni,
      eniAddr: e.addr,
      peer: random() < 0.7 ? `10.${int(1, 8)}.${int(0, 40)}.${int(1, 254)}` : `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
      port: udp ? pick([53, 123, 514]) : pick(servicePorts),
      protocol: udp ? 17 : 6,
    };
  });
  const rejectedFlows: Peer[] = Array.from({ length: 20_000 }, () => {
    const e = pick(enis);
    const icmp = random() < 0.05;
    return {
      eni: e.eni,
      eniAddr: e.addr,
      peer: random() < 0.4 ? `10.${int(1, 8)}.${int(0, 40)}.${int(1, 254)}` : `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
      port: icmp ? 0 : pick([...servicePorts, 23, 445, 1433, 3389, 5900, 8081, 9090, 2375]),
      protocol: icmp ? 1 : 6,
    };
  });

  const tmp = `${path}.partial`;
  const out = createWriteStream(tmp, { highWaterMark: 1 << 20 });
  // events.once rejects on 'error' and removes its listeners, so waits never pile up.
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };

  await write(HEADER + '\n');
  const account = '123456789012';
  let t = 1_700_000_000;
  const batch: string[] = [];
  for (let i = 0; i < lines; i++) {
    if (i % 5000 === 0) t += 60;
    const r = random();
    let line: string;
    if (r < 0.01) {
      const e = pick(enis);
      line = `2 ${account} ${e.eni} - - - - - - - ${t} ${t + 60} - ${r < 0.0005 ? 'SKIPDATA' : 'NODATA'}`;
    } else if (r < 0.11) {
      const f = pick(rejectedFlows);
      const ports = f.protocol === 1 ? '0 0' : `${int(32768, 60999)} ${f.port}`;
      line = `2 ${account} ${f.eni} ${f.peer} ${f.eniAddr} ${ports} ${f.protocol} ${int(1, 6)} ${int(40, 400)} ${t} ${t + int(1, 60)} REJECT OK`;
    } else {
      const f = pick(acceptedFlows);
      const client = int(clientLow, clientHigh);
      const inbound = random() < 0.5;
      const packets = int(1, 5000);
      const ends = inbound ? `${f.peer} ${f.eniAddr} ${client} ${f.port}` : `${f.eniAddr} ${f.peer} ${f.port} ${client}`;
      line = `2 ${account} ${f.eni} ${ends} ${f.protocol} ${packets} ${packets * int(40, 1500)} ${t} ${t + int(1, 60)} ACCEPT OK`;
    }
    batch.push(line);
    if (batch.length === 10_000) {
      await write(batch.join('\n') + '\n');
      batch.length = 0;
    }
  }
  if (batch.length > 0) await write(batch.join('\n') + '\n');
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  renameSync(tmp, path);
}

/** The path of a generated `lines`-line flow log in bench/.data, generating it first if absent. */
export async function ensureFlowLog(lines = 3_000_000, seed = 42, clientPorts: ClientPorts = 'wide'): Promise<string> {
  mkdirSync(BENCH_DATA_DIR, { recursive: true });
  const path = join(BENCH_DATA_DIR, `flows-v2-${lines}-s${seed}${clientPorts === 'wide' ? '' : `-${clientPorts}`}.log`);
  if (!existsSync(path) || statSync(path).size === 0) await generateFlowLog(path, lines, seed, clientPorts);
  return path;
}

if (require.main === module) {
  const lines = Number(process.argv[2] ?? 3_000_000);
  ensureFlowLog(lines).then(
    (path) => process.stdout.write(path + '\n'),
    (err: unknown) => {
      process.stderr.write(String(err) + '\n');
      process.exitCode = 1;
    },
  );
}
