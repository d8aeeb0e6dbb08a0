// Prints the mutation score of each folder `make mutate` tested, from Stryker's JSON reports
// (reports/mutation/<folder>/mutation.json): killed and timed-out mutants over all that were tested or
// had no test covering them (ignored and static mutants do not count, as in Stryker's own score).
// Usage: node scripts/mutation-summary.mjs channel daemon session
import { existsSync, readFileSync } from 'node:fs';

const folders = process.argv.slice(2);
const rows = [];
for (const folder of folders) {
  const file = `reports/mutation/${folder}/mutation.json`;
  if (!existsSync(file)) {
    rows.push([`cli/src/${folder}`, 'no report (run make mutate)']);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const count = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Other: 0 };
  for (const f of Object.values(report.files)) {
    for (const m of f.mutants) {
      if (m.status in count) count[m.status]++;
      else if (m.status !== 'Ignored') count.Other++;
    }
  }
  const detected = count.Killed + count.Timeout;
  const valid = detected + count.Survived + count.NoCoverage;
  const score = valid === 0 ? 100 : (100 * detected) / valid;
  rows.push([
    `cli/src/${folder}`,
    `${score.toFixed(1)}%`,
    `${count.Killed} killed, ${count.Timeout} timed out, ${count.Survived} survived, ${count.NoCoverage} not covered`,
  ]);
}
console.log('\nMutation score per folder (goal: at least 80%):');
for (const r of rows) console.log(`  ${r[0].padEnd(18)} ${r.slice(1).join('  ')}`);
