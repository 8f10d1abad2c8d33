import { existsSync } from 'node:fs';
import path from 'node:path';
import { kustomizationDirs, renderedFile } from '../scripts/render-manifests.js';
import {
  kubernetesAjv,
  loadCrdValidators,
  type ObjectValidator,
  strictify,
} from './helpers/crd-validator.js';
import { type KubeObject, kustomize, readObjects } from './helpers/kustomize.js';

const ROOT = path.resolve(import.meta.dirname, '..');
/** The real CRDs (shared/crds/README.md): KServe's and Seldon Core 2's. */
const CRDS = path.resolve(ROOT, '../shared/crds');

const validators = new Map<string, ObjectValidator>();
for (const folder of ['kserve', 'seldon-core-v2']) {
  for (const [key, validate] of await loadCrdValidators(path.join(CRDS, folder)))
    validators.set(key, validate);
}

function problemsOf(object: KubeObject): string[] {
  const validate = validators.get(`${object.apiVersion} ${object.kind}`);
  if (!validate) return [`no CRD for ${object.apiVersion} ${object.kind}`];
  return validate(object);
}

/** A rendered object that negative tests edit at arbitrary paths. */
// biome-ignore lint/suspicious/noExplicitAny: negative tests poke at any path of a manifest
type Editable = KubeObject & { spec: any };

