// The admin UI in headless Chromium, as staff use it: a list of scenarios run in order in one
// browser tab (the sign-in of the first one carries over), each a few steps.
//
//   node tests/browser/admin.mjs <base url> <screenshot folder> <fixtures JSON>
//
// Fixtures (made by tests/it/admin_browser.rs): {"username", "password"} of a local staff
// account, and whatever a scenario below reads from `t.fixtures`.
//
// Every page visited is saved as NN-<scenario>-<step>.png in the screenshot folder. A
// scenario fails when one of its checks fails, or when a page it visits logs an error (a
// Content-Security-Policy violation is one), fails to load (400 or more), or asks anything
// of another origin. Exit 1 when any scenario failed.
//
// A new scenario is an entry of `scenarios`: `scenario(name, async (t) => { ... })`, with
// `t.go(path, step)`, `t.click(locator, step)` (a click that loads a page), `t.page` (the
// Playwright page), `t.rows()`, `t.count()`, `t.check(condition, message)` and
// `t.expected(...patterns)` (problems the step means to cause, such as a 401). One whose
// UI is not there yet is `pending(name, reason, body)`: reported as skipped, not run.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, watch } from "./lib.mjs";

const [base, shots, fixturesJson] = process.argv.slice(2);
if (!base || !shots || !fixturesJson) {
  console.error("usage: node admin.mjs <base url> <screenshot folder> <fixtures JSON>");
  process.exit(2);
}
const fixtures = JSON.parse(fixturesJson);

const scenario = (name, run) => ({ name, run });
// A scenario whose UI is not there yet: reported as skipped, with the reason.
const pending = (name, reason, run) => ({ name, run, skip: reason });

