import { connect, createServer, type Server, type Socket } from 'node:net';

/** One proxied connection, and the bytes held back while the proxy is frozen. */
interface Link {
  client: Socket;
  upstream: Socket;
  held: Array<[to: Socket, chunk: Buffer]>;
}

/**
 * A TCP proxy in front of a server (the shared PostgreSQL or Redis) that a test can freeze: the
 * connections stay open but nothing passes either way, as when the server's host hangs or the
 * network drops packets. Only this proxy's connections are affected, never the server's other
 * clients. thaw() lets the held bytes through, in order. cut() drops them all instead.
 */
export class FreezableProxy {
  private readonly links = new Set<Link>();
  private frozen = false;
  private refusing = false;

  private constructor(private readonly server: Server) {}

  static async start(target: { host: string; port: number }): Promise<FreezableProxy> {
    const server = createServer();
    const proxy = new FreezableProxy(server);
    server.on('connection', (client) => {
      if (proxy.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(target.port, target.host);
      const link: Link = { client, upstream, held: [] };
      proxy.links.add(link);
      const forward = (to: Socket) => (chunk: Buffer) => {
        if (proxy.frozen) link.held.push([to, chunk]);
        else to.write(chunk);
      };
      client.on('data', forward(upstream));
      upstream.on('data', forward(client));
      const close = () => {
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
    for (const link of this.links) for (const [to, chunk] of link.held.splice(0)) to.write(chunk);
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
