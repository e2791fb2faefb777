/**
 * A real headless Chromium for browser tests: Debian's /usr/bin/chromium (scripts/test-deps.d/
 * chromium.sh installs it) driven by playwright-core. `launch()` gives undefined with the reason
 * when there is none, so the suite skips and says why. Every page records console errors, page
 * errors and failed requests; `problems(page)` lists them for the "no console errors" check.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return fs.existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (bash scripts/test-deps.d/chromium.sh installs it, as root)`;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: 30_000 });
}

const seen = new WeakMap<Page, string[]>();

/** A new page that records what went wrong on it. */
export async function openPage(b: Browser, opts: { width?: number; height?: number; colorScheme?: 'dark' | 'light' } = {}): Promise<Page> {
  const ctx = await b.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, colorScheme: opts.colorScheme ?? 'light' });
  const page = await ctx.newPage();
  const list: string[] = [];
  seen.set(page, list);
  page.on('console', (m) => {
    if (m.type() === 'error') list.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => list.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A stream closed by leaving the page is not a failure.
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) list.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return page;
}

/** Console errors, page errors and failed requests seen on the page so far. */
export const problems = (page: Page): string[] => seen.get(page) ?? [];
