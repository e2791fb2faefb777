/** `doctor [--json]`: one line per check, ok / warn / fail, with the fix; exit 1 when one fails. */
import type { Argv, CommandModule } from 'yargs';
import { printJson } from '../../output.js';
import { doctor } from '../../../ops/doctor.js';

interface Args {
  root?: string;
  json?: boolean;
}

export const doctorCommand: CommandModule<object, Args> = {
  command: 'doctor',
  describe: 'check tools, config, tree, disk, workers, scheduler, session, agents and the server token; one line each with the fix; exit 1 when a check fails',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', describe: 'one JSON array of {check, status, message, fix}' })
      .example('$0 doctor', 'ok   tmux  tmux 3.3a …; fail tree  … fix: chmod 700 …')
      .example('$0 doctor --json | jq -r \'.[] | select(.status != "ok") | .fix\'', 'just the fixes') as unknown as Argv<Args>,
  handler: async (argv) => {
    const checks = await doctor({ root: argv.root });
    if (argv.json) printJson(checks);
    else {
      const w = Math.max(...checks.map((c) => c.check.length));
      for (const c of checks) process.stdout.write(`${c.status.padEnd(4)}  ${c.check.padEnd(w)}  ${c.message}${c.fix ? `\n${' '.repeat(8 + w)}fix: ${c.fix}` : ''}\n`);
    }
    if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
  },
};
