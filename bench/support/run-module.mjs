// Runs one bundled benchmark module and prints its rows as a table.
// With `--measure KEY ...` it instead runs one measurement of the module (see bench/support/measure.ts).
import { pathToFileURL } from 'node:url';

const [bundle, ...rest] = process.argv.slice(2);
const mod = (await import(pathToFileURL(bundle).href)).default;
if (rest[0] === '--measure') {
  await mod.measure(rest.slice(1));
} else {
  process.stdout.write(`\n== ${mod.name}\n`);
  const rows = await mod.run({ bundle, runner: process.argv[1] });
  const table = [['measurement', 'seconds', 'MiB/s', 'ratio', 'peak RSS MiB', 'note']];
  for (const r of rows) {
    table.push([
      r.label,
      r.seconds === undefined ? '' : r.seconds.toFixed(2),
      r.mibPerSecond === undefined ? '' : r.mibPerSecond.toFixed(0),
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
      r.peakRssMiB === undefined ? '' : r.peakRssMiB.toFixed(0),
      r.note ?? '',
    ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table)
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
}
