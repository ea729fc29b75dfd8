// The base image's Debian mirror from the machine's apt sources: one-line and deb822 files, which entry
// is a Debian archive for bookworm, --mirror / $TP_CLUSTER_MIRROR first, and the error when none is found.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { debootstrapMirror, parseDeb822Sources, parseOneLineSources, pickDebianMirror, readAptSources } from '../../../cluster/images/apt-sources.js';

const DEBIAN_SOURCES = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;

describe('cluster images: the Debian mirror from apt sources', () => {
  const mirrors: [string, string, 'list' | 'sources', string | undefined][] = [
    ['a deb822 file as Debian 12 installs it', DEBIAN_SOURCES, 'sources', 'http://deb.debian.org/debian'],
    ['a one-line sources.list', 'deb http://ftp.de.debian.org/debian/ bookworm main contrib\ndeb http://security.debian.org/ bookworm-security main\n', 'list', 'http://ftp.de.debian.org/debian'],
    ['options in brackets and comments', '# deb http://old/ bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] https://mirror.example/debian bookworm main # mine\n', 'list', 'https://mirror.example/debian'],
    ['the entry naming bookworm wins over another release', 'deb http://a/debian trixie main\ndeb http://b/debian bookworm main\n', 'list', 'http://b/debian'],
    ['another Debian release\'s archive also carries bookworm', 'deb http://a/debian trixie main\n', 'list', 'http://a/debian'],
    ['security and updates archives alone are not enough', 'deb http://s/debian-security bookworm-security main\ndeb http://u/debian bookworm-updates main\n', 'list', undefined],
    ['deb-src and entries without main are skipped', 'deb-src http://a/debian bookworm main\ndeb http://b/debian bookworm contrib\n', 'list', undefined],
    ['a disabled deb822 stanza is skipped', 'Types: deb\nURIs: http://a/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n', 'sources', undefined],
    ['a deb822 stanza with continuation lines', 'Types: deb\nURIs:\n http://a/debian\n http://b/debian\nSuites: bookworm\nComponents: main\n', 'sources', 'http://a/debian'],
    ['apt-only schemes (mirror+file, cdrom) are not fetchable by debootstrap', 'deb mirror+file:/etc/apt/mirrors.txt bookworm main\ndeb cdrom:[Debian]/ bookworm main\n', 'list', undefined],
    ['other distributions and third-party repositories', 'deb http://archive.ubuntu.com/ubuntu jammy main\ndeb https://deb.nodesource.com/node_20.x nodistro main\n', 'list', undefined],
  ];
  for (const [what, text, format, want] of mirrors) {
    it(what, () => {
      const sources = format === 'sources' ? parseDeb822Sources(text, 'x.sources') : parseOneLineSources(text, 'sources.list');
      expect(pickDebianMirror(sources)).to.equal(want);
    });
  }

  it('names where each entry is', () => {
    expect(parseDeb822Sources(DEBIAN_SOURCES, 'debian.sources').map((s) => `${s.where} ${s.suites.join(',')}`)).to.deep.equal(['debian.sources:1 bookworm,bookworm-updates', 'debian.sources:8 bookworm-security']);
  });

  describe('on a machine', () => {
    let root: string;
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    const saved = process.env.TP_CLUSTER_MIRROR;
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-apt-'));
      delete process.env.TP_CLUSTER_MIRROR;
    });
    afterEach(() => {
      fs.rmSync(root, { recursive: true, force: true });
      if (saved === undefined) delete process.env.TP_CLUSTER_MIRROR;
      else process.env.TP_CLUSTER_MIRROR = saved;
    });

    it('reads sources.list and sources.list.d/*.list and *.sources, not other files', () => {
      write('etc/apt/sources.list', 'deb http://security/ bookworm-security main\n');
      write('etc/apt/sources.list.d/debian.sources', DEBIAN_SOURCES);
      write('etc/apt/sources.list.d/off.list.disabled', 'deb http://off/debian bookworm main\n');
      expect(readAptSources(root).map((s) => s.uris[0])).to.deep.equal(['http://security/', 'http://deb.debian.org/debian', 'http://deb.debian.org/debian-security']);
      expect(debootstrapMirror({ root })).to.equal('http://deb.debian.org/debian');
    });

    it('takes --mirror (or $TP_CLUSTER_MIRROR) before the sources, and refuses one that is no URL', () => {
      write('etc/apt/sources.list', 'deb http://a/debian bookworm main\n');
      expect(debootstrapMirror({ root, mirror: 'http://local-mirror:3142/debian/' })).to.equal('http://local-mirror:3142/debian');
      process.env.TP_CLUSTER_MIRROR = 'file:///srv/debian';
      expect(debootstrapMirror({ root })).to.equal('file:///srv/debian');
      expect(() => debootstrapMirror({ root, mirror: 'local-mirror/debian' })).to.throw('the Debian mirror "local-mirror/debian" is not an http(s)://, ftp:// or file:// URL; pass --mirror URL or set TP_CLUSTER_MIRROR');
    });

    it('says where it looked and what it found when there is no Debian mirror', () => {
      write('etc/apt/sources.list.d/ubuntu.list', 'deb http://archive.ubuntu.com/ubuntu jammy main\n');
      expect(() => debootstrapMirror({ root })).to.throw(`no Debian mirror for bookworm in ${root}/etc/apt/sources.list or ${root}/etc/apt/sources.list.d/*.{list,sources} `
        + '(found only: http://archive.ubuntu.com/ubuntu jammy); pass --mirror URL to `npm run cluster -- up` or set TP_CLUSTER_MIRROR');
    });
  });
});
