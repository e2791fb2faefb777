/**
 * Team specs: YAML or JSON (JSON is YAML), validated with zod; every error names the field by its
 * path and the line it is on, e.g. `team.yaml:12: agents[2].preset: unknown preset "gpt"`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { fail } from '../errors.js';
import { findPreset, PRESET_NAMES } from './presets.js';
import { nameProblem } from './registry.js';
import { parseDuration, unitProblem } from '../time.js';
import { expandHome } from './brief.js';

const word = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'use letters, digits, _ and - (1-64, not starting with _ -)');
const duration = z.union([z.string(), z.number()]).transform(String).superRefine((s, ctx) => {
  const bare = unitProblem(s);
  if (bare) return void ctx.addIssue({ code: 'custom', message: bare });
  let ok = false;
  try {
    ok = parseDuration(s) > 0;
  } catch {
    // not a duration
  }
  if (!ok) ctx.addIssue({ code: 'custom', message: 'must be a duration longer than zero, like 30m or 2h' });
});

const agentSchema = z
  .strictObject({
    name: z.string().superRefine((s, ctx) => {
      const bad = nameProblem(s);
      if (bad) ctx.addIssue({ code: 'custom', message: bad.replace(/^invalid agent name "[^"]*": /, '') });
    }),
    role: word,
    preset: z.string().refine((p) => findPreset(p) !== undefined, { error: (i) => `unknown preset ${JSON.stringify(i.input)} (known: ${PRESET_NAMES.join(', ')})` }).optional(),
    command: z.string().min(1, 'must not be empty').optional(),
    cwd: z.string().optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.union([z.string(), z.number(), z.boolean()])).optional(),
    brief: z.string().optional(),
    worktree: z.boolean().optional(),
    reports_to: z.string().optional(),
    ready_pattern: z.string().optional(),
    busy_pattern: z.string().optional(),
    waiting_pattern: z.string().optional(),
  })
  .refine((a) => a.preset !== undefined || a.command !== undefined, { message: 'give a preset or a command', path: ['preset'] });

const checkinSchema = z.strictObject({
  target: z.string().min(1),
  note: z.string().min(1, 'must not be empty'),
  every: duration.optional(),
  /** First firing: a delay or a time, as `schedule WHEN` takes it. Default: one period from now. */
  at: z.union([z.string(), z.number()]).transform(String).superRefine((s, ctx) => {
    const bare = unitProblem(s);
    if (bare) ctx.addIssue({ code: 'custom', message: bare });
  }).optional(),
});

const specSchema = z.strictObject({
  session: word,
  project: z.string().min(1),
  agents: z.array(agentSchema).min(1, 'list at least one agent'),
  checkins: z.array(checkinSchema).optional(),
});

/** One agent of a team spec, as written. */
export type AgentSpec = z.infer<typeof agentSchema>;
/** A parsed and validated team spec; `project` made absolute, `file` where it came from. */
export type TeamSpec = z.infer<typeof specSchema> & { file: string; dir: string };

/** Read, parse and validate a spec file; OrcError('usage') naming file, line and field otherwise. */
export function loadSpec(file: string): TeamSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw fail('not-found', `team spec not found: ${file}`);
  }
  return parseSpec(text, file);
}

/** Parse and validate spec text (YAML or JSON). */
export function parseSpec(text: string, file = 'spec'): TeamSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw fail('usage', `${file}:${lines.linePos(e.pos[0]).line}: not valid YAML/JSON: ${e.message.split('\n')[0]}`);
  }
  const data = doc.toJS() as unknown;
  const res = specSchema.safeParse(data);
  if (!res.success) {
    const issue = res.error.issues[0];
    const p = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
    const { node, exact } = nodeAt(doc.contents as Node | null, p);
    const line = node?.range ? lines.linePos(node.range[0]).line : 1;
    const missing = !exact || (issue.code === 'invalid_type' && /received undefined/.test(issue.message));
    const msg = missing && issue.code === 'invalid_type' ? 'is required' : issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
    throw fail('usage', `${file}:${line}: ${pathText(p) || '(top level)'}: ${msg}`);
  }
  const dir = path.dirname(path.resolve(file));
  const spec = res.data;
  const names = new Set<string>();
  spec.agents.forEach((a, i) => {
    if (names.has(a.name)) throw fail('usage', `${file}:${lineOf(doc, lines, ['agents', i, 'name'])}: agents[${i}].name: duplicate agent name ${JSON.stringify(a.name)}`);
    names.add(a.name);
  });
  (spec.checkins ?? []).forEach((c, i) => {
    if (!names.has(c.target) && !c.target.includes(':')) {
      throw fail('usage', `${file}:${lineOf(doc, lines, ['checkins', i, 'target'])}: checkins[${i}].target: ${JSON.stringify(c.target)} is not an agent of this spec`);
    }
  });
  return { ...spec, project: path.resolve(dir, expandHome(spec.project)), file: path.resolve(file), dir };
}


/** `agents[2].preset` */
function pathText(p: Array<string | number>): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** The deepest node along the path, and whether the whole path was found. */
function nodeAt(root: Node | null, p: Array<string | number>): { node?: Node; exact: boolean } {
  let node: Node | null | undefined = root;
  for (const k of p) {
    let next: Node | undefined;
    if (isMap(node)) next = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === k)?.value as Node | undefined;
    else if (isSeq(node) && typeof k === 'number') next = node.items[k] as Node | undefined;
    if (!next) return { node: node ?? undefined, exact: false };
    node = next;
  }
  return { node: node ?? undefined, exact: true };
}

function lineOf(doc: ReturnType<typeof parseDocument>, lines: LineCounter, p: Array<string | number>): number {
  const { node } = nodeAt(doc.contents as Node | null, p);
  return node?.range ? lines.linePos(node.range[0]).line : 1;
}
