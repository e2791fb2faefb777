/** Reading /proc/locks: which files count as held (a table of its lines and of files). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heldLocks, lockKey } from '../../src/queue/locks.ts';

const dev = (major: number, minor: number) => major * 256 + minor; // how Linux packs small numbers
const LOCKS = [
  '1: FLOCK  ADVISORY  READ 10769 fe:00:2146729 0 EOF',
  '1: -> FLOCK  ADVISORY  WRITE 10770 fe:00:555 0 EOF', // a waiter holds nothing
  '2: FLOCK  ADVISORY  READ 10771 00:2d:777 0 EOF', // a btrfs superblock's anonymous device
].join('\n');

// [what, the file's device and inode, held?]
const cases: Array<[string, { dev: number; ino: number }, boolean]> = [
  ['the same device and inode', { dev: dev(0xfe, 0), ino: 2146729 }, true],
  ['the same inode on another real device', { dev: dev(8, 1), ino: 2146729 }, false],
  ['a file only waited for', { dev: dev(0xfe, 0), ino: 555 }, false],
  ['a btrfs subvolume: another anonymous device, the same inode', { dev: dev(0, 0x31), ino: 777 }, true],
  ['a real device with that inode number', { dev: dev(8, 1), ino: 777 }, false],
  ['nothing locked', { dev: dev(0xfe, 0), ino: 1 }, false],
];

for (const [what, st, expected] of cases) {
  test(what, () => assert.is(heldLocks(LOCKS).has(st), expected));
}

test('/proc/locks unreadable: everything counts as held, so nothing is recovered on a guess', () => {
  assert.ok(heldLocks(null).has({ dev: 1, ino: 1 }));
});

test('the key is written as /proc/locks writes it', () => {
  assert.is(lockKey({ dev: dev(0xfe, 0), ino: 42 }), 'fe:00:42');
});

test.run();