const byIdentity = (objects: KubeObject[]) =>
  [...objects].sort((a, b) =>
    `${a.kind}/${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
      `${b.kind}/${b.metadata.namespace ?? ''}/${b.metadata.name}`,
    ),
  );

const rendered = new Map<string, KubeObject[]>();
for (const dir of kustomizationDirs()) rendered.set(dir, await kustomize(path.join(ROOT, dir)));

const find = (dir: string, kind: string): KubeObject => {
  const object = rendered.get(dir)?.find((o) => o.kind === kind);
  if (!object) throw new Error(`no ${kind} in ${dir}`);
  return structuredClone(object);
};

describe('deploy/: rendering', () => {
  test.each(kustomizationDirs())('%s renders to what `kubectl kustomize` rendered', async (dir) => {
    const file = renderedFile(dir);
    expect(existsSync(file)).toBe(true); // a new kustomization needs `npm run render-manifests`
    expect(byIdentity(rendered.get(dir)!)).toEqual(byIdentity(await readObjects(file)));
  });

  test('the overlays do what they say', () => {
    const base = find('deploy/kserve/runtime', 'ClusterServingRuntime');
    const namespaced = find('deploy/kserve/overlays/namespaced', 'ServingRuntime');
    expect(namespaced.spec).toEqual(base.spec);
    const standard = find('deploy/kserve/overlays/standard', 'ClusterServingRuntime') as unknown as {
      spec: { containers: { ports: { name: string; containerPort: number }[] }[] };
    };
    expect(standard.spec.containers[0]!.ports.map((p) => [p.name, p.containerPort])).toEqual([
      ['http1', 8080],
      ['grpc', 9000],
    ]);
  });
});

describe('deploy/: every rendered object is valid against the real CRD schema (strict: unknown fields fail)', () => {
  const all = [...rendered].flatMap(([dir, objects]) =>
    objects.map((o) => [`${dir}: ${o.kind} ${o.metadata.name}`, o] as const),
  );
  test.each(all)('%s', (_label, object) => {
    expect(problemsOf(object)).toEqual([]);
  });
});

describe('deploy/: what the manifests promise', () => {
  const runtime = find('deploy/kserve/runtime', 'ClusterServingRuntime') as unknown as {
    metadata: { name: string };
    spec: {
      annotations: Record<string, string>;
      protocolVersions: string[];
      containers: {
        name: string;
        env: { name: string; value: string }[];
        readinessProbe: { httpGet: { path: string; port: number } };
        livenessProbe: { httpGet: { path: string } };
      }[];
    };
  };
  const container = runtime.spec.containers[0]!;
  const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));

  test('KServe runtime: kserve-container, v2 REST + gRPC, ready/live probes, metrics on the metrics port', () => {
    expect(container.name).toBe('kserve-container');
    expect(runtime.spec.protocolVersions).toEqual(['v2', 'grpc-v2']);
    expect(env).toMatchObject({
      MLSERVER_MODEL_NAME: '{{.Name}}',
      MLSERVER_MODEL_URI: '/mnt/models',
      MLSERVER_HTTP_PORT: '8080',
      MLSERVER_GRPC_PORT: '9000',
    });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
    expect(container.livenessProbe.httpGet.path).toBe('/v2/health/live');
    // kserve/kserve#6227: the annotation must name the metrics listener, not the REST port.
    expect(runtime.spec.annotations['prometheus.kserve.io/port']).toBe(env.MLSERVER_METRICS_PORT);
    expect(runtime.spec.annotations['prometheus.kserve.io/port']).not.toBe(env.MLSERVER_HTTP_PORT);
    const standard = find('deploy/kserve/overlays/standard', 'ClusterServingRuntime') as unknown as {
      spec: { containers: { startupProbe: { grpc: { port: number; service: string } } }[] };
    };
    expect(standard.spec.containers[0]!.startupProbe.grpc).toEqual({
      port: Number(env.MLSERVER_GRPC_PORT),
      service: 'inference.GRPCInferenceService',
    });
  });

  test('termination grace covers the drain: preStop + shutdown_grace_period < terminationGracePeriodSeconds', () => {
    const grace = Number(env.MLSERVER_SHUTDOWN_GRACE_PERIOD);
    const services = rendered.get('deploy/kserve/examples')! as unknown as {
      metadata: { name: string };
      spec: { predictor: { terminationGracePeriodSeconds: number; timeout?: number } };
    }[];
    for (const isvc of services)
      expect(isvc.spec.predictor.terminationGracePeriodSeconds).toBeGreaterThan(grace + 5);
    const streaming = services.find((s) => s.metadata.name === 'text-model')!;
    expect(streaming.spec.predictor.timeout).toBeGreaterThan(600); // past Gateway API's 60 s and Knative's caps

    const seldon = find('deploy/seldon', 'ServerConfig') as unknown as {
      spec: {
        podSpec: {
          terminationGracePeriodSeconds: number;
          containers: { name: string; args?: string[]; env?: { name: string; value: string }[] }[];
        };
      };
    };
    const server = seldon.spec.podSpec.containers.find((c) => c.name === 'mlserver')!;
    const serverEnv = Object.fromEntries((server.env ?? []).map((e) => [e.name, e.value]));
    expect(seldon.spec.podSpec.terminationGracePeriodSeconds).toBeGreaterThan(
      Number(serverEnv.MLSERVER_SHUTDOWN_GRACE_PERIOD) + 5,
    );
    expect(serverEnv).toMatchObject({
      MLSERVER_LOAD_MODELS_AT_STARTUP: 'false',
      MLSERVER_READY_WITHOUT_MODELS: 'true',
    });
    expect(server.args).toEqual(['start', '/mnt/agent/models']);
  });
});

describe('the CRD validation itself catches what it must (negative tests)', () => {
  const runtime = () => find('deploy/kserve/runtime', 'ClusterServingRuntime') as Editable;
  const isvc = () => find('deploy/kserve/examples', 'InferenceService') as Editable;

  test('an unknown field in spec fails', () => {
    const object = runtime();
    object.spec.protocolVersion = ['v2'];
    expect(problemsOf(object)).toEqual(['spec.protocolVersion: unknown field']);
  });

  test('a misspelt field deep in a container fails', () => {
    const object = runtime();
    object.spec.containers[0].readinesProbe = object.spec.containers[0].readinessProbe;
    object.spec.containers[0].readinessProbe.httpGet.paths = '/v2/health/ready';
    expect(problemsOf(object).sort()).toEqual([
      'spec.containers.0.readinesProbe: unknown field',
      'spec.containers.0.readinessProbe.httpGet.paths: unknown field',
    ]);
  });

  test('the predictor timeout in the wrong place fails; wrong types fail', () => {
    const object = isvc();
    object.spec.timeout = 3600;
    object.spec.predictor.terminationGracePeriodSeconds = '45';
    expect(problemsOf(object)).toEqual([
      'spec.timeout: unknown field',
      'spec.predictor.terminationGracePeriodSeconds: must be integer',
    ]);
  });

  test('int-or-string accepts a port number or name, nothing else; int32 is range-checked', () => {
    const object = runtime();
    object.spec.containers[0].readinessProbe.httpGet.port = 'http1';
    expect(problemsOf(object)).toEqual([]);
    object.spec.containers[0].readinessProbe.httpGet.port = true;
    object.spec.containers[0].ports[0].containerPort = 2 ** 31;
    const problems = problemsOf(object);
    expect(problems).toContain('spec.containers.0.ports.0.containerPort: must match format "int32"');
    expect(problems.some((p) => p.startsWith('spec.containers.0.readinessProbe.httpGet.port:'))).toBe(true);
  });

  test('maps (additionalProperties) take any key but only their value type', () => {
    const object = runtime();
    object.spec.annotations['example.com/anything'] = 'ok';
    expect(problemsOf(object)).toEqual([]);
    object.spec.annotations['example.com/number'] = 8082;
    expect(problemsOf(object)).toEqual(['spec.annotations.example.com~1number: must be string']);
  });

  test('list-type map: two containers with one name fail', () => {
    const object = runtime();
    object.spec.containers[0].env.push({ name: 'MLSERVER_HTTP_PORT', value: '9999' });
    expect(problemsOf(object)).toEqual([
      expect.stringMatching(/^spec\.containers\.0\.env: must pass "x-kubernetes-list-type"/),
    ]);
  });

  test('Seldon: an unknown field in a Model fails; metadata and top-level fields are checked too', () => {
    const model = find('deploy/seldon', 'Model') as Editable;
    model.spec.runtime = 'mlserver-ts';
    model.metadata.labelz = {};
    model.status = {};
    expect(problemsOf(model).sort()).toEqual([
      'metadata.labelz: unknown field',
      'spec.runtime: unknown field',
      'status: unknown field',
    ]);
    const runtimeObject = runtime();
    runtimeObject.metadata.namespace = 'models';
    expect(problemsOf(runtimeObject)).toEqual(['metadata.namespace: set on a cluster-scoped resource']);
  });

  test('strictify: closes objects, keeps maps, honours x-kubernetes-preserve-unknown-fields', () => {
    const schema = strictify({
      type: 'object',
      properties: {
        closed: { type: 'object', properties: { a: { type: 'string' } } },
        empty: { type: 'object' },
        map: { type: 'object', additionalProperties: { type: 'integer' } },
        open: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { a: { type: 'string' } },
        },
      },
    });
    const check = kubernetesAjv().compile(schema);
    expect(
      check({ closed: { a: 'x' }, empty: {}, map: { any: 1 }, open: { a: 'x', anything: { deep: 1 } } }),
    ).toBe(true);
    expect(check({ closed: { b: 1 } })).toBe(false);
    expect(check({ empty: { b: 1 } })).toBe(false);
    expect(check({ map: { any: 'x' } })).toBe(false);
    expect(check({ extra: 1 })).toBe(false);
  });
});
