import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import { sidecarRunArgv, splitDockerRunArgs, userRunArgv, type DockerRunSplit } from '../../../methods/container/docker-args.js';

const NONE: DockerRunSplit = { sidecarPublish: [], userFlags: [], image: '', args: [], interactive: false, tty: false, init: false, detach: false, name: null };

describe('container method: splitting --docker-run arguments', () => {
  const cases: { argv: string[]; want: Partial<DockerRunSplit> }[] = [
    { argv: ['nginx'], want: { image: 'nginx' } },
    { argv: ['--rm', 'nginx:latest'], want: { userFlags: ['--rm'], image: 'nginx:latest' } },
    // bundles of booleans
    { argv: ['-it', 'alpine'], want: { userFlags: ['-it'], image: 'alpine', interactive: true, tty: true } },
    { argv: ['-itd', 'alpine'], want: { userFlags: ['-itd'], image: 'alpine', interactive: true, tty: true, detach: true } },
    { argv: ['--detach=false', 'alpine'], want: { userFlags: ['--detach=false'], image: 'alpine' } },
    { argv: ['-i', '-t', 'alpine'], want: { userFlags: ['-i', '-t'], image: 'alpine', interactive: true, tty: true } },
    { argv: ['-t', 'alpine'], want: { userFlags: ['-t'], image: 'alpine', tty: true } },
    { argv: ['--interactive', '--tty', 'alpine'], want: { userFlags: ['--interactive', '--tty'], image: 'alpine', interactive: true, tty: true } },
    { argv: ['--tty=false', '-i=false', 'alpine'], want: { userFlags: ['--tty=false', '-i=false'], image: 'alpine' } },
    { argv: ['-ti=false', 'alpine'], want: { userFlags: ['-ti=false'], image: 'alpine', tty: true } },
    // values attached, separate, with '='
    { argv: ['-eFOO=1', 'alpine'], want: { userFlags: ['-eFOO=1'], image: 'alpine' } },
    { argv: ['-e', 'FOO=1', 'alpine'], want: { userFlags: ['-e', 'FOO=1'], image: 'alpine' } },
    { argv: ['--env=FOO=1', 'alpine'], want: { userFlags: ['--env=FOO=1'], image: 'alpine' } },
    { argv: ['--env', 'FOO=1', 'alpine'], want: { userFlags: ['--env', 'FOO=1'], image: 'alpine' } },
    { argv: ['-e=FOO=1', 'alpine'], want: { userFlags: ['-e=FOO=1'], image: 'alpine' } },
    { argv: ['-ite', 'FOO=1', 'alpine'], want: { userFlags: ['-ite', 'FOO=1'], image: 'alpine', interactive: true, tty: true } },
    { argv: ['-iteFOO=1', 'alpine'], want: { userFlags: ['-iteFOO=1'], image: 'alpine', interactive: true, tty: true } },
    // a value that looks like a flag or an image is the flag's value
    { argv: ['-e', '-x', 'alpine'], want: { userFlags: ['-e', '-x'], image: 'alpine' } },
    { argv: ['--name', 'web', 'nginx'], want: { userFlags: ['--name', 'web'], image: 'nginx', name: 'web' } },
    { argv: ['--name=web', 'nginx'], want: { userFlags: ['--name=web'], image: 'nginx', name: 'web' } },
    // pass-through flags
    {
      argv: ['--env-file', 'a.env', '-v', '/src:/src:ro', '-w', '/src', '--entrypoint', 'sh', '--user', '1000:1000', 'alpine'],
      want: { userFlags: ['--env-file', 'a.env', '-v', '/src:/src:ro', '-w', '/src', '--entrypoint', 'sh', '--user', '1000:1000'], image: 'alpine' },
    },
    { argv: ['-u0', '-m', '64m', '--cpus=0.5', 'alpine'], want: { userFlags: ['-u0', '-m', '64m', '--cpus=0.5'], image: 'alpine' } },
    { argv: ['--init', 'alpine'], want: { userFlags: ['--init'], image: 'alpine', init: true } },
    { argv: ['--init=false', 'alpine'], want: { userFlags: ['--init=false'], image: 'alpine', init: true } },
    { argv: ['--health-start-interval', '5s', 'alpine'], want: { userFlags: ['--health-start-interval', '5s'], image: 'alpine' } },
    // unknown flags are booleans, passed through for docker to judge
    { argv: ['--no-such-flag', 'alpine', 'x'], want: { userFlags: ['--no-such-flag'], image: 'alpine', args: ['x'] } },
    { argv: ['--no-such-flag=3', 'alpine'], want: { userFlags: ['--no-such-flag=3'], image: 'alpine' } },
    { argv: ['-iZ', 'alpine'], want: { userFlags: ['-iZ'], image: 'alpine', interactive: true } },
    // publish forms move to the sidecar
    { argv: ['-p', '8080:80', 'nginx'], want: { sidecarPublish: ['8080:80'], image: 'nginx' } },
    { argv: ['-p127.0.0.1:8080:80/tcp', 'nginx'], want: { sidecarPublish: ['127.0.0.1:8080:80/tcp'], image: 'nginx' } },
    { argv: ['-p=8080:80', 'nginx'], want: { sidecarPublish: ['8080:80'], image: 'nginx' } },
    { argv: ['--publish=8080:80/udp', 'nginx'], want: { sidecarPublish: ['8080:80/udp'], image: 'nginx' } },
    { argv: ['--publish', '[::1]:8080:80', 'nginx'], want: { sidecarPublish: ['[::1]:8080:80'], image: 'nginx' } },
    { argv: ['-itp', '8080:80', 'nginx'], want: { sidecarPublish: ['8080:80'], userFlags: ['-it'], image: 'nginx', interactive: true, tty: true } },
    { argv: ['-tp8080:80', '--rm', 'nginx'], want: { sidecarPublish: ['8080:80'], userFlags: ['-t', '--rm'], image: 'nginx', tty: true } },
    {
      argv: ['--rm', '-p', '1:1', '-e', 'A=1', '--publish', '2:2', 'nginx', '-g', 'daemon off;'],
      want: { sidecarPublish: ['1:1', '2:2'], userFlags: ['--rm', '-e', 'A=1'], image: 'nginx', args: ['-g', 'daemon off;'] },
    },
    // '--' ends the flags; the image's arguments stay as they are
    { argv: ['--rm', '--', 'alpine', '--rm'], want: { userFlags: ['--rm'], image: 'alpine', args: ['--rm'] } },
    { argv: ['--', '-weird-image'], want: { image: '-weird-image' } },
    { argv: ['alpine', 'sh', '-c', 'x'], want: { image: 'alpine', args: ['sh', '-c', 'x'] } },
    { argv: ['alpine', '-c', 'x'], want: { image: 'alpine', args: ['-c', 'x'] } },
    { argv: ['alpine', '--network', 'host', '-p', '1:1'], want: { image: 'alpine', args: ['--network', 'host', '-p', '1:1'] } },
    { argv: ['alpine', '--'], want: { image: 'alpine', args: ['--'] } },
  ];
  for (const c of cases) {
    it(c.argv.join(' '), () => {
      expect(splitDockerRunArgs(c.argv)).to.deep.equal({ ...NONE, ...c.want });
    });
  }

  const dnsWhy = "the session's DNS server answers the container's names, with the cluster's search path";
  const ifaceWhy = "the container has no network interface of its own; it shares the sidecar's";
  const netWhy = "the container joins the sidecar's network (--network container:<sidecar>), which reaches the cluster";
  const refused: { argv: string[]; text: string }[] = [
    { argv: ['--network', 'host', 'alpine'], text: `--network cannot be used with the container method: ${netWhy}` },
    { argv: ['--network=bridge', 'alpine'], text: `--network cannot be used with the container method: ${netWhy}` },
    { argv: ['--net', 'host', 'alpine'], text: `--net cannot be used with the container method: ${netWhy}` },
    {
      argv: ['--hostname', 'x', 'alpine'],
      text: "--hostname cannot be used with the container method: the container shares the sidecar's network namespace, which carries the pod's hostname",
    },
    {
      argv: ['-hx', 'alpine'],
      text: "-h (--hostname) cannot be used with the container method: the container shares the sidecar's network namespace, which carries the pod's hostname",
    },
    {
      argv: ['-ith', 'x', 'alpine'],
      text: "-h (--hostname) cannot be used with the container method: the container shares the sidecar's network namespace, which carries the pod's hostname",
    },
    { argv: ['--dns', '1.1.1.1', 'alpine'], text: `--dns cannot be used with the container method: ${dnsWhy}` },
    { argv: ['--dns-search=example.com', 'alpine'], text: `--dns-search cannot be used with the container method: ${dnsWhy}` },
    { argv: ['--dns-option', 'ndots:1', 'alpine'], text: `--dns-option cannot be used with the container method: ${dnsWhy}` },
    { argv: ['--dns-opt', 'ndots:1', 'alpine'], text: `--dns-opt cannot be used with the container method: ${dnsWhy}` },
    {
      argv: ['--add-host', 'a:1.2.3.4', 'alpine'],
      text: "--add-host cannot be used with the container method: the container shares the sidecar's /etc/hosts, which carries the pod's entries and HostAliases",
    },
    { argv: ['--mac-address', '92:d0:c6:0a:29:33', 'alpine'], text: `--mac-address cannot be used with the container method: ${ifaceWhy}` },
    { argv: ['--ip', '172.30.100.104', 'alpine'], text: `--ip cannot be used with the container method: ${ifaceWhy}` },
    { argv: ['--ip6=2001:db8::33', 'alpine'], text: `--ip6 cannot be used with the container method: ${ifaceWhy}` },
    { argv: ['--link-local-ip', '169.254.0.9', 'alpine'], text: `--link-local-ip cannot be used with the container method: ${ifaceWhy}` },
    {
      argv: ['--link', 'db:db', 'alpine'],
      text: "--link cannot be used with the container method: links need a network of the container's own; it shares the sidecar's",
    },
    {
      argv: ['--network-alias', 'x', 'alpine'],
      text: "--network-alias cannot be used with the container method: network aliases need a network of the container's own; it shares the sidecar's",
    },
    {
      argv: ['--expose', '80', 'alpine'],
      text:
        "--expose cannot be used with the container method: docker cannot expose ports of a container in another's network; " +
        "use telepresence's --expose PORT before --docker-run",
    },
    {
      argv: ['-P', 'nginx'],
      text:
        "-P (--publish-all) cannot be used with the container method: docker cannot publish ports of a container in another's network, " +
        "and the sidecar does not know the image's ports; publish each with -p HOSTPORT:PORT (it moves to the sidecar)",
    },
    {
      argv: ['--publish-all', 'nginx'],
      text:
        "--publish-all cannot be used with the container method: docker cannot publish ports of a container in another's network, " +
        "and the sidecar does not know the image's ports; publish each with -p HOSTPORT:PORT (it moves to the sidecar)",
    },
    // the first refused flag is the one named
    { argv: ['-itP', '--net', 'host', 'nginx'], text: "-P (--publish-all) cannot be used with the container method: docker cannot publish ports of a container in another's network, and the sidecar does not know the image's ports; publish each with -p HOSTPORT:PORT (it moves to the sidecar)" },
    // missing image, missing value
    { argv: [], text: 'no image given (telepresence --docker-run [docker run flags] IMAGE [ARGS])' },
    { argv: ['--rm', '-it'], text: 'no image given (telepresence --docker-run [docker run flags] IMAGE [ARGS])' },
    { argv: ['--rm', '--'], text: 'no image given (telepresence --docker-run [docker run flags] IMAGE [ARGS])' },
    { argv: ['-p', '8080:80', ''], text: 'no image given (telepresence --docker-run [docker run flags] IMAGE [ARGS])' },
    { argv: ['--rm', '-e'], text: '-e (--env) needs a value (telepresence --docker-run [docker run flags] IMAGE [ARGS])' },
    { argv: ['--name'], text: '--name needs a value (telepresence --docker-run [docker run flags] IMAGE [ARGS])' },
    { argv: ['-itp'], text: '-p (--publish) needs a value (telepresence --docker-run [docker run flags] IMAGE [ARGS])' },
  ];
  for (const c of refused) {
    it(`refuses ${JSON.stringify(c.argv)}`, () => {
      let error: unknown;
      try {
        splitDockerRunArgs(c.argv);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.equal(`--docker-run: ${c.text}`);
      expect((error as UsageError).category).to.equal('user');
    });
  }
});

describe('container method: the two docker run argv lists', () => {
  const settings = {
    sidecarName: 'tp-sidecar-1',
    sidecarImage: 'telepresence-local/sidecar:dev',
    sidecarFlags: ['-d', '--rm', '--cap-add', 'NET_ADMIN'],
    sidecarArgs: ['serve'],
    podEnv: { DB_HOST: 'db', GREETING: 'a b=c' },
    telepresenceEnv: { TELEPRESENCE_POD: 'web-1', TELEPRESENCE_ROOT: '/tmp/tel' },
  };

  it('keeps the publish flags off both containers and puts the network, --init and env on the user container', () => {
    const split = splitDockerRunArgs(['-it', '-p', '8080:80', '-p127.0.0.1:9090:90/tcp', '-e', 'DB_HOST=mine', 'alpine', 'sh', '-c', 'x']);
    expect({ sidecar: sidecarRunArgv(settings), ...userRunArgv(split, settings) }).to.deep.equal({
      sidecar: ['run', '-d', '--rm', '--cap-add', 'NET_ADMIN', '--name', 'tp-sidecar-1', 'telepresence-local/sidecar:dev', 'serve'],
      user: [
        'run', '--network', 'container:tp-sidecar-1', '--init',
        '-e', 'DB_HOST', '-e', 'GREETING', '-e', 'TELEPRESENCE_POD', '-e', 'TELEPRESENCE_ROOT',
        '-it', '-e', 'DB_HOST=mine', 'alpine', 'sh', '-c', 'x',
      ],
      cliEnv: { DB_HOST: 'db', GREETING: 'a b=c', TELEPRESENCE_POD: 'web-1', TELEPRESENCE_ROOT: '/tmp/tel' },
    });
  });

  it('names the user container when the user did not, and keeps the name the user gave', () => {
    const bare = { ...settings, podEnv: {}, telepresenceEnv: {}, userContainerName: 'tp-user-1' };
    expect(userRunArgv(splitDockerRunArgs(['alpine']), bare).user).to.deep.equal([
      'run', '--network', 'container:tp-sidecar-1', '--init', '--name', 'tp-user-1', 'alpine',
    ]);
    expect(userRunArgv(splitDockerRunArgs(['--name=mine', 'alpine']), bare).user).to.deep.equal([
      'run', '--network', 'container:tp-sidecar-1', '--init', '--name=mine', 'alpine',
    ]);
  });

  it('passes the variables the docker CLI reads itself by value, the rest by name', () => {
    const vars = { HOME: '/root/pod', DOCKER_HOST: 'tcp://x', MULTI: 'a\nb' };
    const built = userRunArgv(splitDockerRunArgs(['alpine']), { ...settings, podEnv: vars, telepresenceEnv: {}, userContainerFlags: ['--label', 'l=1'] });
    expect(built.user).to.deep.equal([
      'run', '--network', 'container:tp-sidecar-1', '--init', '--label', 'l=1', '-e', 'HOME=/root/pod', '-e', 'DOCKER_HOST=tcp://x', '-e', 'MULTI', 'alpine',
    ]);
    expect(built.cliEnv).to.deep.equal({ MULTI: 'a\nb' });
  });

  it('adds no --init when the user gave one, with any value', () => {
    for (const flag of ['--init', '--init=false']) {
      const { user } = userRunArgv(splitDockerRunArgs([flag, 'alpine']), { ...settings, podEnv: {}, telepresenceEnv: {} });
      expect(user).to.deep.equal(['run', '--network', 'container:tp-sidecar-1', flag, 'alpine']);
    }
  });
});
