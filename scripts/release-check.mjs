// Release checks, run by .github/workflows/release.yml and locally as a dry run (see docs/releasing.md).
//
//   node scripts/release-check.mjs changelog
//       package.json (and package-lock.json) carry a version that CHANGELOG.md describes: a section
//       `## [X.Y.Z] - YYYY-MM-DD`, or, for a pre-release version such as 1.1.0-dev, the `## [Unreleased]` section.
//       Also checks the changelog's shape. Part of `npm run lint`.
//
//   node scripts/release-check.mjs dist
//       dist/, deleted and rebuilt with `npm run build`, is byte-identical to the committed one (a committed file
//       the build no longer makes counts as a difference). Run by .github/workflows/check-dist.yml.
//
//   node scripts/release-check.mjs tag vX.Y.Z [--branch REF] [--notes-file FILE]
//       Everything the release workflow checks before publishing the tag checked out at HEAD: the tag names
//       HEAD, the work tree is clean, package.json's version is X.Y.Z, the changelog has a dated section for it,
//       HEAD is on REF (the release workflow passes origin/main), and dist/ is byte-identical after
//       `npm run build`. Prints what the workflow would then do (release, prerelease, moving the major tag vX),
//       writes the release notes (the changelog section) to FILE, and, under GitHub Actions, the same as step
//       outputs. Changes nothing but dist/, and that only when dist/ was not what the build produces.
//
// Exit status 0 when every check passes, 1 otherwise; every failure is one line saying what to fix.
//
// The changelog is read by the small parser below rather than by the keep-a-changelog package: the checks need
// the line of each problem, and the release notes are the section's text exactly as written, where that package
// re-renders what it parsed and reports no positions.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import semver from 'semver';

const CHANGELOG = 'CHANGELOG.md';
const HEADING = /^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?( \[YANKED\])?\s*$/;
const LINK_DEFINITION = /^\[([^\]]+)\]: \S+$/;
const TAG = /^v(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

/**
 * Reads a Keep a Changelog file: its `## [...]` sections and link definitions.
 * @param {string} text
 */
function parseChangelog(text) {
  const lines = text.split('\n');
  /** @type {{ name: string, date?: string, line: number, body: string[] }[]} */
  const sections = [];
  /** @type {Set<string>} */
  const links = new Set();
  /** @type {string[]} */
  const problems = [];
  lines.forEach((line, i) => {
    const where = `${CHANGELOG}:${i + 1}`;
    const link = LINK_DEFINITION.exec(line);
    if (link) {
      links.add(link[1].toLowerCase());
      return;
    }
    if (line.startsWith('## ')) {
      const m = HEADING.exec(line);
      if (!m) {
        problems.push(
          `${where}: a section heading is "## [X.Y.Z] - YYYY-MM-DD" or "## [Unreleased]", not "${line}"`,
        );
        return;
      }
      const [, name, date] = m;
      if (name !== 'Unreleased' && !semver.valid(name)) {
        problems.push(`${where}: "${name}" is not a version (X.Y.Z, optionally -prerelease)`);
      } else if (name !== 'Unreleased' && !date) {
        problems.push(`${where}: the ${name} section has no release date; write "## [${name}] - YYYY-MM-DD"`);
      } else if (name === 'Unreleased' && date) {
        problems.push(`${where}: the Unreleased section has no date`);
      }
      if (sections.some((s) => s.name === name)) problems.push(`${where}: a second section for ${name}`);
      if (name === 'Unreleased' && sections.length > 0) {
        problems.push(`${where}: the Unreleased section comes before every released version`);
      }
      sections.push({ name, date, line: i + 1, body: [] });
      return;
    }
    sections.at(-1)?.body.push(line);
  });
  for (const s of sections) {
    if (!links.has(s.name.toLowerCase())) {
      problems.push(
        `${CHANGELOG}:${s.line}: no link for [${s.name}]; add "[${s.name}]: <compare or release URL>" at the end`,
      );
    }
  }
  return {
    problems,
    sections: sections.map((s) => ({ ...s, body: s.body.join('\n').trim() })),
  };
}

/** package.json and package-lock.json versions; problems when they disagree. */
function packageVersion() {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  const problems = [];
  if (!semver.valid(pkg.version)) problems.push(`package.json: version "${pkg.version}" is not X.Y.Z`);
  for (const [where, v] of [
    ['package-lock.json', lock.version],
    ['package-lock.json packages[""]', lock.packages?.['']?.version],
  ]) {
    if (v !== pkg.version) {
      problems.push(`${where}: version ${v} differs from package.json's ${pkg.version}; run npm install`);
    }
  }
  return { version: String(pkg.version), problems };
}

/** The CI check: the package version is described by the changelog. */
function checkChangelog() {
  const { version, problems } = packageVersion();
  const changelog = parseChangelog(readFileSync(CHANGELOG, 'utf8'));
  problems.push(...changelog.problems);
  const own = changelog.sections.find((s) => s.name === version);
  const unreleased = changelog.sections.find((s) => s.name === 'Unreleased');
  if (!own) {
    if (!semver.prerelease(version)) {
      problems.push(
        `${CHANGELOG}: no section for package.json's version ${version}; add "## [${version}] - YYYY-MM-DD", ` +
          `or between releases set a pre-release version (${semver.inc(version, 'patch')}-dev) and use ## [Unreleased]`,
      );
    } else if (!unreleased) {
      problems.push(
        `${CHANGELOG}: package.json's pre-release version ${version} needs a "## [Unreleased]" section (or its own)`,
      );
    }
  }
  // A pre-release version described by Unreleased is the next version: above every stable release.
  const released = changelog.sections.filter((s) => semver.valid(s.name) && !semver.prerelease(s.name));
  const newest = released.reduce((a, s) => (a && semver.gte(a.name, s.name) ? a : s), undefined);
  if (!own && newest && semver.prerelease(version) && semver.gte(newest.name, version)) {
    problems.push(
      `package.json: version ${version} is not above the released ${newest.name} (${CHANGELOG}:${newest.line})`,
    );
  }
  return problems;
}

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
}

