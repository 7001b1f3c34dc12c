/**
 * The browser every e-mail test drives: the system's Chromium (CHROME_PATH, or Debian's
 * /usr/bin/chromium, which .ci/run installs), headless, with nothing that calls home.
 */
import { chromium, type Browser } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
