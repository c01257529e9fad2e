import { describe, expect, it, vi } from 'vitest';
import { SsrfBlockedError } from '../../../src/outbound-http/delivery.errors';
import { HostResolver, MAX_SYSTEM_LOOKUPS, SsrfGuard, sharedLookups } from '../../../src/outbound-http/ssrf-guard';

const publicResolver: HostResolver = async () => [{ address: '93.184.216.34', family: 4 }];

async function reasonFor(guard: SsrfGuard, url: string): Promise<string | null> {
  try {
    await guard.check(url);
    return null;
  } catch (error) {
    if (error instanceof SsrfBlockedError) return error.reason;
    throw error;
  }
}

describe('SsrfGuard', () => {
  const guard = new SsrfGuard({ resolver: publicResolver });

  it.each([
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://[fd00:ec2::254]/latest/meta-data/', 'unique-local'],
    ['https://127.0.0.1/', 'loopback'],
    ['https://127.1.2.3:8443/', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:169.254.169.254]/', 'link-local'],
    ['https://[::ffff:7f00:1]/', 'loopback'],
    ['https://2130706433/', 'loopback'],
    ['https://0x7f.0.0.1/', 'loopback'],
    ['https://0177.0.0.1/', 'loopback'],
    ['https://0x7f000001/', 'loopback'],
    ['https://10.0.0.1/', 'private'],
    ['https://172.16.5.4/', 'private'],
    ['https://172.31.255.255/', 'private'],
    ['https://192.168.1.1/', 'private'],
    ['https://100.64.0.1/', 'carrier-grade-nat'],
    ['https://[fc00::1]/', 'unique-local'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://[febf::1]/', 'link-local'],
    ['https://224.0.0.251/', 'multicast'],
    ['https://[ff02::1]/', 'multicast'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://0.1.2.3/', 'unspecified'],
    ['https://[::]/', 'unspecified'],
    ['https://255.255.255.255/', 'broadcast'],
    ['https://[64:ff9b::7f00:1]/', 'loopback'],
    ['https://[2002:7f00:1::]/', 'loopback'],
    // IPv6 forms that carry a non-public IPv4 address are judged by that address.
    ['https://[::a9fe:a9fe]/', 'link-local'],
    ['https://[::169.254.169.254]/', 'link-local'],
    ['https://[::127.0.0.1]/', 'loopback'],
    ['https://[::10.0.0.1]/', 'private'],
    ['https://[::0.0.0.2]/', 'unspecified'],
    ['https://[::ffff:0:a9fe:a9fe]/', 'link-local'],
    ['https://[64:ff9b::169.254.169.254]/', 'link-local'],
    ['https://[64:ff9b::10.1.2.3]/', 'private'],
    ['https://[64:ff9b:1::a9fe:a9fe]/', 'link-local'],
    ['https://[2002:a9fe:a9fe::1]/', 'link-local'],
    ['https://[2002:c0a8:101::]/', 'private'],
    ['https://[2001:0:a9fe:a9fe::1]/', 'link-local'],
    ['https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'loopback'],
    // …and refused as special-purpose when it is public: a translator or tunnel reaches it.
    ['https://[::8.8.8.8]/', 'special-purpose'],
    ['https://[64:ff9b::8.8.8.8]/', 'special-purpose'],
    ['https://[2002:808:808::1]/', 'special-purpose'],
    ['https://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]/', 'special-purpose'],
  ])('refuses %s as %s', async (url, reason) => {
    expect(await reasonFor(guard, url)).toBe(reason);
  });

  // An IPv4-mapped address is connected to as the IPv4 address it carries, and judged as that one.
  it.each([
    'https://8.8.8.8/',
    'https://[::ffff:8.8.8.8]/',
    'https://172.32.0.1/',
    'https://[2606:4700::1111]/',
    'https://hooks.example.com/x',
  ])('accepts public destination %s', async (url) => {
    expect(await reasonFor(guard, url)).toBeNull();
  });

  it('refuses plain http unless configured, and other schemes always', async () => {
    expect(await reasonFor(guard, 'http://8.8.8.8/')).toBe('scheme-not-allowed');
    expect(await reasonFor(guard, 'ftp://8.8.8.8/')).toBe('scheme-not-allowed');
    const httpGuard = new SsrfGuard({ allowHttp: true, resolver: publicResolver });
    expect(await reasonFor(httpGuard, 'http://8.8.8.8/')).toBeNull();
    expect(await reasonFor(httpGuard, 'file:///etc/passwd')).toBe('scheme-not-allowed');
  });

  it('refuses credentials embedded in the URL', async () => {
    expect(await reasonFor(guard, 'https://user:pw@hooks.example.com/')).toBe('credentials-in-url');
  });

  it('refuses localhost and a name that resolves to a private address', async () => {
    const resolver = vi.fn<HostResolver>(async (name) =>
      name === 'localhost'
        ? [
            { address: '::1', family: 6 },
            { address: '127.0.0.1', family: 4 },
          ]
        : [{ address: '10.1.2.3', family: 4 }],
    );
    const g = new SsrfGuard({ resolver });
    expect(await reasonFor(g, 'https://localhost/')).toBe('loopback');
    const error = await g.check('https://internal.example.com/hook').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect(error).toMatchObject({ reason: 'private', host: 'internal.example.com', address: '10.1.2.3' });
  });

  it('refuses a name when any of its addresses is internal (rebinding with mixed answers)', async () => {
    const g = new SsrfGuard({
      resolver: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
    });
    expect(await reasonFor(g, 'https://mixed.example.com/')).toBe('link-local');
  });

  it('refuses a name with no addresses', async () => {
    const g = new SsrfGuard({ resolver: async () => [] });
    expect(await reasonFor(g, 'https://empty.example.com/')).toBe('no-address');
  });

  it('reports a DNS failure as a retryable DNS error, not as a block', async () => {
    const g = new SsrfGuard({ resolver: async () => Promise.reject(new Error('ENOTFOUND')) });
    await expect(g.check('https://nope.example.com/')).rejects.toMatchObject({
      code: 'DELIVERY.DNS_FAILED',
      retryable: true,
    });
  });

  it('rejects malformed URLs with a typed error', async () => {
    await expect(guard.check('not a url')).rejects.toMatchObject({ code: 'DELIVERY.INVALID_URL' });
  });

  it('lets configured CIDRs through, and only those', async () => {
    const g = new SsrfGuard({ allowedCidrs: ['127.0.0.1/32', '10.20.0.0/16', 'fd00:1::/32'], resolver: publicResolver });
    expect(await reasonFor(g, 'https://127.0.0.1/')).toBeNull();
    expect(await reasonFor(g, 'https://[::ffff:127.0.0.1]/')).toBeNull();
    expect(await reasonFor(g, 'https://127.0.0.2/')).toBe('loopback');
    expect(await reasonFor(g, 'https://10.20.3.4/')).toBeNull();
    expect(await reasonFor(g, 'https://10.21.3.4/')).toBe('private');
    expect(await reasonFor(g, 'https://[fd00:1::5]/')).toBeNull();
    expect(await reasonFor(g, 'https://[::1]/')).toBe('loopback');
    expect(() => new SsrfGuard({ allowedCidrs: ['nonsense'] })).toThrow(/Invalid allowed CIDR/);
  });

  describe('every spelling of an internal host', () => {
    // The WHATWG parser writes each of these as the address it means before the guard judges it.
    it.each([
      ['https://127.1/', 'loopback'],
      ['https://127.0.1/', 'loopback'],
      ['https://127.0.0.1./', 'loopback'],
      ['https://%31%32%37.0.0.1/', 'loopback'],
      ['https://127\u30020\u30020\u30021/', 'loopback'],
      ['https://\uff11\uff12\uff17.0.0.1/', 'loopback'],
      ['https://0/', 'unspecified'],
      ['https://0x0/', 'unspecified'],
      ['https://[0:0:0:0:0:ffff:127.0.0.1]/', 'loopback'],
      ['https://[0000:0000:0000:0000:0000:0000:0000:0001]/', 'loopback'],
      ['https://[::ffff:0:7f00:1]/', 'loopback'],
      ['https://[::ffff:a9fe:a9fe]/', 'link-local'],
      ['https://0xa9.0xfe.0xa9.0xfe/', 'link-local'],
      ['https://2852039166/', 'link-local'],
      ['https://[fd00:ec2::254]:80/', 'unique-local'],
      ['https://[fdff:ffff::1]/', 'unique-local'],
      ['https://[fec0::1]/', 'special-purpose'],
      ['https://100.127.255.255/', 'carrier-grade-nat'],
      ['https://239.255.255.250/', 'multicast'],
      ['https://192.0.0.170/', 'reserved'],
      ['https://198.18.0.1/', 'reserved'],
      ['https://240.0.0.1/', 'reserved'],
      ['https://[2001:0:53aa:64c:0:0:0:1]/', 'reserved'],
      // IPv6 outside 2000::/3 is unallocated (IANA reserves it): no public host has such an
      // address, while a network may route it internally.
      ['https://[1::1]/', 'reserved'],
      ['https://[::1:0:0:1]/', 'reserved'],
      ['https://[::ffff:1:7f00:1]/', 'reserved'],
      ['https://[4000::1]/', 'reserved'],
      ['https://[e000::1]/', 'reserved'],
      ['https://[1fff:ffff::1]/', 'reserved'],
    ])('refuses %s as %s', async (url, reason) => {
      expect(await reasonFor(guard, url)).toBe(reason);
    });

    it.each(['localhost', 'localhost.', 'LOCALHOST', 'LocalHost.', '\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3'])(
      'asks DNS for %s in the one form the parser gives and refuses its loopback answer',
      async (host) => {
        const resolver = vi.fn<HostResolver>(async () => [{ address: '127.0.0.1', family: 4 }]);
        expect(await reasonFor(new SsrfGuard({ resolver }), `https://${host}/`)).toBe('loopback');
        expect(resolver).toHaveBeenCalledWith(expect.stringMatching(/^localhost\.?$/));
      },
    );

    it('asks DNS for an internationalised name in its punycode form', async () => {
      const resolver = vi.fn<HostResolver>(async () => [{ address: '10.0.0.5', family: 4 }]);
      expect(await reasonFor(new SsrfGuard({ resolver }), 'https://b\u00fccher.example/')).toBe('private');
      expect(resolver).toHaveBeenCalledWith('xn--bcher-kva.example');
    });
  });

  describe('URL tricks', () => {
    it.each([
      'gopher://8.8.8.8:70/_x',
      'data:text/plain,hi',
      'javascript:alert(1)',
      'ws://8.8.8.8/',
      'wss://8.8.8.8/',
      'dict://8.8.8.8/',
      'ldap://8.8.8.8/',
    ])('refuses the scheme of %s', async (url) => {
      expect(await reasonFor(new SsrfGuard({ allowHttp: true, resolver: publicResolver }), url)).toBe('scheme-not-allowed');
    });

    it.each([
      'https://good.example@127.0.0.1/',
      'https://good.example:x@127.0.0.1/',
      'https://:x@127.0.0.1/',
      'https://hooks.example.com@8.8.8.8/',
    ])('refuses userinfo in %s whatever the host', async (url) => {
      expect(await reasonFor(guard, url)).toBe('credentials-in-url');
    });

    it('judges the host the client will connect to, not the one a reader might see', async () => {
      const resolver = vi.fn<HostResolver>(async () => [{ address: '93.184.216.34', family: 4 }]);
      const g = new SsrfGuard({ resolver });
      // A backslash ends the authority (WHATWG), and what follows # is never sent.
      const backslash = await g.check('https://hooks.example.com\\@127.0.0.1/');
      expect(backslash).toMatchObject({ hostname: 'hooks.example.com', address: '93.184.216.34' });
      expect(await reasonFor(g, 'https://127.0.0.1#@hooks.example.com/')).toBe('loopback');
      expect(await reasonFor(g, 'https://127.0.0.1?@hooks.example.com/')).toBe('loopback');
    });

    it.each([
      'https://[fe80::1%25eth0]/',
      'https://[fe80::1%eth0]/',
      'https://127.0.0.1%00.example.com/',
      'https://[::1/',
      'https://999.0.0.1/',
    ])('refuses %s as not a valid URL', async (url) => {
      await expect(guard.check(url)).rejects.toMatchObject({ code: 'DELIVERY.INVALID_URL' });
    });

    it('refuses port 0, which no connection can reach, and takes any other port of a public host', async () => {
      await expect(guard.check('https://hooks.example.com:0/')).rejects.toMatchObject({ code: 'DELIVERY.INVALID_URL' });
      await expect(guard.check('https://8.8.8.8:00/')).rejects.toMatchObject({ code: 'DELIVERY.INVALID_URL' });
      expect((await guard.check('https://hooks.example.com:8443/')).url.port).toBe('8443');
      await expect(guard.check('https://hooks.example.com:65536/')).rejects.toMatchObject({ code: 'DELIVERY.INVALID_URL' });
    });
  });

  it('returns the checked address and the original host name', async () => {
    const g = new SsrfGuard({ resolver: async () => [{ address: '2606:4700::1111', family: 6 }] });
    const checked = await g.check('https://hooks.example.com:8443/a?b=c');
    expect(checked).toMatchObject({ hostname: 'hooks.example.com', address: '2606:4700::1111', family: 6 });
    expect(checked.url.port).toBe('8443');
  });
});

describe('system lookups', () => {
  /** A resolver whose lookups answer only when told to, counting the ones in flight. */
  function heldResolver() {
    const held = new Map<string, () => void>();
    let inFlight = 0;
    let most = 0;
    const resolve: HostResolver = (hostname) =>
      new Promise((done) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        held.set(hostname, () => {
          inFlight -= 1;
          done([{ address: '93.184.216.34', family: 4 }]);
        });
      });
    const answer = async (hostname: string) => {
      held.get(hostname)!();
      held.delete(hostname);
      await new Promise((r) => setImmediate(r));
    };
    return { resolve, held, answer, most: () => most };
  }

  it('run at most MAX_SYSTEM_LOOKUPS at once, so names that never answer cannot take every thread of the pool', async () => {
    const resolver = heldResolver();
    const lookups = sharedLookups(resolver.resolve, MAX_SYSTEM_LOOKUPS);
    const answers = ['a.example', 'b.example', 'c.example', 'd.example'].map((name) => lookups(name));
    await new Promise((r) => setImmediate(r));
    expect([...resolver.held.keys()]).toEqual(['a.example', 'b.example']);
    await resolver.answer('a.example');
    expect([...resolver.held.keys()]).toEqual(['b.example', 'c.example']);
    await resolver.answer('c.example');
    await resolver.answer('b.example');
    await resolver.answer('d.example');
    expect(await Promise.all(answers)).toHaveLength(4);
    expect(resolver.most()).toBe(MAX_SYSTEM_LOOKUPS);
  });

  it('share one lookup among the requests for one name, in any letter case, and look it up again once it has answered', async () => {
    const resolver = heldResolver();
    const calls = vi.fn(resolver.resolve);
    const lookups = sharedLookups(calls, MAX_SYSTEM_LOOKUPS);
    const answers = [lookups('hooks.example.com'), lookups('HOOKS.example.com'), lookups('hooks.example.com')];
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveBeenCalledTimes(1);
    await resolver.answer('hooks.example.com');
    expect(await Promise.all(answers)).toEqual([[{ address: '93.184.216.34', family: 4 }], expect.anything(), expect.anything()]);
    const later = lookups('hooks.example.com');
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveBeenCalledTimes(2);
    await resolver.answer('hooks.example.com');
    await later;
  });

  it('pass a failed lookup on to every request that shared it, and try again on the next', async () => {
    let fail = true;
    const calls = vi.fn<HostResolver>(async () => {
      if (fail) throw new Error('ENOTFOUND');
      return [{ address: '93.184.216.34', family: 4 }];
    });
    const lookups = sharedLookups(calls, MAX_SYSTEM_LOOKUPS);
    const failed = await Promise.allSettled([lookups('x.example'), lookups('x.example')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toHaveBeenCalledTimes(1);
    fail = false;
    await expect(lookups('x.example')).resolves.toHaveLength(1);
    expect(calls).toHaveBeenCalledTimes(2);
  });
});
