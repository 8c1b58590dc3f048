// Browser test of the first-run setup page: opens the one-time link `rapport serve` printed,
// fills the form as a person would (labels, keyboard), submits, and checks the page's answer.
//
//   node setup.mjs 'http://127.0.0.1:PORT/setup#token=...' owner@example.com 'a long password'
//
// Exits 0 when the page reports the account ready, 1 otherwise (with the page's text).
import { run } from './page.mjs';

const [url, email, password] = process.argv.slice(2);
if (!url || !email || !password) {
  console.error('usage: node setup.mjs URL EMAIL PASSWORD');
  process.exit(2);
}

await run(async (page) => {
  await page.goto(url);
  await page.getByLabel('Workspace name').fill('Acme');
  await page.getByLabel('Your name').fill('Ada Founder');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create the owner account' }).click();
  const status = page.getByRole('status');
  await status.filter({ hasText: /ready|refused|invalid|unknown|wrong/i }).waitFor({ timeout: 10000 });
  const text = await status.textContent();
  const formHidden = await page.locator('form#setup').isHidden();
  // The token must leave the address bar once used.
  const address = page.url();
  return { ok: /ready/.test(text) && formHidden && !address.includes('token='), text, formHidden, address };
});
