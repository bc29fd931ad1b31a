"""The deploy rehearsal: synthesize a stage, lint it, deploy it through CloudFormation into a fresh local AWS, audit
every resource through its own service, and (optionally) deploy a changed stage value as an update.

    python3 -m rehearsal --stage dev|prod [--bundle PATH] [--no-update] [--keep DIR] [--report PATH]

--keep DIR leaves the emulator running for the local platform (make up): its PID, port, the stack's app settings
and the report go to DIR; scripts/local-aws.sh stops it by that PID.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import audit, emulator, transform

ROOT = Path(__file__).resolve().parents[2]
INFRA_DLL = ROOT / "infra" / "Loyalty.Infra" / "bin" / "Release" / "net10.0" / "Loyalty.Infra.dll"
STACK_TIMEOUT_SECONDS = 600
TEMPLATE_BUCKET = "loyalty-rehearsal-templates"
# What `cdk bootstrap` writes and the template's BootstrapVersion parameter reads.
BOOTSTRAP_PARAMETER, BOOTSTRAP_VERSION = "/cdk-bootstrap/hnb659fds/version", "21"
# The golden AMI's parent (Amazon Linux 2023) as the emulator knows it: the launch template's stand-in image.
PARENT_IMAGE_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
# The update: the fleet may grow by one more instance.
UPDATE_FIELD = ("fleet", "maxSize")


class RehearsalFailed(Exception):
    pass


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def synthesize(stage: str, out: Path, bundle: Path, stage_root: Path | None = None) -> dict[str, Any]:
    """`cdk synth` as a platform engineer runs it; the policy gate runs inside synth and fails it on an error.

    The app is the built assembly (make build), not cdk.json's `dotnet run`: rehearsals running side by side (the
    test suites) must not build the same project at once.
    """
    if not INFRA_DLL.exists():
        raise RehearsalFailed(f"{INFRA_DLL} is missing: build first (make build)")
    if not bundle.exists():
        raise RehearsalFailed(f"no API bundle at {bundle}: run `make publish` first (or pass --bundle)")
    command = ["npx", "--no-install", "cdk", "synth", "-q", "--app", f"dotnet {INFRA_DLL}", "-c", f"stage={stage}",
               "-o", str(out), "-c", f"bundle={bundle}"]
    if stage_root:
        command += ["-c", f"stageRoot={stage_root}"]
    env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RehearsalFailed(f"synth of {stage} failed (policy gate or stage file):\n{result.stderr[-4000:]}{result.stdout[-2000:]}")
    return json.loads((out / f"Loyalty-{stage}.template.json").read_text())


def lint(template: Path) -> None:
    result = subprocess.run(["cfn-lint", "--format", "parseable", "--", str(template)], capture_output=True, text=True)
    if result.returncode != 0 or result.stdout.strip():
        raise RehearsalFailed(f"cfn-lint {template}:\n{result.stdout}{result.stderr}")


def check_emulated_types() -> None:
    """The transform's list of types moto creates must be moto's own list: a moto upgrade cannot make it lie."""
    from moto.cloudformation import parsing  # noqa: F401 - importing it registers every backend's models
    from moto.core.common_models import CloudFormationModel

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    known = set()
    for model in subclasses(CloudFormationModel):
        try:
            known.add(model.cloudformation_type())
        except NotImplementedError:
            pass
    wrong = sorted(transform.EMULATED_TYPES - known)
    if wrong:
        raise RehearsalFailed(f"moto no longer creates {', '.join(wrong)} through CloudFormation: update transform.EMULATED_TYPES")


class Deployment:
    def __init__(self, aws: emulator.Emulator, stage: str, stack: str):
        self.aws = aws
        self.stage = stage
        self.stack = stack
        self.cloudformation = aws.client("cloudformation")

    def prepare(self, domain: str) -> transform.StandIns:
        """What `cdk bootstrap` and the account hold before a first deploy: the bootstrap version, the certificate."""
        ssm = self.aws.client("ssm")
        ssm.put_parameter(Name=BOOTSTRAP_PARAMETER, Value=BOOTSTRAP_VERSION, Type="String", Overwrite=True)
        image = ssm.get_parameter(Name=PARENT_IMAGE_PARAMETER)["Parameter"]["Value"]
        certificate = self.aws.client("acm").request_certificate(DomainName=domain)["CertificateArn"]
        s3 = self.aws.client("s3")
        s3.create_bucket(Bucket=TEMPLATE_BUCKET, CreateBucketConfiguration={"LocationConstraint": self.aws.region})
        return transform.StandIns(self.aws.account, self.aws.region, image, certificate)

    def deploy(self, template: dict[str, Any], update: bool, termination_protection: bool = False) -> dict[str, Any]:
        key = f"{self.stack}-{int(time.time() * 1000)}.json"
        self.aws.client("s3").put_object(Bucket=TEMPLATE_BUCKET, Key=key, Body=json.dumps(template).encode())
        arguments = {"StackName": self.stack, "TemplateURL": f"{self.aws.template_host}/{TEMPLATE_BUCKET}/{key}",
                     "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]}
        try:
            if update:
                self.cloudformation.update_stack(**arguments)
            else:
                # A stack property, not in the template: `cdk deploy` sets it from the assembly's manifest.
                self.cloudformation.create_stack(**arguments, EnableTerminationProtection=termination_protection)
        except (BotoCoreError, ClientError) as e:
            # moto deploys synchronously: a resource it crashes on fails the call itself, its traceback in moto's log.
            raise RehearsalFailed(f"{'update' if update else 'create'}_stack {self.stack}: {str(e)[:500]}\n"
                                  f"moto's log ({self.aws.log}), last lines:\n{self.aws.log_tail()}") from e
        deadline = time.monotonic() + STACK_TIMEOUT_SECONDS
        while True:
            stack = self.cloudformation.describe_stacks(StackName=self.stack)["Stacks"][0]
            if not stack["StackStatus"].endswith("_IN_PROGRESS"):
                break
            if time.monotonic() > deadline:
                raise RehearsalFailed(f"{self.stack} still {stack['StackStatus']} after {STACK_TIMEOUT_SECONDS} s")
            time.sleep(0.5)
        wanted = "UPDATE_COMPLETE" if update else "CREATE_COMPLETE"
        if stack["StackStatus"] != wanted:
            events = self.cloudformation.describe_stack_events(StackName=self.stack)["StackEvents"]
            reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events if "FAILED" in e["ResourceStatus"]]
            raise RehearsalFailed(f"{self.stack}: {stack['StackStatus']} {stack.get('StackStatusReason', '')}\n" + "\n".join(reasons[:20]))
        return stack

    def physical_ids(self) -> dict[str, str]:
        # Only the physical names: whether each exists is asked of its own service (audit.py).
        resources = self.cloudformation.describe_stack_resources(StackName=self.stack)["StackResources"]
        ids = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources}
        # moto names RDS groups <stack>-<logical id>-<random> and reports no physical id for them: found by that name.
        rds = self.aws.client("rds")
        named = [g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]] + \
                [g["DBParameterGroupName"] for g in rds.describe_db_parameter_groups()["DBParameterGroups"]]
        for lid, physical in ids.items():
            if not physical or physical == "None":
                matches = [n for n in named if n.startswith(f"{self.stack}-{lid}-".lower())]
                ids[lid] = matches[0] if len(matches) == 1 else physical
        return ids

    def auditor(self, deployed: dict[str, Any], stack: dict[str, Any]) -> audit.Auditor:
        parameters = {p["ParameterKey"]: p.get("ResolvedValue", p["ParameterValue"]) for p in stack.get("Parameters", [])}
        pseudo = {"AWS::Partition": "aws", "AWS::Region": self.aws.region, "AWS::AccountId": self.aws.account,
                  "AWS::StackName": self.stack, "AWS::URLSuffix": "amazonaws.com", "AWS::StackId": stack["StackId"]}
        return audit.Auditor(self.aws.client, deployed, self.physical_ids(), parameters, pseudo)

    def apply_outside_cloudformation(self, deployed: dict[str, Any], auditor: audit.Auditor) -> list[str]:
        """What the emulator dropped but the local platform needs: the bucket's notifications to the ingest queue."""
        applied = []
        s3 = self.aws.client("s3")
        for lid, resource in deployed["Resources"].items():
            props = resource.get("Properties", {})
            if resource["Type"] != "AWS::S3::Bucket" or "NotificationConfiguration" not in props:
                continue
            bucket = auditor.physical[lid]
            configuration = auditor.resolve(props["NotificationConfiguration"])
            queues = [{"QueueArn": q["Queue"], "Events": [q["Event"]],
                       "Filter": {"Key": {"FilterRules": q.get("Filter", {}).get("S3Key", {}).get("Rules", [])}}}
                      for q in configuration.get("QueueConfigurations", [])]
            current = s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations", [])
            if [q["QueueArn"] for q in current] == [q["QueueArn"] for q in queues]:
                continue
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": queues})
            applied.append(f"{lid}: NotificationConfiguration ({len(queues)} queue notification(s)) on bucket {bucket}")
        return applied

    def app_settings(self) -> dict[str, str]:
        """The API's settings as an instance reads them at boot: every SSM parameter under /loyalty/<stage>/api/."""
        ssm = self.aws.client("ssm")
        path = f"/loyalty/{self.stage}/api/"
        settings = {}
        for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=True):
            for parameter in page["Parameters"]:
                settings[parameter["Name"].removeprefix(path)] = parameter["Value"]
        return settings


