// Which commands the bin starts inside podman unshare before the CLI loads (src/launch.ts): exactly those
// whose action re-runs itself there (register/backup.ts, restore.ts, cleanup.ts, adopt.ts); help never.
import { describe, expect, it } from 'vitest';
import { launchInUserNamespace, namespaceCommand } from '../src/launch.ts';

describe('namespaceCommand', () => {
  it.each([
    ['backup create', 'backup create'],
    ['backup create --volume db --stop', 'backup create'],
    ['backup create --repo /r', 'backup create'],
    ['restore 20260101T000000Z --yes', 'restore'],
    ['cleanup --yes', 'cleanup'],
    ['cleanup --yes -- --no-backup', 'cleanup'],
    ['adopt --yes', 'adopt'],
    ['backup verify --all --repo /r', 'backup verify'],
    ['backup verify --repo=/r', 'backup verify'],
    ['backup verify --offsite --all', 'backup verify'],
  ])('%s → %s', (argv, command) => {
    expect(namespaceCommand(argv.split(' '))).toBe(command);
  });

  it.each([
    '',
    '--version',
    'ls',
    'status --watch',
    'backup ls',
    'backup verify --all',
    'adopt --help',
    'backup verify --repo /r --help',
    'backup create --help',
    'backup create -h',
    'cleanup -yh',
    'restore --help',
    'cleanup --no-backup --yes',
    'help backup',
    '--help backup create',
  ])('%s runs in this process', (argv) => {
    expect(namespaceCommand(argv.split(' ').filter(Boolean))).toBeUndefined();
  });
});

describe('launchInUserNamespace', () => {
  it('leaves a process already inside the namespace, or another command, to the CLI', async () => {
    const inside = { ...process.env, _CONTAINERS_USERNS_CONFIGURED: 'done' };
    expect(await launchInUserNamespace(['backup', 'create'], inside)).toBeUndefined();
    expect(await launchInUserNamespace(['ls'], { ...process.env })).toBeUndefined();
  });
});
