// Drives Debian's headless Chromium through playwright-core for the
// browser tests in tests/api/browser_*.rs, which start the servers, run
// this script, and make every assertion themselves.
//
//   node drive.cjs SCENARIO '{"json": "arguments"}'
//
// Prints one JSON object on its last line of stdout: what the page showed
// and what the browser reported (console errors, CSP violations, sizes).
// Scenarios: `open` (load a page, measure it), `reset` (fill in and submit
// the reset form), `spa` (load a page whose script reports into #result).
'use strict';

const { chromium } = require('playwright-core');

// The flags every run uses: no network of Chromium's own, no GPU, no
// sandbox (CI runs as root), a fresh profile given by the test.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Records CSP violations in the page before any of its own content runs.
// Injected by the DevTools protocol, which the page's CSP does not govern.
const RECORD_VIOLATIONS = () => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
  });
};

async function withBrowser(args, body) {
  const context = await chromium.launchPersistentContext(args.profile, {
    executablePath: args.chromium,
    headless: true,
    args: FLAGS,
    javaScriptEnabled: args.javascript !== false,
    viewport: { width: args.width || 800, height: args.height || 600 },
    deviceScaleFactor: 1,
    isMobile: Boolean(args.mobile),
    hasTouch: Boolean(args.mobile),
  });
  const page = context.pages()[0] || (await context.newPage());
  const report = { console_errors: [], page_errors: [], failed_requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') report.console_errors.push(m.text());
  });
  page.on('pageerror', (e) => report.page_errors.push(String(e)));
  page.on('requestfailed', (r) => report.failed_requests.push(r.url()));
  if (args.javascript !== false) await page.addInitScript(RECORD_VIOLATIONS);
  try {
    await body(page, report);
  } finally {
    await context.close();
  }
  return report;
}

// What the test asserts about a page a person looks at.
async function describe(page, report) {
  report.title = await page.title();
  report.h1 = await page.locator('h1').first().textContent();
  report.body_text = await page.locator('body').innerText();
  const sizes = await page.evaluate(() => ({
    scroll_width: document.documentElement.scrollWidth,
    inner_width: window.innerWidth,
    violations: window.__violations || [],
  }));
  report.scroll_width = sizes.scroll_width;
  report.inner_width = sizes.inner_width;
  report.csp_violations = sizes.violations;
}

async function boxOf(page, selector) {
  const element = page.locator(selector).first();
  if ((await element.count()) === 0) return null;
  return element.boundingBox();
}

const SCENARIOS = {
  // Loads `url`, describes it, measures the form's controls, screenshots it.
  async open(args) {
    return withBrowser(args, async (page, report) => {
      const response = await page.goto(args.url, { waitUntil: 'load' });
      report.status = response.status();
      await describe(page, report);
      report.input_box = await boxOf(page, 'input[name="new_password"]');
      report.button_box = await boxOf(page, 'button[type="submit"]');
      await page.screenshot({ path: args.screenshot, fullPage: true });
    });
  },

  // Opens the reset link, types the password, submits (JavaScript is off:
  // the form must work as plain HTML) and describes the page that answers.
  async reset(args) {
    return withBrowser({ ...args, javascript: false }, async (page, report) => {
      await page.goto(args.url, { waitUntil: 'load' });
      report.form_title = await page.title();
      await page.screenshot({ path: args.form_screenshot, fullPage: true });
      await page.fill('input[name="new_password"]', args.password);
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.click('button[type="submit"]'),
      ]);
      await describe(page, report);
      await page.screenshot({ path: args.done_screenshot, fullPage: true });
    });
  },

  // Loads a single-page app and waits for its script to report into
  // #result[data-done]; the report is the app's JSON.
  async spa(args) {
    return withBrowser(args, async (page, report) => {
      await page.goto(args.url, { waitUntil: 'load' });
      const result = page.locator('#result[data-done]');
      await result.waitFor({ timeout: 30000 });
      report.app = JSON.parse(await result.textContent());
      await page.screenshot({ path: args.screenshot, fullPage: true });
    });
  },
};

async function main() {
  const [scenario, json] = process.argv.slice(2);
  const run = SCENARIOS[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const report = await run(JSON.parse(json));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
