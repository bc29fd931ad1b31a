// The review of an infrastructure change: two sets of synthesized templates (a base and a head, one cdk.out folder
// per stage) compared with @aws-cdk/cloudformation-diff, the library behind `cdk diff`, rendered as markdown for a
// pull-request comment. Destructive changes (a stateful resource replaced or removed) fail the run unless allowed.
//
//   node infra/diff/template-diff.mjs --base DIR --head DIR [--title TEXT] [--bundle-changed] [--allow-destructive]
//                                     [--out FILE] [--comment FILE]
//
// DIR holds <stage>/<stack>.template.json. The whole review goes to stdout and --out; --comment gets a copy cut to
// GitHub's comment limit. Exit 0: reviewed; 1: a destructive change not allowed; 2: usage, input or any other failure.
import { readdirSync, readFileSync, writeFileSync, existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

process.env.FORCE_COLOR = '0'; // the library colours its tables for terminals; markdown wants plain text
const { fullDiff, ResourceImpact } = createRequire(import.meta.url)('@aws-cdk/cloudformation-diff');

/** GitHub refuses a comment longer than this. */
export const COMMENT_LIMIT = 65_536;

/**
 * Types whose replacement or removal is destructive: they hold data (the database, files, messages, logs, users, keys
 * and secrets that data is locked with), or an identity others depend on (the network the database lives in, the load
 * balancer's DNS name banks call, a bank's app client id and secret, the NAT's public address partners allow-list).
 */
export const STATEFUL_TYPES = new Set([
  'AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::SQS::Queue',
  'AWS::Cognito::UserPool', 'AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret', 'AWS::DynamoDB::Table',
  'AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::Cognito::UserPoolClient',
  'AWS::EC2::EIP',
]);

/** Types whose every change is a security change, beyond the IAM statements and security-group rules the library reads. */
export const SECURITY_TYPE_PREFIXES = ['AWS::WAFv2::', 'AWS::IAM::OIDCProvider', 'AWS::Cognito::UserPoolClient', 'AWS::KMS::'];

const IGNORED_TYPES = new Set(['AWS::CDK::Metadata']);

const REPLACING = new Set([ResourceImpact.WILL_REPLACE, ResourceImpact.MAY_REPLACE]);
const IMPACT_WORDS = {
  [ResourceImpact.WILL_REPLACE]: 'replaced',
  [ResourceImpact.MAY_REPLACE]: 'may be replaced',
  [ResourceImpact.WILL_DESTROY]: 'destroyed',
  [ResourceImpact.WILL_ORPHAN]: 'removed from the stack (kept, orphaned)',
};

/** The review of one stack: a template pair reduced to what a reviewer reads. */
export function reviewStack(stage, stack, oldTemplate, newTemplate) {
  const diff = fullDiff(oldTemplate ?? {}, newTemplate ?? {});
  const template = newTemplate ?? oldTemplate ?? {};
  const pathOf = (id) => (newTemplate?.Resources?.[id] ?? oldTemplate?.Resources?.[id])?.Metadata?.['aws:cdk:path'] ?? id;
  const added = [];
  const changed = [];
  const removed = [];
  const destructive = [];
  const securityResources = [];
  diff.resources.forEachDifference((id, change) => {
    const type = change.newResourceType ?? change.oldResourceType;
    if (IGNORED_TYPES.has(type) || !change.isDifferent) {
      return;
    }

    const properties = Object.keys(change.propertyUpdates);
    const others = Object.keys(change.otherChanges).filter((name) => name !== 'Metadata');
    const impact = change.changeImpact;
    const entry = { id, type, path: pathOf(id), properties: [...properties, ...others], replaced: REPLACING.has(impact) ? IMPACT_WORDS[impact] : undefined };
    if (change.isAddition) {
      added.push(entry);
    } else if (change.isRemoval) {
      removed.push(entry);
    } else if (entry.properties.length > 0) {
      changed.push(entry);
    } else {
      return; // only its construct metadata moved
    }

    if (STATEFUL_TYPES.has(type) && (REPLACING.has(impact) || change.isRemoval)) {
      destructive.push({ ...entry, impact: IMPACT_WORDS[impact] ?? impact, forcedBy: replacingProperties(change) });
    }

    if (SECURITY_TYPE_PREFIXES.some((prefix) => type.startsWith(prefix))) {
      securityResources.push({ ...entry, how: change.isAddition ? 'added' : change.isRemoval ? 'removed' : `changed: ${entry.properties.join(', ')}` });
    }
  });

  const statements = diff.iamChanges.hasChanges ? table(diff.iamChanges.summarizeStatements(), pathOf) : [];
  const managedPolicies = diff.iamChanges.managedPolicies.hasChanges ? table(diff.iamChanges.summarizeManagedPolicies(), pathOf) : [];
  const securityGroupRules = diff.securityGroupChanges.hasChanges ? table(diff.securityGroupChanges.summarize(), pathOf) : [];
  return {
    stage, stack, description: template.Description, added, changed, removed, destructive,
    security: { widened: diff.permissionsBroadened, statements, managedPolicies, securityGroupRules, resources: securityResources },
    outputs: diff.outputs.differenceCount,
  };
}

/** The properties whose change forces the replacement; a property that only refers to a replaced resource says so. */
function replacingProperties(change) {
  const forcing = Object.entries(change.propertyUpdates)
    .filter(([, update]) => REPLACING.has(update.changeImpact))
    .map(([name, update]) => {
      // The library marks a reference to a resource it replaces as "<id> (replaced)" in the new value.
      const replaced = [...new Set(referencedIds(update.newValue).filter((id) => /\s?\(replaced\)$/.test(id)).map((id) => id.replace(/\s?\(replaced\)$/, '')))];
      return replaced.length > 0 ? `${name} (refers to ${replaced.join(', ')}, which is replaced)` : name;
    });
  if (forcing.length > 0) {
    return forcing;
  }

  return change.isRemoval ? ['removed from the template'] : ['(the library names no single property)'];
}

function referencedIds(value) {
  if (Array.isArray(value)) {
    return value.flatMap(referencedIds);
  }

  if (value && typeof value === 'object') {
    const own = typeof value.Ref === 'string' ? [value.Ref] : Array.isArray(value['Fn::GetAtt']) ? [value['Fn::GetAtt'][0]] : [];
    return [...own, ...Object.values(value).flatMap(referencedIds)];
  }

  return [];
}

/**
 * A table from the library's summaries (header row first): cells without colour codes, and its <c>${LogicalId.Attr}</c>
 * references named by construct path, which is what a reviewer recognises.
 */
function table(rows, pathOf) {
  return rows.map((row) => row.map((cell) => stripVTControlCharacters(String(cell ?? ''))
    .replace(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g, (whole, id, attribute) => {
      const path = pathOf(id);
      return path === id ? whole : `\${${path.replace(/^[^/]+\//, '')}${attribute ?? ''}}`;
    })));
}

/** Every stack of every stage under a base and a head folder, base and head templates side by side. */
export function readPairs(baseDir, headDir) {
  const stages = [...new Set([...subfolders(baseDir), ...subfolders(headDir)])].sort();
  return stages.flatMap((stage) => {
    const stacks = [...new Set([...templates(join(baseDir, stage)), ...templates(join(headDir, stage))])].sort();
    return stacks.map((stack) => ({
      stage, stack,
      base: readTemplate(join(baseDir, stage, `${stack}.template.json`)),
      head: readTemplate(join(headDir, stage, `${stack}.template.json`)),
    }));
  });
}

function subfolders(dir) {
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
}

function templates(dir) {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.template.json')).map((f) => f.slice(0, -'.template.json'.length)) : [];
}

function readTemplate(path) {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

/** The pull-request comment: summary, destructive changes, security changes, then each stack's resources. */
export function render(reviews, { title, bundleChanged, allowDestructive }) {
  const destructive = reviews.flatMap((r) => r.destructive.map((d) => ({ ...d, stage: r.stage, stack: r.stack })));
  const lines = [`## ${title}`, ''];
  if (bundleChanged) {
    lines.push('**API bundle changed: the fleet rolls** (a new golden AMI, then a rolling replacement of every instance).', '');
  }

  const anyChange = reviews.some((r) => r.added.length + r.changed.length + r.removed.length + r.outputs > 0);
  if (!anyChange) {
    lines.push(bundleChanged ? 'No other infrastructure change.' : 'No infrastructure change.');
    return lines.join('\n') + '\n';
  }

  lines.push('| Stage | Stack | Added | Changed | Removed | Destructive | Security |', '|---|---|---|---|---|---|---|');
  for (const r of reviews) {
    const security = hasSecurityChange(r) ? (r.security.widened ? 'widened' : 'changed') : '';
    lines.push(`| ${r.stage} | ${r.stack} | ${r.added.length} | ${r.changed.length} | ${r.removed.length} | ${r.destructive.length || ''} | ${security} |`);
  }

  lines.push('', '### Destructive changes', '');
  if (destructive.length === 0) {
    lines.push('None: no stateful resource is replaced or removed.');
  } else {
    lines.push(allowDestructive
      ? 'Allowed for this run (ALLOW_DESTRUCTIVE=1, or the pull request\'s label). These resources hold data or an identity others depend on:'
      : '**These fail the check.** These resources hold data or an identity others depend on, which a replacement or removal loses. Allow them with ALLOW_DESTRUCTIVE=1 (in CI, the pull request\'s `allow-destructive` label) once a migration plan exists:');
    lines.push('', '| Stage | Resource | Type | Impact | Forced by |', '|---|---|---|---|---|');
    for (const d of destructive) {
      lines.push(`| ${d.stage} | \`${d.path}\` | ${d.type} | ${d.impact} | ${d.forcedBy.map(cell).join('<br>')} |`);
    }
  }

  lines.push('', '### Security changes', '');
  const withSecurity = reviews.filter(hasSecurityChange);
  if (withSecurity.length === 0) {
    lines.push('None.');
  }

  for (const r of withSecurity) {
    lines.push(`#### ${r.stage} · ${r.stack}${r.security.widened ? ' (widens access: review each `+` line)' : ''}`, '');
    for (const [name, rows] of [['IAM statements', r.security.statements], ['Managed policies', r.security.managedPolicies], ['Security group rules', r.security.securityGroupRules]]) {
      if (rows.length > 1) {
        lines.push(`${name}:`, '', ...markdownTable(rows), '');
      }
    }

    if (r.security.resources.length > 0) {
      lines.push('Security resources:', '', ...r.security.resources.map((s) => `- \`${s.path}\` (${s.type}) ${s.how}`), '');
    }
  }

  lines.push('', '### Resources', '');
  for (const r of reviews) {
    const count = r.added.length + r.changed.length + r.removed.length;
    lines.push(`<details><summary>${r.stage} · ${r.stack}: ${count === 0 ? 'no change' : `${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed`}${r.outputs ? `, ${r.outputs} output(s) changed` : ''}</summary>`, '');
    for (const [sign, entries] of [['+', r.added], ['~', r.changed], ['-', r.removed]]) {
      for (const e of entries) {
        lines.push(`- ${sign} \`${e.path}\` ${e.type}${sign === '~' ? `: ${e.properties.join(', ')}` : ''}${e.replaced ? ` (**${e.replaced}**)` : ''}`);
      }
    }

    lines.push('', '</details>', '');
  }

  return lines.join('\n');
}

function hasSecurityChange(r) {
  return r.security.statements.length > 1 || r.security.managedPolicies.length > 1 || r.security.securityGroupRules.length > 1
    || r.security.resources.length > 0;
}

function markdownTable(rows) {
  const [header, ...body] = rows;
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((row) => `| ${row.map(cell).join(' | ')} |`)];
}

function cell(text) {
  return String(text).replaceAll('|', '\\|').replaceAll('\n', '<br>');
}

/** The comment cut to GitHub's limit at a line boundary, saying how much was cut and where the rest is. */
export function trim(markdown, limit = COMMENT_LIMIT) {
  if (markdown.length <= limit) {
    return markdown;
  }

  const note = (cut) => `\n\n> **Cut:** the last ${cut} characters did not fit GitHub's ${limit.toLocaleString('en')}-character comment limit. The whole diff is on the run's page and in its infra-diff artifact.\n`;
  let keep = markdown.lastIndexOf('\n', limit - note(markdown.length).length);
  keep = keep < 0 ? 0 : keep;
  return markdown.slice(0, keep) + note(markdown.length - keep);
}

function main() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' }, head: { type: 'string' }, title: { type: 'string', default: 'Infrastructure diff' },
      'bundle-changed': { type: 'boolean', default: false }, 'allow-destructive': { type: 'boolean', default: false },
      out: { type: 'string' }, comment: { type: 'string' },
    },
  });
  if (!values.base || !values.head) {
    console.error('usage: template-diff.mjs --base DIR --head DIR [--title TEXT] [--bundle-changed] [--allow-destructive] [--out FILE]');
    return 2;
  }

  const reviews = readPairs(values.base, values.head).map((p) => reviewStack(p.stage, p.stack, p.base, p.head));
  if (reviews.length === 0) {
    console.error(`template-diff: no templates under ${values.base} or ${values.head}`);
    return 2;
  }

  const options = { title: values.title, bundleChanged: values['bundle-changed'], allowDestructive: values['allow-destructive'] };
  const markdown = render(reviews, options);
  process.stdout.write(markdown);
  if (values.out) {
    writeFileSync(values.out, markdown);
  }

  if (values.comment) {
    writeFileSync(values.comment, trim(markdown));
  }

  const destructive = reviews.reduce((n, r) => n + r.destructive.length, 0);
  if (destructive > 0 && !options.allowDestructive) {
    console.error(`template-diff: ${destructive} destructive change(s); set ALLOW_DESTRUCTIVE=1 to accept them.`);
    return 1;
  }

  return 0;
}

// Run as a program (not imported by the tests): compared as real paths, so symlinks and spaces do not matter.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  try {
    process.exitCode = main();
  } catch (error) {
    console.error(`template-diff: ${error.stack ?? error}`);
    process.exitCode = 2; // never 1, which means "destructive"
  }
}
