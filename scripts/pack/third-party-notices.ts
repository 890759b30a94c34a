import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Licenses that ask for no notice when their code is redistributed. */
const NO_NOTICE = new Set(['Unlicense', '0BSD', 'CC0-1.0']);

interface InlinedManifest {
  name: string;
  version: string;
  license?: string;
  repository?: string | { url?: string };
}

/** The package's own license file, else the standard text of its license kept in `licenses/`. */
async function licenseText(root: string, packageDir: string, manifest: InlinedManifest): Promise<string> {
  const own = (await readdir(packageDir)).find((file) => /^(?:licen[cs]e|copying)(?:\.|$)/i.test(file));
  if (own) return readFile(join(packageDir, own), 'utf8');
  const license = manifest.license ?? '';
  if (NO_NOTICE.has(license)) return `${license}: no notice required.\n`;
  try {
    return await readFile(join(root, 'scripts', 'pack', 'licenses', `${license}.txt`), 'utf8');
  } catch {
    throw new Error(
      `${manifest.name} (${license || 'no license field'}) is bundled, but neither it nor scripts/pack/licenses/ ` +
        'has its license text: add the text before bundling it',
    );
  }
}

/**
 * THIRD_PARTY_NOTICES.md for the registry packages a bundle carries inside it (their code ships in ours,
 * so their licenses must ship too): name, version, license and its text.
 */
export async function thirdPartyNotices(root: string, inlined: readonly string[]): Promise<string | null> {
  const registry = inlined.filter((name) => !name.startsWith('@kaygraph/'));
  if (registry.length === 0) return null;
  const sections: string[] = [];
  for (const name of registry) {
    const packageDir = join(root, 'node_modules', name);
    const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as InlinedManifest;
    const repository =
      typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
    sections.push(
      [
        `## ${manifest.name} ${manifest.version}`,
        '',
        `License: ${manifest.license ?? 'unknown'}${repository ? `. Source: ${repository}` : ''}`,
        '',
        '```',
        (await licenseText(root, packageDir, manifest)).trimEnd(),
        '```',
      ].join('\n'),
    );
  }
  return `# Third-party notices\n\nThis package carries the code of these packages inside its bundle.\n\n${sections.join('\n\n')}\n`;
}