def table(findings: list[audit.Finding]) -> str:
    width = max(len(f.logical_id) for f in findings)
    lines = [f"{'resource':<{width}}  {'type':<44}  status        detail"]
    for f in findings:
        detail = "; ".join(f.failures) or (f"dropped: {', '.join(f.dropped)}" if f.dropped else "") or f.note \
            or (f"{len(f.checked)} checks" if f.status == audit.CREATED else "")
        lines.append(f"{f.logical_id:<{width}}  {f.type:<44}  {f.status:<12}  {detail}")
    return "\n".join(lines)


def summary(stage: str, findings: list[audit.Finding]) -> str:
    count = {s: sum(f.status == s for f in findings) for s in (audit.CREATED, audit.PARTIAL, audit.NOT_EMULATED, audit.STUBBED, audit.FAILED)}
    line = (f"rehearsal {stage}: {count[audit.CREATED]} created, {count[audit.PARTIAL]} partial, "
            f"{count[audit.NOT_EMULATED]} not emulated, {count[audit.STUBBED]} stubbed")
    return line + (f", {count[audit.FAILED]} FAILED" if count[audit.FAILED] else "")


def scratch_stage(stage: str, into: Path) -> tuple[int, int]:
    """A copy of stages/ whose <stage>.json has the fleet's max size one higher (JSON with comments, as the app reads it).
    The app reads the other files too: the stages that share the account, and the CI settings."""
    text = (ROOT / "stages" / f"{stage}.json").read_text()
    section, name = UPDATE_FIELD
    opening = re.search(rf'"{section}"\s*:\s*\{{', text)
    closing = text.find("}", opening.end()) if opening else -1
    match = re.compile(rf'"{name}"\s*:\s*(\d+)').search(text, opening.end(), closing) if opening and closing > 0 else None
    if not match:
        raise RehearsalFailed(f"stages/{stage}.json: no {section}.{name} to change for the update")
    old = int(match.group(1))
    shutil.copytree(ROOT / "stages", into / "stages", dirs_exist_ok=True)
    (into / "stages" / f"{stage}.json").write_text(text[:match.start(1)] + str(old + 1) + text[match.end(1):])
    return old, old + 1


