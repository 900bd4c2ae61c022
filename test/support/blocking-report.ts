// Preloaded (--import) by the test scripts. With --test-force-exit, each
// test file's child process streams its results to the runner over a pipe
// and then calls process.exit(); pipe writes are asynchronous on Linux, so
// the tail of a file's results could be lost while the run still passed
// (nodejs/node#64833: our unit-test totals varied between runs). Blocking
// writes on the child's stdout make every result reach the runner.
if (process.env.NODE_TEST_CONTEXT) {
  (process.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle?.setBlocking?.(true);
}
