/** The table `npm run bench` prints: figure | value | target | ok. */

/** One judged figure. */
export interface TargetCheck {
  figure: string;
  value: string;
  target: string;
  ok: boolean;
}

/** Formats the checks as an aligned text table. */
export function formatTable(checks: readonly TargetCheck[]): string {
  const rows = [
    ["figure", "value", "target", "ok"],
    ...checks.map((c) => [c.figure, c.value, c.target, c.ok ? "yes" : "NO"]),
  ];
  const widths = [0, 1, 2, 3].map((col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]) => row.map((cell, col) => cell.padEnd(widths[col]!)).join(" | ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.slice(1).map(line)].join(
    "\n",
  );
}
