// Opens tbseq's Swagger UI in headless Chromium and checks that it lists the operations.
//
//   node tests/browser/swagger.mjs <base url> <documented operation count>
//
// Fails (exit 1) when the page does not render, lists fewer operations than documented,
// logs an error (a Content-Security-Policy violation included), or asks anything of
// another origin (the UI must work offline).
import { launch, watch } from "./lib.mjs";

const [base, expectedText] = process.argv.slice(2);
if (!base || !expectedText) {
  console.error("usage: node swagger.mjs <base url> <documented operation count>");
  process.exit(2);
}
const expected = Number(expectedText);
const origin = new URL(base).origin;

const browser = await launch();
const problems = [];
try {
  const page = await browser.newPage();
  watch(page, origin, problems);
  const started = Date.now();
  const response = await page.goto(`${base}/api/v1/docs/`, { waitUntil: "load" });
  if (!response || !response.ok()) {
    throw new Error(`GET /api/v1/docs/ answered ${response && response.status()}`);
  }
  await page.waitForSelector(".opblock", { timeout: 30000 });
  // Let the rest of the list render.
  let count = 0;
  for (let i = 0; i < 50; i++) {
    const now = await page.locator(".opblock").count();
    if (now === count && now >= expected) break;
    count = now;
    await page.waitForTimeout(100);
  }
  const paths = await page.locator(".opblock-summary-path").allTextContents();
  const title = (await page.locator(".info .title").first().textContent()) || "";
  console.log(
    `Swagger UI: "${title.trim()}", ${count} operations listed (${expected} documented), ` +
      `${Date.now() - started} ms`
  );
  if (count < expected) {
    problems.push(`only ${count} operations listed, ${expected} documented`);
  }
  for (const path of ["/api/v1/genphen/drugs/", "/api/v1/submission/packages/"]) {
    if (!paths.some((p) => p.replace(/\u200b/g, "").trim() === path)) {
      problems.push(`${path} is not listed`);
    }
  }
  if (!title.includes("tbseq")) problems.push(`unexpected title: ${title}`);
} catch (e) {
  problems.push(String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