function gitOk(...args) {
  return spawnSync('git', args, { stdio: 'ignore' }).status === 0;
}

/**
 * Rebuilds dist/ from scratch and compares it with the committed one; problems name the files that differ.
 * @param {string} what which commit, for the message
 * @param {string} then what to do after committing dist/
 */
function checkDist(what, then) {
  // From an empty dist/, so a committed file the build no longer makes shows up as deleted.
  rmSync('dist', { recursive: true, force: true });
  const build = spawnSync('npm', ['run', 'build'], { encoding: 'utf8' });
  if (build.status !== 0) return [`npm run build failed:\n${build.stdout}${build.stderr}`];
  const changed = git('status', '--porcelain', '--untracked-files=all', '--', 'dist');
  if (!changed) return [];
  return [
    `dist/ differs from what npm run build makes ${what}; run npm run build, commit dist/ ${then}:\n${changed}`,
  ];
}

/**
 * The release checks for a tag at HEAD.
 * @param {string} tag
 * @param {{ branch?: string }} options
 */
function checkTag(tag, options) {
  /** @type {string[]} */
  const problems = [];
  const m = TAG.exec(tag);
  if (!m) return { problems: [`tag ${tag}: a release tag is vX.Y.Z or vX.Y.Z-prerelease`] };
  const version = tag.slice(1);
  const major = `v${m[1]}`;
  const prerelease = semver.prerelease(version) !== null;

  const head = git('rev-parse', 'HEAD');
  if (!gitOk('rev-parse', '--verify', '--quiet', `refs/tags/${tag}`)) {
    problems.push(`tag ${tag} does not exist; create it on the release commit: git tag -a ${tag} -m ${tag}`);
  } else if (git('rev-parse', `refs/tags/${tag}^{commit}`) !== head) {
    problems.push(`tag ${tag} is not HEAD; check out the tagged commit (git checkout ${tag})`);
  }
  const dirty = git('status', '--porcelain');
  if (dirty) problems.push(`the work tree has changes; release from a clean checkout:\n${dirty}`);
  if (options.branch && !gitOk('merge-base', '--is-ancestor', head, options.branch)) {
    problems.push(`${tag} is not on ${options.branch}; releases are tagged on commits of that branch`);
  }

  const pkg = packageVersion();
  problems.push(...pkg.problems);
  if (pkg.version !== version) {
    problems.push(
      `package.json: version is ${pkg.version}, the tag says ${version}; set it with npm version`,
    );
  }
  const changelog = parseChangelog(readFileSync(CHANGELOG, 'utf8'));
  problems.push(...changelog.problems);
  const section = changelog.sections.find((s) => s.name === version);
  if (!section) {
    problems.push(
      `${CHANGELOG}: no "## [${version}] - YYYY-MM-DD" section; move the Unreleased entries under it`,
    );
  } else if (!section.body) {
    problems.push(`${CHANGELOG}:${section.line}: the ${version} section is empty; say what changed`);
  }

  // dist/ must be exactly what the build makes from this commit: the action runs dist/, not src/.
  if (!dirty) problems.push(...checkDist(`of ${tag}`, 'and tag again'));

  // The major tag follows the highest stable release of its major version: a fix released for an older minor
  // line does not move it back.
  const sameMajor = git('tag', '--list', `${major}.*`)
    .split('\n')
    .filter((t) => TAG.test(t) && !semver.prerelease(t.slice(1)))
    .map((t) => t.slice(1));
  const newest = semver.maxSatisfying([...sameMajor, version], '*');
  const moveMajor = !prerelease && newest === version;
  return { problems, version, major, prerelease, moveMajor, head, notes: section?.body ?? '' };
}

