/**
 * flytekit's `ImageSpec.id` (the `_F_IMG_ID` a flytekit image carries, compared by `is_container()`): the same
 * dict as the tag before paths become digests. Expected values computed with CPython from flytekit's
 * definition: urlsafe_b64encode(md5(str(asdict(spec, non-None, without pip_secret_mounts/builder/
 * runtime_packages)))).rstrip("=").
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planImages } from '../../src/hash/index.js';
import { renderBuild } from '../../src/render/index.js';
import { loadSpecFile } from '../../src/spec/index.js';

async function plan(files: Record<string, string>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'imagespec-id-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return planImages(await loadSpecFile(path.join(dir, 'imagespec.yaml')), { flavor: 'flyte' });
}

describe("flytekit's image id", () => {
  it('equals the tag when no path is hashed', async () => {
    const [p] = await plan({ 'imagespec.yaml': 'name: minimal\n' });
    expect(p?.imageId).toBe('Nb74Q4VUBdWWyIXIQbjL8Q');
    expect(p?.tag).toBe('Nb74Q4VUBdWWyIXIQbjL8Q');
  });

  it('hashes the requirements path as written, where the tag hashes the file', async () => {
    const [p] = await plan({
      'imagespec.yaml':
        'name: reqs\npython_version: "3.11"\nrequirements: requirements.txt\npip_secret_mounts: [[.netrc, /root/.netrc]]\n',
      'requirements.txt': 'pandas==2.2.3\nnumpy\n\n',
    });
    expect(p?.imageId).toBe('G0-La5sMs-oGY-k9ryhyxQ');
    expect(p?.tag).toBe('oIxVXEoofbfPGaWeUKJzVQ');
  });

  it("embeds a parent image's fields, keeps registry_config, and is the image's _F_IMG_ID", async () => {
    const planned = await plan({
      'imagespec.yaml': [
        'images:',
        '  base:',
        '    registry: localhost:30000',
        '    apt_packages: [git]',
        '  child:',
        '    registry: localhost:30000',
        '    packages: [numpy]',
        '    base_image: base',
        '    registry_config: cfg.json',
        '',
      ].join('\n'),
    });
    expect(planned.map((p) => p.imageId)).toEqual(['sdxK3PLFn0YRUOwU9P_SkQ', 'FgApb3Eha25hYHO-ATxAjw']);
    const ctx = await renderBuild(planned[1]!);
    expect(ctx.dockerfile).toContain('ENV _F_IMG_ID="FgApb3Eha25hYHO-ATxAjw"');
  });
});
