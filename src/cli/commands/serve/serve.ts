/** `tmux-orc serve`: the HTTP face (src/serve/): REST, server-sent events, metrics, OpenAPI, the page. */
import v8 from 'node:v8';
import type { Argv, CommandModule } from 'yargs';
import { fail } from '../../../errors.js';
import { treeFrom } from '../../context.js';
import { config } from '../../../config.js';
import { isLoopback } from '../../../serve/guard.js';

interface Args {
  root?: string;
  port?: number;
  host?: string;
  'read-only'?: boolean;
}

export const serveCommand: CommandModule<{ root?: string }, Args> = {
  command: 'serve',
  describe: 'serve the tree over HTTP: REST API, server-sent events, Prometheus /metrics, /docs; loopback only unless --host',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: Number(process.env.TMUX_ORC_SERVE_PORT || 7777), describe: 'port to listen on (0: any free port; default $TMUX_ORC_SERVE_PORT, serve_port in the config, else 7777)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to bind; anything but loopback is reachable from other machines (a warning is printed)' })
      .option('read-only', { type: 'boolean', describe: 'refuse every write (403): enqueue, cancel, retry, messages, barrier signals; /mcp offers only the tools that change nothing' })
      .example('$0 serve', 'http://127.0.0.1:7777/, token in <root>/serve.token')
      .example('$0 serve --port 8080 --read-only', 'look, never touch: every write is 403')
      .epilog('Then: curl -H "Authorization: Bearer $(cat $TASK_ROOT/serve.token)" http://127.0.0.1:7777/api/tasks\nExit codes: 3 no tree; 4 port in use; 5 unsafe tree. README "Server" and docs/serve.md.') as unknown as Argv<Args>,
  handler: async (argv) => {
    const port = Number(argv.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw fail('usage', `--port must be a whole number from 0 to 65535, got ${JSON.stringify(argv.port)}`);
    const host = String(argv.host);
    const t = treeFrom(argv);
    // A long-lived server holds one entry per task: V8's young generation, grown to its 32 MB
    // maximum while the index loads, would stay that size for good (a tenth of the 150 MB budget
    // at 100,000 tasks). Kept at its start size it costs more, shorter scavenges while loading.
    // (V8 reads this flag at each growth, so setting it now takes effect; it is process-wide,
    // which the serve process is.)
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    const { startServer } = await import('../../../serve/server.js');
    const { mcpHttpHandler } = await import('../../../mcp/http.js');
    const readOnly = Boolean(argv['read-only']);
    const mounts = { '/mcp': mcpHttpHandler({ root: t.root, readOnly, env: process.env }) };
    const s = await startServer({ tree: t, host, port, readOnly, socket: config().socket, mounts });
    if (!isLoopback(host)) {
      process.stderr.write(`tmux-orc: warning: serving on ${host}, reachable from other machines over plain HTTP; anyone with the token can run commands as you\n`);
    }
    process.stdout.write(`serving ${t.root} at ${s.url}${argv['read-only'] ? ' (read-only)' : ''}\n`);
    process.stdout.write(`token in ${s.tokenFile}; open in a browser: ${s.url}?token=${s.token}\n`);
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => resolve());
    });
    await s.close();
  },
};
