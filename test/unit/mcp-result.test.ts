/** MCP tool results: what each kind of failure becomes (the CLI's line), and which tools read-only mode keeps. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fail } from '../../src/errors.ts';
import { answer, settle, toolError } from '../../src/mcp/result.ts';
import { TOOLS, toolsFor } from '../../src/mcp/server.ts';

const errno = (code: string, syscall: string, p: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: raw text, ${syscall} '${p}'`), { code, syscall, path: p });

for (const [name, err, root, text] of [
  ['an OrcError: its message', fail('not-found', 'no task x in /t'), '/t', 'no task x in /t'],
  ['a system error in the tree: in words, naming the part', errno('EACCES', 'open', '/t/queue/a.task'), '/t', 'cannot read queue/ of the task tree (/t/queue/a.task): permission denied; a task tree must be yours and mode 0700 (chmod -R u+rwX,go-rwx /t)'],
  ['a full disk', errno('ENOSPC', 'write', '/t/tmp/x'), '/t', 'cannot change tmp/ of the task tree (/t/tmp/x): no space left on device; free some space and run it again'],
  ['anything else: its message', new Error('boom'), undefined, 'boom'],
] as Array<[string, unknown, string | undefined, string]>) {
  test(`toolError: ${name}`, () => assert.equal(toolError(err, root), { isError: true, content: [{ type: 'text', text }] }));
}

test('settle: an answer is its JSON; a throw is a tool error', async () => {
  assert.equal(await settle(async () => ({ id: 'a' }), '/t'), answer({ id: 'a' }));
  assert.equal(JSON.parse((answer({ id: 'a' }).content[0] as { text: string }).text), { id: 'a' });
  assert.equal(await settle(async () => { throw fail('usage', 'bad'); }, '/t'), toolError(fail('usage', 'bad'), '/t'));
});

test('read-only keeps exactly the tools that change nothing, in order', () => {
  assert.equal(toolsFor(true).map((t) => t.name), TOOLS.filter((t) => !t.mutating).map((t) => t.name));
  assert.equal(toolsFor(false), TOOLS);
  assert.ok(toolsFor(true).length > 0 && toolsFor(true).length < TOOLS.length);
  assert.is(new Set(TOOLS.map((t) => t.name)).size, TOOLS.length, 'names are unique');
});

test.run();
