import { readdirSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { readRepoFile, repoPath } from './repo-files.ts';

/** One object of a manifest file, as parsed (plain data). */
export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  body: Record<string, unknown>;
}

/** Every Kubernetes object in k8s/*.yaml except the kustomization itself, in file order. */
export function loadManifests(): Manifest[] {
  const files = readdirSync(repoPath('k8s'))
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .sort();
  return files.flatMap((file) => parseYamlDocuments(`k8s/${file}`).map((body) => toManifest(file, body)));
}

/** All documents of a YAML file; a syntax error in any of them fails loudly. */
export function parseYamlDocuments(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readRepoFile(path), { merge: true }).map((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(`${path} document ${index + 1}: ${document.errors.map((e) => e.message).join('; ')}`);
    }
    const value: unknown = document.toJS();
    if (!isRecord(value)) throw new Error(`${path} document ${index + 1} is not a mapping`);
    return value;
  });
}

function toManifest(file: string, body: Record<string, unknown>): Manifest {
  const metadata = body.metadata;
  const name = isRecord(metadata) ? metadata.name : undefined;
  if (typeof body.apiVersion !== 'string' || typeof body.kind !== 'string' || typeof name !== 'string') {
    throw new Error(`k8s/${file}: an object without apiVersion, kind or metadata.name`);
  }
  return { file, apiVersion: body.apiVersion, kind: body.kind, name, body };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type ModelConstructor = new (data: never) => { validate(): void };

/** The kinds the deployment uses, each with its model generated from the Kubernetes OpenAPI schema. */
const MODELS: Record<string, ModelConstructor> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/**
 * Validates a manifest against the Kubernetes JSON schema of its kind (types, required fields, enums,
 * integer formats). Returns the problems, empty when valid. The schema does not reject unknown fields, so
 * the tests read the fields that matter by their exact names as well.
 */
export function schemaProblems(manifest: Manifest): string[] {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
  try {
    new Model(manifest.body as never).validate();
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}
