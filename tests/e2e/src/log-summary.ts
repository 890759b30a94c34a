/** The message and error of each log line (pino JSON), and any other line as it is: a readable tail. */
export function logSummary(output: string, lines = 40): string {
  return output
    .split('\n')
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
        return `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`;
      } catch {
        return line;
      }
    })
    .filter((line) => line.length > 0)
    .slice(-lines)
    .join('\n');
}
