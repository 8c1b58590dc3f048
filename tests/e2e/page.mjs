// What every browser check shares: Debian's Chromium through playwright-core (no download), a
// page that records its script errors and console errors, and the exit code. `check(page)`
// returns `{ ok, text, ...evidence }`; the process exits 0 when `ok` and no error was recorded,
// and prints the evidence otherwise.
import { chromium } from 'playwright-core';

export async function run(check) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  let failed = false;
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const { ok, ...evidence } = await check(page);
    if (!ok || errors.length) {
      console.error(JSON.stringify({ ...evidence, errors }));
      failed = true;
    } else {
      console.log(evidence.text);
    }
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
}
