import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../src/dotenv.ts';
import { envNamesReadAnywhere } from '../src/env-names.ts';
import {
  isRecord,
  loadManifests,
  type Manifest,
  parseYamlDocuments,
  schemaProblems,
} from '../src/k8s-manifests.ts';
import { readRepoFile, repoFileExists, repoPath } from '../src/repo-files.ts';

const manifests = loadManifests();

function find(kind: string, name: string): Manifest {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.name === name);
  if (!found) throw new Error(`k8s/ has no ${kind} ${name}`);
  return found;
}

/** Reads a nested field by path; throws with the path when it is missing, so a typo fails by name. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number' ? !Array.isArray(current) : !isRecord(current)) {
      throw new Error(`missing ${path.join('.')}`);
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  if (current === undefined) throw new Error(`missing ${path.join('.')}`);
  return current;
}

function records(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value) || !value.every(isRecord)) throw new Error('expected a list of mappings');
  return value;
}

function labels(value: unknown): Record<string, string> {
  if (!isRecord(value)) throw new Error('expected labels');
  return Object.fromEntries(Object.entries(value).map(([key, label]) => [key, String(label)]));
}

/** A matchLabels selector selects a pod when every one of its labels is on the pod. */
function selects(selector: Record<string, string>, podLabels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => podLabels[key] === value);
}

const podOwners = manifests.filter((manifest) => manifest.kind === 'Deployment' || manifest.kind === 'Job');
const deployments = manifests.filter((manifest) => manifest.kind === 'Deployment');

function podSpec(owner: Manifest): Record<string, unknown> {
  const spec = at(owner.body, 'spec', 'template', 'spec');
  if (!isRecord(spec)) throw new Error(`${owner.name}: no pod spec`);
  return spec;
}

function container(owner: Manifest): Record<string, unknown> {
  const [only, ...rest] = records(podSpec(owner).containers);
  if (!only || rest.length > 0) throw new Error(`${owner.name}: expected exactly one container`);
  return only;
}

const grace = Number(
  labels(at(find('ConfigMap', 'kaygraph-config').body, 'data')).SHUTDOWN_GRACE_SECONDS ?? Number.NaN,
);

