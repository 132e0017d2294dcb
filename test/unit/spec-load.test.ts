/** The typed images loadSpecFile returns: raw values for hashing, defaults, resolved paths, build order. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { checkSpecFile, loadSpecFile, toAnnotations } from '../../src/spec/index.js';

const VALID = resolve(import.meta.dirname, '../fixtures/spec/valid');
const tmp = await mkdtemp(join(tmpdir(), 'imagespec-spec-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('loadSpecFile', () => {
  it('keeps every flytekit field as flytekit receives it, in file order, and applies defaults in the typed view', async () => {
    // Every field: cuda and cudnn are accepted for tags only (a build refuses them), so the hash mode.
    const spec = await loadSpecFile(join(VALID, 'flytekit-all-fields.yaml'), { mode: 'hash' });
    const [img] = spec.images;
    expect(img).toBeDefined();
    expect([...img!.raw.keys()]).toEqual([
      'name',
      'python_version',
      'builder',
      'source_root',
      'env',
      'registry',
      'packages',
      'conda_packages',
      'conda_channels',
      'requirements',
      'apt_packages',
      'cuda',
      'cudnn',
      'base_image',
      'platform',
      'pip_index',
      'pip_extra_index_url',
      'pip_secret_mounts',
      'pip_extra_args',
      'registry_config',
      'entrypoint',
      'commands',
      'tag_format',
      'source_copy_mode',
      'copy',
      'python_exec',
      'runtime_packages',
      'builder_options',
      'builder_config',
    ]);
    expect(img!.raw.get('builder_options')).toEqual({
      type: 'dict',
      entries: [
        ['cache', true],
        ['level', 3n],
      ],
    });
    expect(img!.raw.get('pip_secret_mounts')).toEqual([['.netrc', '/root/.netrc']]);
    expect(img!.raw.get('entrypoint')).toEqual([]);
    expect(img!.id).toBe('flyte-app');
    expect(img!.requirements).toBe(join(VALID, 'requirements.txt'));
    expect(img!.source_root).toBe(join(VALID, 'src'));
    expect(img!.pip_secret_mounts).toEqual([[join(VALID, '.netrc'), '/root/.netrc']]);
    expect(img!.copy).toEqual(['data/config.json']);
    expect(img!.env).toEqual({ LOG_LEVEL: 'info', MODE: '0755' });
    expect(img!.platform).toBe('linux/amd64,linux/arm64');
    expect(img!.python_installer).toBe('uv');
    expect(img!.entrypoint).toEqual([]);
    expect(img!.pos('packages[1]')).toMatchObject({ line: 12, col: 5 });
  });

  it('lowercases name and registry in the typed view but keeps them as written in raw', async () => {
    const [img] = (await loadSpecFile(join(VALID, 'uppercase-name.yaml'))).images;
    expect(img!.name).toBe('my_app');
    expect(img!.registry).toBe('localhost:5000/team');
    expect(img!.raw.get('name')).toBe('My_App');
    expect(img!.raw.get('registry')).toBe('Localhost:5000/Team');
  });

  it('orders the images of a file parents first and links sibling base images', async () => {
    const spec = await loadSpecFile(join(VALID, 'multi-image.yaml'));
    expect(spec.images.map((i) => i.id)).toEqual(['base', 'app', 'worker']);
    const [base, app, worker] = spec.images;
    expect(base!.base_image_of).toBeUndefined();
    expect(app!.base_image_of).toBe('base');
    expect(app!.base_image).toBeUndefined();
    expect(worker!.base_image_of).toBe('app');
    expect(worker!.name).toBe('worker');
    expect([...worker!.raw.entries()]).toEqual([
      ['name', 'worker'],
      ['base_image', 'app'],
      ['packages', ['celery']],
    ]);
    expect(app!.pos('packages')).toMatchObject({ line: 8, col: 15 });
  });

  it('applies merge keys so both images see the shared fields', async () => {
    const spec = await loadSpecFile(join(VALID, 'anchors-merge.yaml'));
    const two = spec.images.find((i) => i.id === 'two')!;
    expect(two.python_version).toBe('3.11');
    expect(two.env).toEqual({ A: '1', B: '3', C: '4' });
    expect([...two.raw.keys()]).toEqual(['name', 'python_version', 'env']);
  });

  it('resolves the Dockerfile build fields', async () => {
    const [img] = (await loadSpecFile(join(VALID, 'zenml-dockerfile.yaml'))).images;
    expect(img!.dockerfile).toBe(join(VALID, 'docker/Dockerfile'));
    expect(img!.build_context).toBe(VALID);
    expect(img!.build_args).toEqual({ ENV_VAR: 'value' });
    expect(img!.target).toBe('final');
    expect(img!.dockerignore).toBe(join(VALID, 'docker/app.dockerignore'));
    expect(img!.labels).toEqual({ 'org.opencontainers.image.source': 'https://example.com/repo' });
    expect(img!.raw.has('dockerfile')).toBe(false);
  });

  it('reads secrets and the installer choice', async () => {
    const [img] = (await loadSpecFile(join(VALID, 'secrets.yaml'))).images;
    expect(img!.python_installer).toBe('pip');
    expect(img!.secrets).toEqual([
      { id: 'netrc', src: join(VALID, 'data/config.json'), target: '/root/.netrc' },
      { id: 'token', env: 'GITHUB_TOKEN' },
    ]);
  });

  it('defaults source_copy_mode to loaded_modules with source_root, as flytekit does', async () => {
    const [img] = (await loadSpecFile(join(VALID, 'source-root.yaml'))).images;
    expect(img!.source_copy_mode).toBe('loaded_modules');
    expect(img!.raw.has('source_copy_mode')).toBe(false);
  });

  it('keeps None values in raw and treats them as absent in the typed view', async () => {
    const [img] = (await loadSpecFile(join(VALID, 'nulls.yaml'))).images;
    expect(img!.raw.get('packages')).toBeNull();
    expect(img!.raw.get('python_version')).toBeNull();
    expect(img!.packages).toEqual([]);
    expect(img!.python_version).toBeUndefined();
  });

  it('reports a missing file, a directory and an unknown command option without a stack trace', async () => {
    await expect(loadSpecFile(join(tmp, 'nope.yaml'))).rejects.toBeInstanceOf(UserError);
    const missing = await checkSpecFile(join(tmp, 'nope.yaml'));
    expect(missing.diagnostics).toEqual([
      {
        file: join(tmp, 'nope.yaml'),
        line: 1,
        col: 1,
        path: '',
        message:
          'cannot read the spec file: no such file; check the path (relative paths are relative to the current directory)',
      },
    ]);
    const dir = await checkSpecFile(tmp);
    expect(dir.diagnostics[0]?.message).toBe(
      'cannot read the spec file: it is a directory; give the path of the YAML spec file inside it',
    );
  });

  it('uses the spec directory as the root outside a git repository', async () => {
    const file = join(tmp, 'spec.yaml');
    await writeFile(file, 'name: outside\n');
    const spec = await loadSpecFile(file);
    expect(spec.images[0]!.root).toBe(tmp);
  });
});

describe('annotations', () => {
  it('turns diagnostics into core.error properties relative to the workspace', () => {
    const d = {
      file: '/ws/specs/app.yaml',
      line: 3,
      col: 7,
      path: 'packages',
      message: 'packages must be a list',
    };
    expect(toAnnotations([d], '/ws')).toEqual([
      {
        message: 'packages must be a list',
        properties: { title: 'Invalid image spec', file: 'specs/app.yaml', startLine: 3, startColumn: 7 },
      },
    ]);
  });
});
