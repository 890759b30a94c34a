/** One Dockerfile instruction: `RUN npm ci` is `{ keyword: 'RUN', args: 'npm ci' }`. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** A build stage: its FROM image, its `AS` name (if any) and the instructions up to the next FROM. */
export interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM (they parameterise FROM lines). */
  globalArgs: Map<string, string>;
  stages: Stage[];
}

/**
 * Parses a Dockerfile into stages: comments and parser directives dropped, `\` continuations joined. Enough
 * to check a file's structure; it does not evaluate ARG substitution beyond FROM lines.
 */
export function parseDockerfile(text: string): Dockerfile {
  const instructions = joinContinuations(text);
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match?.[1]) throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      stages.push({ name: match[2], from: substituteArgs(match[1], globalArgs), instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current) {
      current.instructions.push(instruction);
    } else if (instruction.keyword === 'ARG') {
      const [name, value = ''] = instruction.args.split('=', 2);
      if (name) globalArgs.set(name.trim(), value.trim());
    } else {
      throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    }
  }
  return { globalArgs, stages };
}

function joinContinuations(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && !pending)) return;
    const continues = line.endsWith('\\');
    const body = continues ? line.slice(0, -1).trim() : line;
    pending = pending
      ? { text: `${pending.text} ${body}`, line: pending.line }
      : { text: body, line: index + 1 };
    if (continues) return;
    const match = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(pending.text);
    if (!match?.[1] || match[2] === undefined)
      throw new Error(`line ${pending.line}: cannot read ${pending.text}`);
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: pending.line });
    pending = undefined;
  });
  if (pending) throw new Error(`line ${pending.line}: the file ends inside a continued instruction`);
  return instructions;
}

function substituteArgs(value: string, args: Map<string, string>): string {
  return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => args.get(name) ?? whole);
}

/** The instructions of a stage with the given keyword, in order. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD as an argument list; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`not a JSON array of strings: ${args}`);
  }
  return parsed;
}