describe('k8s manifests', () => {
  it('contain the api Deployment + Service, the worker Deployment, the migrate Job, config, PDBs and an HPA', () => {
    expect(manifests.map((manifest) => `${manifest.kind}/${manifest.name}`).sort()).toEqual([
      'ConfigMap/kaygraph-config',
      'Deployment/kaygraph-api',
      'Deployment/kaygraph-worker',
      'HorizontalPodAutoscaler/kaygraph-worker',
      'Job/kaygraph-migrate',
      'PodDisruptionBudget/kaygraph-api',
      'PodDisruptionBudget/kaygraph-worker',
      'Secret/kaygraph-database',
      'Service/kaygraph-api',
    ]);
  });

  it.each(
    manifests.map((manifest) => [`${manifest.file}: ${manifest.kind}/${manifest.name}`, manifest] as const),
  )('validates against the Kubernetes schema: %s', (_, manifest) => {
    expect(schemaProblems(manifest)).toEqual([]);
  });

  it('the schema validator rejects what the API server would (so the checks above mean something)', () => {
    const api = find('Deployment', 'kaygraph-api');
    const broken = structuredClone(api.body);
    const spec = at(broken, 'spec');
    if (isRecord(spec)) delete spec.selector;
    const ports = records(at(broken, 'spec', 'template', 'spec', 'containers', 0, 'ports'));
    if (ports[0]) ports[0].containerPort = '8000';
    const problems = schemaProblems({ ...api, body: broken }).join('\n');
    expect(problems).toMatch(/selector/);
    expect(problems).toMatch(/containerPort must be integer/);
    expect(schemaProblems({ ...api, apiVersion: 'extensions/v1beta1' })).toEqual([
      'no schema for extensions/v1beta1 Deployment',
    ]);
  });

  it('are all applied by the kustomization, except the example Secret', () => {
    const [kustomization] = parseYamlDocuments('k8s/kustomization.yaml');
    const resources = at(kustomization, 'resources');
    const files = readdirSync(repoPath('k8s')).filter(
      (file) => file.endsWith('.yaml') && file !== 'kustomization.yaml',
    );
    expect([...(resources as string[])].sort()).toEqual(
      files.filter((file) => file !== 'secret.example.yaml').sort(),
    );
    // Applying the kustomization must never overwrite the real DATABASE_URL with the placeholder.
    expect(resources).not.toContain('secret.example.yaml');
    const images = records(at(kustomization, 'images')).map((image) => image.name);
    for (const owner of podOwners) expect(images, owner.name).toContain(container(owner).image);
  });

  it('select their own pods: every Deployment selector matches its pod template labels', () => {
    for (const deployment of deployments) {
      const selector = labels(at(deployment.body, 'spec', 'selector', 'matchLabels'));
      const podLabels = labels(at(deployment.body, 'spec', 'template', 'metadata', 'labels'));
      expect(selects(selector, podLabels), deployment.name).toBe(true);
      // Selectors are immutable and must not overlap between Deployments.
      for (const other of deployments.filter((candidate) => candidate !== deployment)) {
        const otherPods = labels(at(other.body, 'spec', 'template', 'metadata', 'labels'));
        expect(selects(selector, otherPods), `${deployment.name} selects ${other.name}'s pods`).toBe(false);
      }
    }
  });

  it('route the Service to the api pods on a port the api container declares', () => {
    const service = find('Service', 'kaygraph-api');
    const api = find('Deployment', 'kaygraph-api');
    const podLabels = labels(at(api.body, 'spec', 'template', 'metadata', 'labels'));
    expect(selects(labels(at(service.body, 'spec', 'selector')), podLabels)).toBe(true);
    expect(
      selects(
        labels(at(service.body, 'spec', 'selector')),
        labels(at(find('Deployment', 'kaygraph-worker').body, 'spec', 'template', 'metadata', 'labels')),
      ),
    ).toBe(false);
    const containerPorts = records(container(api).ports);
    for (const port of records(at(service.body, 'spec', 'ports'))) {
      const target = port.targetPort;
      expect(
        containerPorts.some((declared) => declared.name === target || declared.containerPort === target),
        `targetPort ${String(target)}`,
      ).toBe(true);
    }
    expect(containerPorts).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
  });

  it('probe readiness on /ready and liveness on /health, on the api port', () => {
    const api = container(find('Deployment', 'kaygraph-api'));
    expect(at(api, 'readinessProbe', 'httpGet')).toEqual({ path: '/ready', port: 'http' });
    expect(at(api, 'livenessProbe', 'httpGet')).toEqual({ path: '/health', port: 'http' });
    expect(at(api, 'startupProbe', 'httpGet')).toEqual({ path: '/health', port: 'http' });
  });

  it('give each pod longer than SHUTDOWN_GRACE_SECONDS (plus its preStop pause) to drain before SIGKILL', () => {
    expect(grace).toBeGreaterThan(0);
    for (const name of ['kaygraph-api', 'kaygraph-worker']) {
      const deployment = find('Deployment', name);
      // The api pauses first so that endpoints stop sending it new connections; a worker has no endpoints.
      const pause =
        name === 'kaygraph-api'
          ? Number(at(container(deployment), 'lifecycle', 'preStop', 'sleep', 'seconds'))
          : 0;
      const period = Number(podSpec(deployment).terminationGracePeriodSeconds);
      expect(period, name).toBeGreaterThan(grace + pause);
      // "Matching": not so long that a stuck pod holds a rollout for minutes.
      expect(period, name).toBeLessThanOrEqual(grace + pause + 15);
    }
  });

  it('run the three entry points, as a non-root user, each entry point present in the repository', () => {
    const entries = Object.fromEntries(podOwners.map((owner) => [owner.name, container(owner).command]));
    expect(entries).toEqual({
      'kaygraph-api': [
        'node',
        '--max-semi-space-size=8',
        '--max-old-space-size=512',
        'services/api/src/main.ts',
      ],
      'kaygraph-worker': [
        'node',
        '--max-semi-space-size=2',
        '--heap-growing-percent=30',
        'services/worker/src/main.ts',
      ],
      'kaygraph-migrate': ['node', 'packages/db/src/migrate-main.ts'],
    });
    for (const owner of podOwners) {
      const command = container(owner).command;
      const entry = Array.isArray(command) ? String(command.at(-1)) : '';
      expect(repoFileExists(entry), `${owner.name} runs ${entry}`).toBe(true);
      expect(at(podSpec(owner), 'securityContext', 'runAsNonRoot'), owner.name).toBe(true);
      expect(at(podSpec(owner), 'securityContext', 'runAsUser'), owner.name).not.toBe(0);
      expect(at(container(owner), 'securityContext', 'allowPrivilegeEscalation'), owner.name).toBe(false);
    }
  });

  it('take their settings from the ConfigMap and the Secret, with names the services read', () => {
    const read = envNamesReadAnywhere();
    const configKeys = Object.keys(labels(at(find('ConfigMap', 'kaygraph-config').body, 'data')));
    const secretKeys = Object.keys(labels(at(find('Secret', 'kaygraph-database').body, 'stringData')));
    expect(secretKeys).toEqual(['DATABASE_URL']);
    expect([...configKeys, ...secretKeys].filter((name) => !read.has(name))).toEqual([]);
    // The same names as .env.example, less the ones that only matter outside a cluster.
    const example = parseDotenv(readRepoFile('.env.example')).map((entry) => entry.name);
    expect([...configKeys, ...secretKeys].filter((name) => !example.includes(name))).toEqual([]);
    for (const owner of podOwners) {
      for (const source of records(container(owner).envFrom)) {
        if (isRecord(source.configMapRef))
          expect(source.configMapRef.name, owner.name).toBe('kaygraph-config');
        if (isRecord(source.secretRef)) expect(source.secretRef.name, owner.name).toBe('kaygraph-database');
      }
    }
  });

  it('set the same values as .env.example (which the topology test starts the real processes with)', () => {
    const example = new Map(
      parseDotenv(readRepoFile('.env.example')).map((entry) => [entry.name, entry.value]),
    );
    const config = labels(at(find('ConfigMap', 'kaygraph-config').body, 'data'));
    const differing = Object.entries(config).filter(([name, value]) => example.get(name) !== value);
    expect(differing).toEqual([]);
  });

  it('mount a read-only volume where the workers read workflow input files (DATA_DIR)', () => {
    const dataDir = labels(at(find('ConfigMap', 'kaygraph-config').body, 'data')).DATA_DIR;
    const worker = find('Deployment', 'kaygraph-worker');
    const mount = records(at(container(worker), 'volumeMounts')).find(
      (candidate) => candidate.mountPath === dataDir,
    );
    expect(mount).toMatchObject({ readOnly: true });
    const volumes = records(at(podSpec(worker), 'volumes')).map((volume) => volume.name);
    expect(volumes).toContain(mount?.name);
  });

  it('keep at least one api up and drain workers one at a time during voluntary disruptions', () => {
    const apiBudget = find('PodDisruptionBudget', 'kaygraph-api');
    const workerBudget = find('PodDisruptionBudget', 'kaygraph-worker');
    expect(at(apiBudget.body, 'spec', 'minAvailable')).toBe(1);
    expect(at(workerBudget.body, 'spec', 'maxUnavailable')).toBe(1);
    for (const [budget, target] of [
      [apiBudget, 'kaygraph-api'],
      [workerBudget, 'kaygraph-worker'],
    ] as const) {
      const selector = labels(at(budget.body, 'spec', 'selector', 'matchLabels'));
      const selected = deployments.filter((deployment) =>
        selects(selector, labels(at(deployment.body, 'spec', 'template', 'metadata', 'labels'))),
      );
      expect(selected.map((deployment) => deployment.name)).toEqual([target]);
    }
    // minAvailable 1 on a single replica would block every drain.
    expect(Number(at(find('Deployment', 'kaygraph-api').body, 'spec', 'replicas'))).toBeGreaterThan(1);
  });

  it('autoscale the worker Deployment on CPU against its CPU request', () => {
    const hpa = find('HorizontalPodAutoscaler', 'kaygraph-worker');
    expect(at(hpa.body, 'apiVersion')).toBe('autoscaling/v2');
    expect(at(hpa.body, 'spec', 'scaleTargetRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'kaygraph-worker',
    });
    const worker = find('Deployment', 'kaygraph-worker');
    // The HPA owns the replica count; a replicas field would reset it on every apply.
    expect(isRecord(worker.body.spec) && worker.body.spec.replicas).toBeUndefined();
    const metric = records(at(hpa.body, 'spec', 'metrics'))[0];
    expect(at(metric, 'resource', 'name')).toBe('cpu');
    expect(at(container(worker), 'resources', 'requests', 'cpu')).toBeTruthy();
    const min = Number(at(hpa.body, 'spec', 'minReplicas'));
    const max = Number(at(hpa.body, 'spec', 'maxReplicas'));
    expect(min).toBeGreaterThanOrEqual(2);
    expect(max).toBeGreaterThan(min);
  });
});
