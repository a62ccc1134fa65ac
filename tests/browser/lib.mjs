// What every browser check of tbseq shares: headless Chromium as installed by Debian, and a
// watch on a page that records what must not happen on any of our pages.
import { chromium } from "playwright-core";

/** Headless Chromium (`TBSEQ_CHROMIUM` or /usr/bin/chromium), offline-minded flags. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.TBSEQ_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * Pushes onto `problems` every page error, console error (a Content-Security-Policy
 * violation is one), answer of 400 or more, and request to another origin than `origin`
 * (the pages must work offline).
 */
export function watch(page, origin, problems) {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} on ${r.url()}`);
  });
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith("data:")) {
      problems.push(`request to another origin: ${url}`);
    }
  });
}
