// Browser test of the password-reset page: opens the one-time link (as `rapport user
// reset-password` prints it, or as the e-mail carries it), types a new password as a person
// would, submits, and checks the page's answer and that the secret left the address bar.
//
//   node reset-password.mjs 'http://127.0.0.1:PORT/reset-password#token=...' 'a new long password'
//
// Exits 0 when the page reports the password changed, 1 otherwise (with the page's text).
import { run } from './page.mjs';

const [url, password] = process.argv.slice(2);
if (!url || !password) {
  console.error('usage: node reset-password.mjs URL PASSWORD');
  process.exit(2);
}

await run(async (page) => {
  await page.goto(url);
  await page.getByLabel('New password').fill(password);
  await page.getByRole('button', { name: 'Change the password' }).click();
  const status = page.getByRole('status');
  await status.filter({ hasText: /changed|unknown|expired|characters|refused/i }).waitFor({ timeout: 10000 });
  const text = await status.textContent();
  const address = page.url();
  return { ok: /is changed/.test(text) && !address.includes('token='), text, address };
});
