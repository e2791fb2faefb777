/**
 * The seed's team form, `team deploy TYPE SIZE --project-name NAME`: a team spec built from a
 * built-in template — the orchestrator, one PM and SIZE engineers of the type — written as YAML
 * text so that it takes the same path as a spec file (parseSpec, then deployTeam), and so that
 * `--dry-run` can print exactly what would be deployed for the user to save and edit.
 */
import path from 'node:path';
import { stringify } from 'yaml';
import { fail } from '../errors.js';
import { findPreset, PRESET_NAMES } from './presets.js';
import { ENGINEER_BRIEF, ORCHESTRATOR_BRIEF, PM_BRIEF } from './team-briefs.js';

/** What each team type's engineers are: their role, what they are called and what they focus on. */
export const TEAM_TYPES = {
  frontend: { role: 'engineer', title: 'a frontend engineer', focus: 'Your focus: the user interface — components, state, styling, accessibility — and their tests.' },
  backend: { role: 'engineer', title: 'a backend engineer', focus: 'Your focus: the server side — APIs, data models, storage, performance — and their tests.' },
  fullstack: { role: 'engineer', title: 'a full-stack engineer', focus: 'Your focus: features end to end — interface, API and data together, with tests at each layer.' },
  qa: { role: 'qa', title: 'a QA engineer', focus: 'Your focus: quality — write and run tests (unit, integration, end to end), reproduce bugs and report each with exact steps.' },
} as const;

export type TeamType = keyof typeof TEAM_TYPES;
export const TEAM_TYPE_NAMES = Object.keys(TEAM_TYPES) as TeamType[];

/** The largest SIZE: each engineer is a live agent CLI, and a machine runs only so many. */
export const MAX_TEAM_SIZE = 20;

/** What `team deploy TYPE SIZE` asks for. */
export interface TemplateRequest {
  type: string;
  size: number | string;
  /** The tmux session, and the name the team is known by. */
  projectName: string;
  /** The project directory (absolute, or relative to the current directory). */
  project: string;
  preset?: string;
  /** A command line for every agent (with a preset: replaces its command, keeps its patterns). */
  command?: string;
  /** Engineers each in their own git worktree. */
  worktree?: boolean;
}

const isType = (t: string): t is TeamType => Object.prototype.hasOwnProperty.call(TEAM_TYPES, t);

/** The team spec as YAML text, with a header saying how it was made; usage errors for bad requests. */
export function teamTemplate(req: TemplateRequest): string {
  if (!isType(req.type)) throw fail('usage', `unknown team type ${JSON.stringify(req.type)} (known: ${TEAM_TYPE_NAMES.join(', ')}; or give a spec file)`);
  const size = Number(req.size);
  if (!Number.isInteger(size) || size < 1 || size > MAX_TEAM_SIZE) throw fail('usage', `SIZE ${JSON.stringify(String(req.size))} must be a whole number of engineers from 1 to ${MAX_TEAM_SIZE}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(req.projectName)) throw fail('usage', `--project-name ${JSON.stringify(req.projectName)}: use letters, digits, _ and - (1-64, not starting with _ -); it names the tmux session`);
  if (req.preset !== undefined && !findPreset(req.preset)) throw fail('usage', `unknown preset ${JSON.stringify(req.preset)} (known: ${PRESET_NAMES.join(', ')}; or give --command)`);
  const kind = TEAM_TYPES[req.type];
  const runs = { ...(req.preset !== undefined || req.command === undefined ? { preset: req.preset ?? 'claude' } : {}), ...(req.command !== undefined ? { command: req.command } : {}) };
  const engineers = Array.from({ length: size }, (_, i) => ({
    name: `${req.type}-${i + 1}`,
    role: kind.role,
    ...runs,
    ...(req.worktree ? { worktree: true } : {}),
    reports_to: 'pm',
    brief: ENGINEER_BRIEF.replace('{{focus_title}}', kind.title).replace('{{focus}}', kind.focus),
  }));
  const spec = {
    session: req.projectName,
    project: path.resolve(req.project),
    agents: [
      { name: 'orc', role: 'orchestrator', ...runs, brief: ORCHESTRATOR_BRIEF },
      { name: 'pm', role: 'pm', ...runs, brief: PM_BRIEF },
      ...engineers,
    ],
    checkins: [
      { target: 'orc', every: '1h', note: 'Hourly review: run tmux-orc team status, read the PM report, unblock, re-plan.' },
      { target: 'pm', every: '30m', note: `Check the ${req.type} engineers' progress, review their diffs, report to orc.` },
    ],
  };
  const header = [
    `# A ${req.type} team of ${size} for ${req.projectName}: orchestrator, PM, ${size} ${kind.title.replace(/^an? /, '')}${size > 1 ? 's' : ''}.`,
    `# Made by: tmux-orc team deploy ${req.type} ${size} --project-name ${req.projectName} --dry-run`,
    `# Save it (e.g. ${req.projectName}-team.yaml), edit it, then: tmux-orc team deploy ${req.projectName}-team.yaml`,
  ];
  return `${header.join('\n')}\n${stringify(spec, { lineWidth: 0 })}`;
}