def rehearse(stage: str, bundle: Path, update: bool, keep: Path | None, report_path: Path) -> int:
    started = time.monotonic()
    report_path.unlink(missing_ok=True)  # a failed run leaves no earlier report to be mistaken for its own
    work = Path(tempfile.mkdtemp(prefix=f"loyalty-rehearsal-{stage}-"))
    state = keep or work
    aws = None
    kept = False
    try:
        check_emulated_types()
        log(f"rehearsal {stage}: synth (policy gate included)")
        real = synthesize(stage, work / "cdk.out", bundle)
        stage_file = json.loads(_strip_comments((ROOT / "stages" / f"{stage}.json").read_text()))
        log(f"rehearsal {stage}: cfn-lint")
        lint(work / "cdk.out" / f"Loyalty-{stage}.template.json")

        aws = emulator.start(stage_file["account"], stage_file["region"], state / "moto.log")
        log(f"rehearsal {stage}: local AWS on {aws.url} (pid {aws.pid}, account {aws.account})")
        deployment = Deployment(aws, stage, f"Loyalty-{stage}")
        stand_ins = deployment.prepare(stage_file["edge"]["domainName"])
        edition = transform.emulator_edition(real, stand_ins)
        (state / f"emulator-edition-{stage}.json").write_text(json.dumps(edition.template, indent=1))
        log(f"rehearsal {stage}: create-stack ({len(edition.template['Resources'])} of {len(real['Resources'])} resources; "
            f"{len(edition.changes)} changes in the manifest)")
        # Passed as `cdk deploy` passes it; moto only echoes the flag back, so it is reported, not audited.
        protect = _termination_protection(work / "cdk.out", f"Loyalty-{stage}")
        stack = deployment.deploy(edition.template, update=False, termination_protection=protect)
        auditor = deployment.auditor(edition.template, stack)
        findings = auditor.audit(real, edition.manifest())
        applied = deployment.apply_outside_cloudformation(edition.template, auditor)

        updated = None
        if update:
            section, name = UPDATE_FIELD
            old, new = scratch_stage(stage, work / "scratch")
            log(f"rehearsal {stage}: update ({section}.{name} {old} -> {new} in a scratch copy)")
            changed = synthesize(stage, work / "cdk.out.update", bundle, work / "scratch")
            deployment.deploy(transform.emulator_edition(changed, stand_ins).template, update=True)
            group = deployment.physical_ids()[_logical_id_of_type(changed, "AWS::AutoScaling::AutoScalingGroup")]
            seen = aws.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[group])["AutoScalingGroups"][0]["MaxSize"]
            updated = {"field": f"{section}.{name}", "from": old, "to": new, "seen": seen}
            if seen != new:
                findings.append(audit.Finding("update", "AWS::AutoScaling::AutoScalingGroup", audit.FAILED,
                                              failures=[f"MaxSize after the update: {seen}, expected {new}"]))

        line = summary(stage, findings)
        seconds = round(time.monotonic() - started, 1)
        report = {"stage": stage, "summary": line, "seconds": seconds, "endpoint": aws.url,
                  "resources": [f.as_dict() for f in findings], "manifest": edition.manifest(),
                  "appliedOutsideCloudFormation": applied, "update": updated,
                  "stackSettings": {"terminationProtection": protect},
                  "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}}
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(report, indent=1) + "\n")
        print(table(findings))
        for item in applied:
            print(f"applied outside CloudFormation: {item}")
        if updated:
            print(f"update: {updated['field']} {updated['from']} -> {updated['to']}; the group's MaxSize is now {updated['seen']}")
        print(f"manifest: {len(edition.changes)} changes in the emulator edition; report: {report_path} ({seconds} s)")
        print(line)
        failed = any(f.status == audit.FAILED for f in findings)
        if keep and not failed:
            settings = {**aws.environment(), **{k: v for k, v in deployment.app_settings().items() if k.startswith("Fulfilment__")}}
            (keep / "settings.env").write_text("".join(f"{k}={v}\n" for k, v in sorted(settings.items())))
            (keep / "port").write_text(f"{aws.port}\n")
            (keep / "moto.pid").write_text(f"{aws.pid}\n")  # last: its presence says the emulator is ready for use
            kept = True
        return 1 if failed else 0
    except (RehearsalFailed, emulator.EmulatorError) as e:
        log(f"rehearsal {stage} FAILED: {e}")
        if aws and not keep:
            failed_log = report_path.with_suffix(".moto.log")
            shutil.copyfile(aws.log, failed_log)
            log(f"moto's log kept at {failed_log}")
        return 1
    finally:
        if aws and not kept:
            emulator.stop(aws.pid)
        shutil.rmtree(work, ignore_errors=True)


