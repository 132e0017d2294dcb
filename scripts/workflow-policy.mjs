// Hardening rules for GitHub Actions workflow files, checked by `npm run lint` (scripts/lint-workflows.mjs)
// and by the unit tests. actionlint checks that a workflow is valid; these rules check that it is safe to run:
//
// - permissions: the workflow has a top-level `permissions:` block (jobs may widen it), and no block grants
//   `write-all`. A workflow without one runs with the repository's default token scopes, which may be write.
// - pin: every `uses:` of an action or reusable workflow from another repository names a full 40-hex commit
//   SHA, followed by a `# vX.Y.Z` comment saying which version that is (Dependabot keeps both in step).
//   `docker://` images are pinned by `@sha256:` digest. Local `./` actions and workflows are fine. This
//   repository's own action and reusable workflow may be referenced by major tag (`@v1`): that tag is what
//   users are told to write, and the release workflow moves it only to a checked release.
// - run-expression: no `${{ }}` inside `run:` (or an actions/github-script `script:`). An expression is pasted
//   into the script text before the shell sees it, so a branch name or title can run commands; pass values
//   through `env:` and read "$NAME" instead.
//
// The rules are hand-written over the `yaml` package's node positions because no
// maintained npm package checks exactly these; actionlint has no rule for SHA pinning or missing permissions.
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';

/** owner/name of this repository: its action and reusable workflow may be used by major tag. */
export const OWN_REPOSITORY = 'imagespec-action/imagespec-action';

const SHA = /^[0-9a-f]{40}$/;
const MAJOR_TAG = /^v\d+$/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const VERSION_COMMENT = /^\s+#\s*v?\d+(\.\d+)*\S*/;

/**
 * @param {string} source workflow YAML text
 * @param {string} file name used in the problems
 * @returns {import('./workflow-policy.d.mts').WorkflowProblem[]}
 */
export function checkWorkflow(source, file) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter });
  /** @type {import('./workflow-policy.d.mts').WorkflowProblem[]} */
  const problems = [];
  const report = (rule, node, message, offset) => {
    const pos = lineCounter.linePos(offset ?? node?.range?.[0] ?? 0);
    problems.push({ file, line: pos.line, column: pos.col, rule, message });
  };
  if (doc.errors.length > 0) {
    report('yaml', undefined, doc.errors[0].message, doc.errors[0].pos[0]);
    return problems;
  }
  const root = doc.contents;
  if (!isMap(root)) {
    report('yaml', root, 'a workflow is a YAML mapping with on: and jobs:');
    return problems;
  }

  const permissions = root.get('permissions', true);
  if (permissions === undefined) {
    report(
      'permissions',
      root,
      'no top-level permissions: block; add `permissions: { contents: read }` and grant more only in the jobs that need it',
    );
  }
  checkPermissionsValue(permissions, report);

  const jobs = root.get('jobs', true);
  for (const jobPair of isMap(jobs) ? jobs.items : []) {
    const job = jobPair.value;
    if (!isMap(job)) continue;
    checkPermissionsValue(job.get('permissions', true), report);
    const jobUses = job.get('uses', true);
    if (isScalar(jobUses)) checkUses(jobUses, source, report);
    const steps = job.get('steps', true);
    for (const step of isSeq(steps) ? steps.items : []) {
      if (!isMap(step)) continue;
      const uses = step.get('uses', true);
      if (isScalar(uses)) checkUses(uses, source, report);
      const run = step.get('run', true);
      if (isScalar(run)) checkNoExpression(run, 'run:', source, report);
      const withMap = step.get('with', true);
      if (isScalar(uses) && String(uses.value).startsWith('actions/github-script@') && isMap(withMap)) {
        const script = withMap.get('script', true);
        if (isScalar(script)) checkNoExpression(script, 'an actions/github-script script:', source, report);
      }
    }
  }
  return problems;
}

function checkPermissionsValue(node, report) {
  if (isScalar(node) && node.value === 'write-all') {
    report('permissions', node, 'permissions: write-all grants every scope; list only the scopes needed');
  }
}

function checkUses(node, source, report) {
  const ref = String(node.value);
  if (ref.startsWith('./')) return;
  if (ref.startsWith('docker://')) {
    if (!DIGEST.test(ref)) {
      report('pin', node, `${ref} is not pinned by digest; write docker://IMAGE@sha256:<digest>`);
    }
    return;
  }
  const at = ref.lastIndexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const version = at < 0 ? '' : ref.slice(at + 1);
  const repository = name.split('/').slice(0, 2).join('/');
  if (repository.toLowerCase() === OWN_REPOSITORY && MAJOR_TAG.test(version)) return;
  if (!SHA.test(version)) {
    report(
      'pin',
      node,
      `${ref} is not pinned to a full commit SHA; write ${name}@<40-hex commit SHA> # <version tag>`,
    );
    return;
  }
  const lineEnd = source.indexOf('\n', node.range[1]);
  const rest = source.slice(node.range[1], lineEnd < 0 ? undefined : lineEnd);
  if (!VERSION_COMMENT.test(rest)) {
    report('pin', node, `${ref} has no version comment; add "# vX.Y.Z" naming the release that commit is`);
  }
}

function checkNoExpression(node, where, source, report) {
  if (typeof node.value !== 'string' || !node.value.includes('${{')) return;
  const at = source.indexOf('${{', node.range[0]);
  report(
    'run-expression',
    node,
    `\${{ }} inside ${where} is pasted into the script before it runs; set it in env: (NAME: \${{ … }}) and read "$NAME"`,
    at >= 0 && at < node.range[1] ? at : undefined,
  );
}
