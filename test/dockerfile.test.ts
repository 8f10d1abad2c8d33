import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DockerfileParser, type Instruction, type ModifiableInstruction } from 'dockerfile-ast';

/**
 * No Docker engine runs here: the Dockerfile is checked offline with a real Dockerfile parser
 * (dockerfile-ast), for what KServe, Seldon and OpenShift rely on.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const dockerfile = DockerfileParser.parse(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const finalFrom = froms.at(-1)!;
/** The instructions of the last stage: the image that runs. */
const runStage = instructions.filter((i) => i.getRange().start.line > finalFrom.getRange().start.line);
const keyword = (k: string) => runStage.filter((i) => i.getKeyword() === k);
const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
/** The value of a COPY's --from flag. */
const fromFlag = (i: Instruction) =>
  (i as unknown as ModifiableInstruction)
    .getFlags()
    .find((f) => f.getName() === 'from')
    ?.getValue();
/** An exec-form instruction's JSON array, or undefined when it is in shell form. */
const execForm = (i: Instruction): string[] | undefined => {
  const content = i.getArgumentsContent() ?? '';
  if (!content.trimStart().startsWith('[')) return undefined;
  const parsed = JSON.parse(content.slice(content.indexOf('['))) as unknown;
  return Array.isArray(parsed) && parsed.every((s) => typeof s === 'string') ? parsed : undefined;
};
/** An image reference with ${ARG} defaults resolved. */
const resolveImage = (image: string) =>
  image.replace(/\$\{?(\w+)\}?/g, (_m, name: string) => {
    const arg = dockerfile.getInitialARGs().find((a) => a.getProperty()?.getName() === name);
    return arg?.getProperty()?.getValue() ?? '';
  });
const envOf = (stage: Instruction[]) =>
  Object.fromEntries(
    stage
      .filter((i) => i.getKeyword() === 'ENV')
      .flatMap((i) =>
        (i as unknown as { getProperties(): { getName(): string; getValue(): string }[] }).getProperties(),
      )
      .map((p) => [p.getName(), p.getValue()]),
  );

describe('Dockerfile', () => {
  test('multi-stage, on the slim glibc Node 20 image (no musl: onnxruntime-node ships glibc binaries)', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]!.getBuildStage()).toBe('build');
    for (const from of froms) expect(resolveImage(from.getImage() ?? '')).toBe('node:20-bookworm-slim');
    expect(resolveImage(finalFrom.getImage() ?? '')).not.toMatch(/alpine/);
  });

  test('the run stage takes only built artefacts from the build stage, which prunes dev dependencies', () => {
    const copies = keyword('COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(fromFlag(copy)).toBe('build');
    const buildRuns = instructions
      .filter((i) => i.getKeyword() === 'RUN' && i.getRange().start.line < finalFrom.getRange().start.line)
      .map((i) => i.getArgumentsContent() ?? '');
    expect(buildRuns.join('\n')).toMatch(/npm ci\b/);
    expect(buildRuns.join('\n')).toMatch(/npm prune --omit=dev/);
    const buildStage = instructions.filter((i) => i.getRange().start.line < finalFrom.getRange().start.line);
    expect(envOf(buildStage).ONNXRUNTIME_NODE_INSTALL).toBe('skip');
  });

  test('runs as a numeric, non-root user in group 0 (OpenShift, runAsNonRoot)', () => {
    const users = keyword('USER');
    expect(users).toHaveLength(1);
    const [user, group] = args(users[0]!)[0]!.split(':');
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBe(1000);
    expect(group).toBe('0');
    // Nothing after USER switches back.
    expect(runStage.indexOf(users[0]!)).toBeGreaterThan(
      runStage.findLastIndex((i) => i.getKeyword() === 'RUN'),
    );
  });

  test('exposes REST, gRPC and metrics, with MLSERVER_* defaults to match', () => {
    const ports = keyword('EXPOSE').flatMap(args);
    expect(ports.sort()).toEqual(['8080', '8081', '8082']);
    expect(envOf(runStage)).toMatchObject({
      MLSERVER_HTTP_PORT: '8080',
      MLSERVER_GRPC_PORT: '8081',
      MLSERVER_METRICS_PORT: '8082',
      MLSERVER_HOST: '0.0.0.0',
    });
  });

  test('exec-form ENTRYPOINT and CMD: `mlserver-ts start /mnt/models`, node as PID 1 receiving SIGTERM', () => {
    const [entrypoint] = keyword('ENTRYPOINT');
    const [cmd] = keyword('CMD');
    expect(execForm(entrypoint!)).toEqual(['node', '/opt/mlserver-ts/dist/server/cli.js']);
    expect(execForm(cmd!)).toEqual(['start', '/mnt/models']);
    // The entry point is the CLI the build produces (dist/ is copied to /opt/mlserver-ts/dist).
    expect(existsSync(path.join(ROOT, 'dist/server/cli.js'))).toBe(true);
    expect(keyword('COPY').map((c) => [fromFlag(c), ...args(c)])).toContainEqual([
      'build',
      '/opt/mlserver-ts/dist',
      './dist',
    ]);
    expect(args(keyword('STOPSIGNAL')[0]!)).toEqual(['SIGTERM']);
  });

  test('health-check friendly: an exec-form HEALTHCHECK on /v2/health/ready needing no shell or curl', () => {
    const [healthcheck] = keyword('HEALTHCHECK');
    const content = healthcheck!.getArgumentsContent() ?? '';
    const command = execForm({
      getArgumentsContent: () => content.slice(content.indexOf('CMD') + 3),
    } as Instruction);
    expect(command?.[0]).toBe('node');
    expect(command?.join(' ')).toContain('/v2/health/ready');
  });

  test('.dockerignore keeps local builds out but not what the build copies', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    const buildCopies = instructions.filter(
      (i) => i.getKeyword() === 'COPY' && i.getRange().start.line < finalFrom.getRange().start.line,
    );
    const sources = buildCopies.flatMap((c) => args(c).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(path.join(ROOT, source))).toBe(true);
      expect(ignored).not.toContain(source);
    }
  });
});