def _termination_protection(assembly: Path, stack: str) -> bool:
    manifest = json.loads((assembly / "manifest.json").read_text())
    return bool(manifest["artifacts"][stack].get("properties", {}).get("terminationProtection", False))


def _logical_id_of_type(template: dict[str, Any], type_: str) -> str:
    ids = [lid for lid, r in template["Resources"].items() if r["Type"] == type_]
    if len(ids) != 1:
        raise RehearsalFailed(f"{len(ids)} resources of type {type_}, expected one")
    return ids[0]


def _strip_comments(text: str) -> str:
    """The stage files allow // and /* */ comments (the app's JSON reader skips them); strings are kept whole."""
    return re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.DOTALL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rehearsal", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True, choices=["dev", "prod"])
    parser.add_argument("--bundle", type=Path, default=ROOT / "artifacts" / "loyalty-api.tar.gz",
                        help="the API bundle the golden AMI ships (default: artifacts/loyalty-api.tar.gz, from make publish)")
    parser.add_argument("--no-update", action="store_true", help="skip the update deploy")
    parser.add_argument("--keep", type=Path, help="leave the emulator running; its PID, port and settings go here")
    parser.add_argument("--report", type=Path, help="the JSON report (default: .local/rehearsal-<stage>.json)")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    report = args.report or ROOT / ".local" / f"rehearsal-{args.stage}.json"
    return rehearse(args.stage, args.bundle.resolve(), not args.no_update, args.keep, report)
