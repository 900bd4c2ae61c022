// Structured logs: one JSON object per line on stderr, naming the component.
export type Log = (msg: string, fields?: Record<string, unknown>) => void;

export function logger(component: string): Log {
  const quiet = process.env.K8TS_LOG === 'quiet';
  return (msg, fields) => {
    if (quiet) return;
    process.stderr.write(JSON.stringify({ ts: new Date().toISOString(), component, msg, ...fields }) + '\n');
  };
}
