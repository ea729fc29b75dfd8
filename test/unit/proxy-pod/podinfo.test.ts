// Pod info filters as tables: which variables and mount points reach the workstation.
import { expect } from 'chai';
import { filterEnv, keepMountPoint, parseMountInfo, podMountPoints } from '../../../proxy-pod/src/podinfo.js';

describe('proxy-pod podinfo', () => {
  it('drops HOME, PATH, HOSTNAME, shell variables and the pod program settings from the environment', () => {
    expect(
      filterEnv({
        HOME: '/home/telepresence',
        PATH: '/usr/bin',
        HOSTNAME: 'web-5d9c',
        TELEPRESENCE_SSH_PUBKEY: 'ssh-ed25519 AAAA',
        TELEPRESENCE_STATE_DIR: '/home/telepresence/.telepresence-pod',
        TELEPRESENCE_NAMESERVER: '8.8.4.4',
        PWD: '/home/telepresence',
        SHLVL: '1',
        _: '/opt/telepresence/bin/node',
        WEB_SERVICE_HOST: '10.96.0.5',
        WEB_SERVICE_PORT: '80',
        EMPTY: '',
        UNSET: undefined,
      }),
    ).to.deep.equal({ WEB_SERVICE_HOST: '10.96.0.5', WEB_SERVICE_PORT: '80', EMPTY: '' });
  });

  describe('mount points', () => {
    const table: [string, boolean][] = [
      ['/', false],
      ['/proc', false],
      ['/proc/sys', false],
      ['/sys', false],
      ['/sys/fs/cgroup', false],
      ['/dev', false],
      ['/dev/shm', false],
      ['/dev/pts', false],
      ['/etc/hostname', false],
      ['/etc/resolv.conf', false],
      ['/etc/hosts', false],
      ['/devices', true],
      ['/system', true],
      ['/procedures', true],
      ['/etc/config', true],
      ['/etc/hosts.d', true],
      ['/var/run/secrets/kubernetes.io/serviceaccount', true],
      ['/data', true],
    ];
    for (const [mount, keep] of table) it(`${mount} -> ${keep ? 'kept' : 'dropped'}`, () => expect(keepMountPoint(mount)).to.equal(keep));
  });

  it('reads mount points from mountinfo, unescaped, each once, in order', () => {
    const mountinfo = [
      '561 480 0:52 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/x',
      '562 561 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
      '563 561 0:56 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755',
      '564 563 0:57 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5',
      '565 561 0:58 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro',
      '566 565 0:30 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw',
      '567 561 8:1 /var/lib/docker/containers/abc/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/sda1 rw',
      '568 561 8:1 /var/lib/docker/containers/abc/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw',
      '569 561 8:1 /var/lib/docker/containers/abc/hosts /etc/hosts rw,relatime - ext4 /dev/sda1 rw',
      '570 561 0:60 / /var/run/secrets/kubernetes.io/serviceaccount ro,relatime - tmpfs tmpfs rw',
      '571 561 8:1 /srv/data /data\\040dir rw,relatime - ext4 /dev/sda1 rw',
      '572 561 8:1 /srv/config /etc/config ro,relatime - ext4 /dev/sda1 rw',
      '573 572 8:1 /srv/config2 /etc/config ro,relatime - ext4 /dev/sda1 rw',
      '',
    ].join('\n');
    expect(parseMountInfo(mountinfo)).to.have.length(12);
    expect(podMountPoints(mountinfo)).to.deep.equal(['/var/run/secrets/kubernetes.io/serviceaccount', '/data dir', '/etc/config']);
  });
});
