// A node:test reporter that writes the counts of Vitest's JSON report (numPassedTests, numFailedTests,
// numPendingTests, numTodoTests), so scripts/test-summary.mjs adds this package's tests to the others'.
export default async function* vitestJsonReporter(source) {
  const counts = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // Suites (describe) report too; only tests count, as in Vitest.
    if (event.data.details?.type === 'suite') continue;
    if (event.data.todo) counts.numTodoTests++;
    else if (event.data.skip) counts.numPendingTests++;
    else if (event.type === 'test:pass') counts.numPassedTests++;
    else counts.numFailedTests++;
  }
  const numTotalTests = counts.numPassedTests + counts.numFailedTests + counts.numPendingTests + counts.numTodoTests;
  yield `${JSON.stringify({ success: counts.numFailedTests === 0, numTotalTests, ...counts })}\n`;
}