const scenarios = [
  scenario("sign in with a local account", async (t) => {
    await t.go("/admin/", "login-form");
    t.check(t.page.url().startsWith(`${base}/admin/login/`), `not sent to sign in: ${t.page.url()}`);
    await t.page.fill("input[name=username]", fixtures.username);
    await t.page.fill("input[name=password]", "not the password");
    await t.click(t.page.getByRole("button", { name: "Log in" }), "wrong-password");
    t.check(await t.page.getByRole("alert").isVisible(), "a wrong password is told");
    t.expected(/^401 on .*\/admin\/login\/$/, /status of 401/);
    await t.page.fill("input[name=username]", fixtures.username);
    await t.page.fill("input[name=password]", fixtures.password);
    await t.click(t.page.getByRole("button", { name: "Log in" }), "dashboard");
    t.check(t.page.url() === `${base}/admin/`, `after sign-in at ${t.page.url()}`);
    const who = await t.page.locator("header .who").innerText();
    t.check(who.includes("Signed in as"), `no signed-in user in the header: ${who}`);
  }),

  scenario("the page policy refuses inline scripts, and that is noticed", async (t) => {
    // Proves the watch catches a CSP violation: an inline script must be refused and logged.
    await t.page.addScriptTag({ content: "window.inlineRan = true;" }).catch(() => {});
    t.check(!(await t.page.evaluate(() => window.inlineRan === true)), "an inline script ran");
    t.expected(/violates the following Content Security Policy directive .script-src 'self'/);
  }),

  scenario("open a list, search and filter it", async (t) => {
    await t.click(t.page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Drugs", exact: true }), "drugs");
    t.check((await t.count()) === 30, `30 drugs, counted ${await t.count()}`);
    t.check((await t.rows()).length === 30, `30 rows shown, ${(await t.rows()).length}`);
    await t.page.fill("input[name=q]", "rifa");
    await t.click(t.page.getByRole("button", { name: "Search" }), "drugs-search");
    const found = (await t.rows()).map((r) => r[1]);
    t.check(found.length === (await t.count()) && found.length >= 2, `search rows: ${found}`);
    t.check(found.every((n) => /rifa/i.test(n)) && found.includes("Rifampicin"), `search rows: ${found}`);

    await t.go("/admin/genphen/drugsynonym/", "synonyms");
    const all = await t.count();
    const filter = t.page.locator("aside.filters section", { hasText: "By Drug" });
    await t.click(filter.getByRole("link", { name: / - Rifampicin$/ }), "synonyms-filtered");
    t.check(new URL(t.page.url()).searchParams.has("drug"), `no filter in ${t.page.url()}`);
    const rows = await t.rows();
    t.check(rows.length > 0 && rows.length === (await t.count()) && rows.length < all, `filtered: ${rows.length} of ${all}`);
    t.check(rows.some((r) => r[0] === "RIF"), `RIF among ${rows.map((r) => r[0])}`);
    t.check(!rows.some((r) => r[0] === "INH"), "isoniazid's synonym filtered out");
    const selected = await t.page.locator("aside.filters li.selected").innerText();
    t.check(selected.endsWith(" - Rifampicin"), `selected filter: ${selected}`);
  }),

  scenario("edit a drug", async (t) => {
    await t.go("/admin/genphen/drug/?q=streptomycin", "drug-search");
    await t.click(t.page.locator("table.rows tbody a").first(), "drug-form");
    t.check((await t.page.inputValue("#id_drug_name")) === "Streptomycin", "the form shows the drug");
    await t.page.fill("#id_drug_name", fixtures.renamedDrug);
    await t.click(t.page.getByRole("button", { name: "Save" }), "drug-saved");
    const message = await t.page.getByRole("status").innerText();
    t.check(message.includes(` - ${fixtures.renamedDrug}” was changed successfully.`), `message: ${message}`);
    t.check((await t.rows()).some((r) => r[1] === fixtures.renamedDrug), "the list shows the new name");

    await t.click(t.page.locator("table.rows tbody tr", { hasText: fixtures.renamedDrug }).getByRole("link"), "drug-form-again");
    t.check((await t.page.inputValue("#id_drug_name")) === fixtures.renamedDrug, "the form shows the new name");
    // Blank but for spaces: the browser lets it through, the server refuses it inline.
    await t.page.fill("#id_drug_code", "   ");
    await t.click(t.page.getByRole("button", { name: "Save" }), "drug-invalid");
    const error = t.page.locator(".field.invalid #err_drug_code");
    t.check(await error.isVisible(), "the error is shown next to the field");
    t.check((await error.innerText()) === "This field is required.", `error: ${await error.innerText()}`);
    t.check(await t.page.getByRole("alert").isVisible(), "and summed up above the form");
  }),

  scenario("delete asks for confirmation", async (t) => {
    await t.click(t.page.getByRole("link", { name: "Delete" }), "drug-delete");
    const text = await t.page.locator("main").innerText();
    t.check(text.includes(`Are you sure you want to delete the drug “`) && text.includes(fixtures.renamedDrug), text);
    t.check(/\d+ drug synonyms — deleted with it/.test(text), `dependents listed: ${text}`);
    t.check(await t.page.getByRole("button", { name: "Yes, delete it" }).isVisible(), "a confirm button");
    await t.click(t.page.getByRole("link", { name: "No, take me back" }), "drug-kept");
    t.check(/\/change\/$/.test(t.page.url()), `back on the form: ${t.page.url()}`);
  }),

  scenario("review a package: Pending, then Rejected with a reason", async (t) => {
    await t.go(`/admin/submission/package/${fixtures.packageId}/change/`, "package");
    const state = () => t.page.locator("#package-state").innerText();
    t.check((await state()) === "Draft", `state: ${await state()}`);
    await t.click(t.page.getByRole("button", { name: "Pending", exact: true }), "package-pending");
    t.check((await state()) === "Pending", `state: ${await state()}`);
    await t.click(t.page.getByRole("button", { name: "Rejected", exact: true }), "package-reject-form");
    // Four characters for the browser, one once trimmed: the server refuses it inline.
    await t.page.fill("#id_reason", " no ");
    await t.click(t.page.getByRole("button", { name: "Rejected", exact: true }), "package-reason-short");
    t.check(await t.page.locator(".field.invalid #err_reason").isVisible(), "a short reason is refused next to the field");
    await t.page.fill("#id_reason", fixtures.rejectReason);
    await t.click(t.page.getByRole("button", { name: "Rejected", exact: true }), "package-rejected");
    t.check((await state()) === "Rejected", `state: ${await state()}`);
    const message = await t.page.getByRole("status").innerText();
    t.check(message.includes("Transition Rejected applied"), `message: ${message}`);
  }),

  scenario("import with a preview", async (t) => {
    await t.go("/admin/genphen/epidemcutoffvalue/", "ecoffs");
    const before = await t.count();
    await t.click(t.page.getByRole("link", { name: "Import", exact: true }), "import-form");
    const upload = async (name, csv, step) => {
      await t.page.setInputFiles("input[type=file]", { name, mimeType: "text/csv", buffer: Buffer.from(csv) });
      await t.click(t.page.getByRole("button", { name: "Upload and preview" }), step);
      return t.page.locator("section.preview p.count").innerText();
    };
    const refused = await upload("bad.csv", "Drug,Medium,Value\nNoSuchDrug,MGIT,1\n", "import-rejected");
    t.check(refused === "0 to create, 0 to update, 1 rejected.", `preview: ${refused}`);
    t.check((await t.page.getByRole("button", { name: "Confirm import" }).count()) === 0, "no confirming a rejected file");
    const preview = await upload("ecoffs.csv", `Drug,Medium,Value\nRifampicin,${fixtures.importedMedium},0.25\n`, "import-preview");
    t.check(preview === "1 to create, 0 to update, 0 rejected.", `preview: ${preview}`);
    await t.click(t.page.getByRole("button", { name: "Confirm import" }), "import-applied");
    t.check((await t.count()) === before + 1, `${before} + 1 rows after the import, ${await t.count()}`);
    t.check(await t.page.getByRole("status").isVisible(), "a message after the import");
  }),
];

// The runner.
mkdirSync(shots, { recursive: true });
const origin = new URL(base).origin;
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.setDefaultTimeout(10000);
const problems = [];
watch(page, origin, problems);
let shot = 0;
const failures = [];

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40);
for (const s of scenarios) {
  if (s.skip) {
    console.log(`SKIP ${s.name}: ${s.skip}`);
    continue;
  }
  const t = {
    page,
    fixtures,
    async snap(step) {
      shot += 1;
      const file = join(shots, `${String(shot).padStart(2, "0")}-${slug(s.name)}-${step}.png`);
      await page.screenshot({ path: file, fullPage: true });
    },
    async go(path, step) {
      const response = await page.goto(`${base}${path}`, { waitUntil: "load" });
      t.check(response && response.ok(), `GET ${path} answered ${response && response.status()}`);
      await t.snap(step);
    },
    async click(locator, step) {
      await Promise.all([page.waitForNavigation({ waitUntil: "load" }), locator.click()]);
      await t.snap(step);
    },
    /** Takes out of the problems one or more matching each pattern; fails when one matches none. */
    expected(...patterns) {
      for (const pattern of patterns) {
        const before = problems.length;
        const rest = problems.filter((p) => !pattern.test(p));
        t.check(rest.length < before, `expected ${pattern} among: ${problems.join("; ")}`);
        problems.splice(0, problems.length, ...rest);
      }
    },
    check(condition, message) {
      if (!condition) throw new Error(`check failed: ${message}`);
    },
    /** The cells' text of each row of the result table. */
    rows() {
      return page.locator("table.rows tbody tr").evaluateAll((trs) =>
        trs
          .map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.innerText.trim()))
          .filter((cells) => !(cells.length === 1 && cells[0] === "Nothing found."))
      );
    },
    /** The "N results" count of a list page. */
    async count() {
      const text = await page.locator("p.count").innerText();
      const n = /^(\d+) results?/.exec(text);
      t.check(n, `no count in "${text}"`);
      return Number(n[1]);
    },
  };
  const started = Date.now();
  problems.length = 0;
  try {
    await s.run(t);
    if (problems.length) throw new Error(problems.join("\n"));
    console.log(`ok   ${s.name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures.push(s.name);
    console.log(`FAIL ${s.name} at ${page.url()}\n${e && e.stack ? e.stack : e}`);
    await t.snap("failure").catch(() => {});
  }
}
await browser.close();
console.log(`${shot} screenshots in ${shots}`);
if (failures.length) {
  console.error(`failed: ${failures.join(", ")}`);
  process.exit(1);
}