function githubOutput(values) {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) return;
  for (const [key, value] of Object.entries(values)) {
    const delimiter = `EOF_${randomUUID()}`;
    appendFileSync(file, `${key}<<${delimiter}\n${value}\n${delimiter}\n`);
  }
}

function fail(problems) {
  for (const p of problems) console.error(`release-check: ${p}`);
  process.exit(1);
}

function main(argv) {
  const [command, ...rest] = argv;
  if (command === 'changelog' && rest.length === 0) {
    const problems = checkChangelog();
    if (problems.length > 0) fail(problems);
    console.log(`release-check: CHANGELOG.md describes version ${packageVersion().version}`);
    return;
  }
  if (command === 'dist' && rest.length === 0) {
    const problems = checkDist('of this commit', 'and push');
    if (problems.length > 0) fail(problems);
    console.log('release-check: dist/ is what npm run build makes');
    return;
  }
  if (command === 'tag' && rest.length >= 1) {
    const [tag, ...flags] = rest;
    /** @type {{ branch?: string, notesFile?: string }} */
    const options = {};
    for (let i = 0; i < flags.length; i += 2) {
      const value = flags[i + 1];
      if (flags[i] === '--branch' && value) options.branch = value;
      else if (flags[i] === '--notes-file' && value) options.notesFile = value;
      else fail([`unknown option ${flags[i]}`]);
    }
    const result = checkTag(tag, options);
    if (result.problems.length > 0) fail(result.problems);
    if (options.notesFile) writeFileSync(options.notesFile, `${result.notes}\n`);
    githubOutput({
      version: result.version,
      major: result.major,
      prerelease: String(result.prerelease),
      'move-major': String(result.moveMajor),
      commit: result.head,
      notes: result.notes,
    });
    console.log(`release-check: ${tag} passed every check`);
    console.log(
      `release-check: the workflow creates the GitHub release ${tag}${result.prerelease ? ' (pre-release)' : ''} ` +
        `with the CHANGELOG.md ${result.version} section as notes`,
    );
    console.log(
      result.moveMajor
        ? `release-check: and moves ${result.major} to ${result.head}`
        : `release-check: and leaves ${result.major} where it is (${result.prerelease ? 'pre-release' : 'a newer ' + result.major + ' release exists'})`,
    );
    return;
  }
  fail(['usage: release-check.mjs changelog | dist | tag vX.Y.Z [--branch REF] [--notes-file FILE]']);
}

main(process.argv.slice(2));
