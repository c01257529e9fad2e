import { connect, createServer, type Server, type Socket } from 'node:net';

/** One proxied connection, and the bytes held back while the proxy is frozen (null: the sender's FIN). */
interface Link {
  client: Socket;
  upstream: Socket;
  held: Array<[to: Socket, chunk: Buffer | null]>;
  /** Passes nothing ever again, not even a FIN; see strand(). */
  stranded: boolean;
}

/** Writes a chunk on, or ends the socket for a FIN (null). */
function passOn(to: Socket, chunk: Buffer | null): void {
  if (chunk) to.write(chunk);
  else to.end();
}

/**
 * A TCP proxy in front of a server (the shared PostgreSQL or Redis) that a test can freeze: the
 * connections stay open but nothing passes either way, as when the server's host hangs or the
 * network drops packets. Only this proxy's connections are affected, never the server's other
 * clients. thaw() lets the held bytes through, in order. cut() drops them all instead. strand()
 * silences only the connections already open, for good, while new ones pass.
 */
export class FreezableProxy {
  private readonly links = new Set<Link>();
  private frozen = false;
  private refusing = false;

  private constructor(private readonly server: Server) {}

  static async start(target: { host: string; port: number }): Promise<FreezableProxy> {
    // Half-open on both sides, so that a FIN passes (or not) like any other byte.
    const server = createServer({ allowHalfOpen: true });
    const proxy = new FreezableProxy(server);
    server.on('connection', (client) => {
      if (proxy.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true });
      const link: Link = { client, upstream, held: [], stranded: false };
      proxy.links.add(link);
      const forward = (to: Socket) => (chunk: Buffer | null) => {
        if (link.stranded) return;
        if (proxy.frozen) link.held.push([to, chunk]);
        else passOn(to, chunk);
      };
      client.on('data', forward(upstream)).on('end', () => forward(upstream)(null));
      upstream.on('data', forward(client)).on('end', () => forward(client)(null));
      const close = () => {
        // A stranded connection's server never hears that its client gave up, as across a lost
        // NAT mapping: its side stays open until the proxy closes.
        if (link.stranded) {
          client.destroy();
          return;
        }
        proxy.links.delete(link);
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) socket.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (typeof address !== 'object' || !address) throw new Error('the proxy is not listening');
    return address.port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const link of this.links) for (const [to, chunk] of link.held.splice(0)) passOn(to, chunk);
  }

  /**
   * The connections open now pass nothing again, either way, FIN included, and stay open on
   * both sides; new connections pass as usual. What a client sees when the server moved to a new
   * address behind the same name (a failover), or a NAT or firewall on the path lost the
   * connection's state: its sockets look connected and are never answered.
   */
  strand(): number {
    let count = 0;
    for (const link of this.links) {
      if (link.stranded) continue;
      link.stranded = true;
      link.held.length = 0;
      count += 1;
    }
    return count;
  }

  /** How many connections pass bytes now (not stranded, not closed). */
  get openConnections(): number {
    let count = 0;
    for (const link of this.links) if (!link.stranded && !link.client.destroyed) count += 1;
    return count;
  }

  /**
   * Drops every connection and refuses new ones until restore(), as a server that was stopped
   * (or restarted) does.
   */
  cut(): void {
    this.refusing = true;
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
  }

  restore(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
