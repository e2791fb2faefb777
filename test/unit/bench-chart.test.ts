/** The bench chart: which rows of the side-by-side table it draws, and what each bar says. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chartSvg, parseTable } from '../../bench/chart.js';

const MD = `# tmux-orc benchmark

2026-12-04T22:20:24.929Z · commit e90696a · Node v20.20.2

| Scenario | tmux-orc | task-spooler | nq | GNU parallel | xargs (floor) |
|---|---|---|---|---|---|
| 1. drain 1,000 \`true\`, 4 workers | 605 tasks/s | 782 tasks/s (ours ×0.77) | 634 tasks/s (ours ×0.95) | skipped (install: apt-get install parallel) | 1,846 tasks/s (ours ×0.33) |
| 3b. bulk enqueue 10,000 | 36,476 tasks/s | — | — | — | — |
| 4a. latency <p50> & more | 1.90 ms | — | — | — | — |
| 3a. enqueue: 200 single submits | 13.7 tasks/s | 689 tasks/s (ours ×0.02) | 572 tasks/s (ours ×0.02) | — | — |

| Target | Measured | Met |
|---|---|---|
| drain ≥ tsp | 605 tasks/s vs 782 tasks/s (×0.77) | **no** |
`;

test('only side-by-side rows in tasks/s, with each peer present and its ratio', () => {
  assert.equal(parseTable(MD), [
    {
      scenario: '1. drain 1,000 true, 4 workers',
      bars: [
        { tool: 'tmux-orc', value: 605, unit: 'tasks/s', ratio: undefined },
        { tool: 'task-spooler', value: 782, unit: 'tasks/s', ratio: '×0.77' },
        { tool: 'nq', value: 634, unit: 'tasks/s', ratio: '×0.95' },
        { tool: 'xargs (floor)', value: 1846, unit: 'tasks/s', ratio: '×0.33' },
      ],
    },
    {
      scenario: '3a. enqueue: 200 single submits',
      bars: [
        { tool: 'tmux-orc', value: 13.7, unit: 'tasks/s', ratio: undefined },
        { tool: 'task-spooler', value: 689, unit: 'tasks/s', ratio: '×0.02' },
        { tool: 'nq', value: 572, unit: 'tasks/s', ratio: '×0.02' },
      ],
    },
  ]);
  assert.equal(parseTable('no table here'), []);
});

test('the SVG: one bar per figure, the longest full width within its scenario, ratios labelled, text escaped', () => {
  const svg = chartSvg(parseTable(MD), 'a <subtitle> & more');
  assert.is((svg.match(/<rect [^>]*class="(ours|peer)"/g) ?? []).length, 7);
  assert.is((svg.match(/class="ours"/g) ?? []).length, 2);
  assert.match(svg, /width="470"[^>]*class="peer"\/>\n<text [^>]*>1,846 tasks\/s · ours ×0.33</);
  assert.match(svg, />782 tasks\/s · ours ×0.77</);
  assert.match(svg, />13.7 tasks\/s</);
  assert.match(svg, /a &lt;subtitle&gt; &amp; more/);
  assert.not.match(svg, /<subtitle>/);
  assert.match(svg, /^<svg [^>]*viewBox="0 0 900 \d+"/);
  assert.match(svg, /<\/svg>\n$/);
});

test.run();
