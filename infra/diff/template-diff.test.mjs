// node --test infra/diff: the review of template pairs, on small templates whose CloudFormation behaviour is documented
// (which property change replaces a resource comes from the library's copy of the CloudFormation resource spec).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reviewStack, render, trim, COMMENT_LIMIT } from './template-diff.mjs';

const template = (resources) => ({ Resources: resources });
const queue = (props = {}, extra = {}) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: 'events-harb.fifo', FifoQueue: true, ...props }, ...extra });
const options = { title: 'Infrastructure diff', bundleChanged: false, allowDestructive: false };

test('identical templates: no change, nothing destructive, no security change', () => {
  const same = template({ Events: queue() });
  const review = reviewStack('dev', 'Loyalty-dev', same, structuredClone(same));

  assert.deepEqual([review.added, review.changed, review.removed, review.destructive], [[], [], [], []]);
  assert.match(render([review], options), /No infrastructure change\./);
});

test('a queue renamed is replaced: destructive, naming the property that forces it', () => {
  const review = reviewStack('prod', 'Loyalty-prod', template({ Events: queue() }), template({ Events: queue({ QueueName: 'events-harbour.fifo' }) }));

  assert.equal(review.destructive.length, 1);
  assert.deepEqual([review.destructive[0].impact, review.destructive[0].forcedBy], ['replaced', ['QueueName']]);
  assert.match(render([review], options), /\| prod \| `Events` \| AWS::SQS::Queue \| replaced \| QueueName \|/);
});

test('a stateful resource removed is destroyed, or orphaned when its deletion policy retains it', () => {
  const destroyed = reviewStack('dev', 'Loyalty-dev', template({ Events: queue() }), template({}));
  const orphaned = reviewStack('dev', 'Loyalty-dev', template({ Events: queue({}, { DeletionPolicy: 'Retain' }) }), template({}));

  assert.equal(destroyed.destructive[0].impact, 'destroyed');
  assert.equal(orphaned.destructive[0].impact, 'removed from the stack (kept, orphaned)');
});

test('a change in place to a stateful resource is not destructive', () => {
  const review = reviewStack('dev', 'Loyalty-dev', template({ Events: queue({ VisibilityTimeout: 30 }) }), template({ Events: queue({ VisibilityTimeout: 60 }) }));

  assert.deepEqual([review.changed.map((c) => c.properties), review.destructive], [[['VisibilityTimeout']], []]);
});

test('a resource that refers to a replaced one is named with the reason', () => {
  const subnetGroup = (name) => ({ Type: 'AWS::RDS::DBSubnetGroup', Properties: { DBSubnetGroupName: name, DBSubnetGroupDescription: 'db', SubnetIds: ['subnet-1', 'subnet-2'] } });
  const database = { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.t4g.micro', Engine: 'mariadb', DBSubnetGroupName: { Ref: 'SubnetGroup' } } };
  const review = reviewStack('prod', 'Loyalty-prod',
    template({ SubnetGroup: subnetGroup('loyalty-db'), Database: database }),
    template({ SubnetGroup: subnetGroup('loyalty-db-2'), Database: structuredClone(database) }));

  const replaced = review.destructive.find((d) => d.id === 'Database');
  assert.ok(replaced, 'the database is replaced with its subnet group');
  assert.deepEqual(replaced.forcedBy, ['DBSubnetGroupName (refers to SubnetGroup, which is replaced)']);
});

test('an opened port is a security change that widens access, with the peer it opens to', () => {
  const group = (ingress) => ({ Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'bastion', SecurityGroupIngress: ingress }, Metadata: { 'aws:cdk:path': 'Loyalty-dev/Bastion/SecurityGroup/Resource' } });
  const ssh = (cidr) => ({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: cidr });
  const review = reviewStack('dev', 'Loyalty-dev', template({ Bastion: group([ssh('203.0.113.0/24')]) }), template({ Bastion: group([ssh('203.0.113.0/24'), ssh('198.51.100.0/24')]) }));

  assert.equal(review.security.widened, true);
  const markdown = render([review], options);
  assert.match(markdown, /### Security changes[\s\S]*\| \+ \| \$\{Bastion\/SecurityGroup\/Resource\.GroupId\} \| In \| TCP 22 \| 198\.51\.100\.0\/24 \|/);
});

test('a statement added to a bucket policy is listed with its principal and actions', () => {
  const policy = (statements) => ({ Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: 'files', PolicyDocument: { Version: '2012-10-17', Statement: statements } } });
  const read = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::310000000001:role/harbourline' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::files/*' };
  const review = reviewStack('dev', 'Loyalty-dev', template({ Policy: policy([]) }), template({ Policy: policy([read]) }));

  const [header, row] = review.security.statements;
  assert.deepEqual(header, ['', 'Resource', 'Effect', 'Action', 'Principal', 'Condition']);
  assert.deepEqual(row.slice(0, 5), ['+', 'arn:aws:s3:::files/*', 'Allow', 's3:GetObject', 'AWS:arn:aws:iam::310000000001:role/harbourline']);
});

test('a web ACL change is a security change', () => {
  const acl = (limit) => ({ Type: 'AWS::WAFv2::WebACL', Properties: { Scope: 'REGIONAL', DefaultAction: { Allow: {} }, Rules: [{ Name: 'rate', Statement: { RateBasedStatement: { Limit: limit } } }] } });
  const review = reviewStack('prod', 'Loyalty-prod', template({ Acl: acl(2000) }), template({ Acl: acl(20000) }));

  assert.deepEqual(review.security.resources.map((r) => r.how), ['changed: Rules']);
  assert.match(render([review], options), /Security resources:\n\n- `Acl` \(AWS::WAFv2::WebACL\) changed: Rules/);
});

test('a new API bundle is one line, and destructive changes say how to allow them', () => {
  const review = reviewStack('dev', 'Loyalty-dev', template({ Events: queue() }), template({}));

  assert.match(render([review], { ...options, bundleChanged: true }), /\*\*API bundle changed: the fleet rolls\*\*/);
  assert.match(render([review], options), /These fail the check/);
  assert.match(render([review], { ...options, allowDestructive: true }), /Allowed for this run/);
});

test('a comment over GitHub\'s limit is cut at a line, within the limit, saying what was cut', () => {
  const long = Array.from({ length: 5000 }, (_, i) => `- ~ \`Loyalty-dev/Resource${i}\` AWS::EC2::Route: RouteTableId`).join('\n');
  const cut = trim(`## Infrastructure diff\n\n${long}\n`);

  assert.ok(cut.length <= COMMENT_LIMIT, `${cut.length} characters`);
  assert.ok(cut.startsWith('## Infrastructure diff\n'));
  assert.match(cut, /> \*\*Cut:\*\* the last \d+ characters did not fit GitHub's 65,536-character comment limit/);
  assert.equal(trim('short\n'), 'short\n');
});
