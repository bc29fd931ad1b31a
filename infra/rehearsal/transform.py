"""The emulator edition of a synthesized stage: the real template, changed only where the local AWS (moto 5.2.1)
cannot take it, with a manifest line for every change. The real template and cdk.out are never written.

What moto does with a CDK template, and what this module does about it:
- Types it does not implement are skipped at create but still reported as created, and a Ref or GetAtt to them
  becomes None. They are removed here. A removed resource that others refer to is *stubbed*: each reference is
  replaced by a stand-in value of the right shape (an ARN, an id); one nothing refers to is *not emulated*.
- It crashes on AWS::KMS::Key Tags (it wants TagKey/TagValue) and on AWS::SSM::Parameter Tags as a map (it wants a
  list); both are rewritten to the shape it reads.
- A Ref to an AWS::RDS::DBParameterGroup returns an object and moto ignores a group's name: the instance loses the
  reference (the group itself is still created and audited); so it does its option group, which moto lacks.
- The HTTPS listener's certificate must exist in its ACM: the caller requests a stand-in there and passes its ARN.
- Dynamic references ({{resolve:secretsmanager:...}}) are not resolved: they become a stand-in value.
- It runs no macros: the template's Transform is removed (with the rotation schedules the secrets' one would expand).
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

# The types moto 5.2.1 creates through CloudFormation (measured with moto.core.common_models.CloudFormationModel);
# the rehearsal checks this list against the moto it imports (the installation moto_server runs from), so a moto
# upgrade cannot make it lie.
EMULATED_TYPES = frozenset({
    "AWS::AutoScaling::AutoScalingGroup", "AWS::AutoScaling::LaunchConfiguration",
    "AWS::CloudWatch::Dashboard",
    "AWS::EC2::EIP", "AWS::EC2::FlowLog", "AWS::EC2::Instance", "AWS::EC2::InternetGateway", "AWS::EC2::LaunchTemplate",
    "AWS::EC2::NatGateway", "AWS::EC2::Route", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress", "AWS::EC2::Subnet", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::VPC",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::IAM::InstanceProfile", "AWS::IAM::Policy", "AWS::IAM::Role",
    "AWS::KMS::Key", "AWS::Logs::LogGroup",
    "AWS::RDS::DBInstance", "AWS::RDS::DBParameterGroup", "AWS::RDS::DBSubnetGroup",
    "AWS::S3::Bucket", "AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::SSM::Parameter",
})

# Resources that are no AWS resource at all: CDK's version report.
NOT_RESOURCES = frozenset({"AWS::CDK::Metadata"})

_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]*\}\}")
# Keys under which the users of a rewritten value are collected (no logical id looks like them), with the manifest's
# line for each user.
_DYNAMIC = "{{resolve}}"
_TARGET_GROUP_FULL_NAME = "{{TargetGroupFullName}}"
_LOAD_BALANCER_FULL_NAME = "{{LoadBalancerFullName}}"
_REWRITTEN = {
    _DYNAMIC: "dynamic reference {{resolve:...}} replaced by a stand-in value",
    _LOAD_BALANCER_FULL_NAME: "GetAtt LoadBalancerFullName derived from the load balancer's ARN (moto lacks the attribute)",
    _TARGET_GROUP_FULL_NAME: "GetAtt TargetGroupFullName replaced by a stand-in (moto lacks the attribute)",
}


@dataclass(frozen=True)
class StandIns:
    """Values the caller prepared in the emulator before the deploy (each named in the manifest)."""
    account: str
    region: str
    image_id: str
    certificate_arn: str
    secret_value: str = "rehearsal-stand-in-Secret-1"


@dataclass
class Change:
    logical_id: str
    kind: str  # stubbed | not emulated | rewritten | not a resource
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"logicalId": self.logical_id, "kind": self.kind, "detail": self.detail}


@dataclass
class Edition:
    template: dict[str, Any]
    changes: list[Change] = field(default_factory=list)

    def manifest(self) -> list[dict[str, str]]:
        return [c.as_dict() for c in self.changes]


def emulator_edition(template: dict[str, Any], stand_ins: StandIns) -> Edition:
    """The template as the emulator can deploy it; ``template`` itself is not modified."""
    edition = Edition(copy.deepcopy(template))
    resources = edition.template["Resources"]
    removed = {lid: r["Type"] for lid, r in resources.items() if r["Type"] not in EMULATED_TYPES}
    referenced: dict[str, set[str]] = {}
    # A Ref to a secret's target attachment is the secret's ARN in CloudFormation: read it as a Ref to the secret, so
    # both get the same stand-in.
    _read_attachments_as_secrets(edition.template, edition.changes)

    for lid, resource in resources.items():
        if lid in removed:
            continue
        _fix_known_crashes(lid, resource, resources, stand_ins, edition.changes)
        resource["Properties"] = _replace_references(resource.get("Properties", {}), removed, stand_ins, lid, referenced)
        depends = resource.get("DependsOn")
        if depends is not None:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in removed]
            if kept:
                resource["DependsOn"] = kept
            else:
                del resource["DependsOn"]
    if "Outputs" in edition.template:
        edition.template["Outputs"] = _replace_references(edition.template["Outputs"], removed, stand_ins, "Outputs", referenced)

    for key, detail in _REWRITTEN.items():
        edition.changes.extend(Change(user, "rewritten", detail) for user in sorted(referenced.pop(key, set())))
    for lid, type_ in removed.items():
        del resources[lid]
        if type_ in NOT_RESOURCES:
            edition.changes.append(Change(lid, "not a resource", f"{type_} removed"))
        elif lid in referenced:
            users = ", ".join(sorted(referenced[lid]))
            edition.changes.append(Change(lid, "stubbed", f"{type_} removed; stand-in values for {users}"))
        else:
            edition.changes.append(Change(lid, "not emulated", f"{type_} removed (moto skips it)"))
    # CDK's bootstrap check: a Rules section moto does not evaluate; the rehearsal writes the parameter it reads.
    edition.template.pop("Rules", None)
    # Macros (the hosted rotation functions' AWS::SecretsManager transform) expand only in CloudFormation itself; the
    # resources they would expand into are removed above.
    for name in _as_list(edition.template.pop("Transform", [])):
        edition.changes.append(Change("Transform", "not emulated", f"{name} removed (moto runs no macros)"))
    edition.changes.sort(key=lambda c: (c.kind, c.logical_id))
    return edition


def _read_attachments_as_secrets(template: dict[str, Any], changes: list[Change]) -> None:
    secrets = {lid: r["Properties"]["SecretId"]["Ref"] for lid, r in template["Resources"].items()
               if r["Type"] == "AWS::SecretsManager::SecretTargetAttachment"
               and isinstance(r.get("Properties", {}).get("SecretId"), dict) and set(r["Properties"]["SecretId"]) == {"Ref"}}

    def rename(value: Any, user: str) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Ref"} and value["Ref"] in secrets:
                changes.append(Change(user, "rewritten", f"Ref to {value['Ref']} read as Ref to its secret {secrets[value['Ref']]}"))
                return {"Ref": secrets[value["Ref"]]}
            return {k: rename(v, user) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v, user) for v in value]
        return value

    for lid, resource in template["Resources"].items():
        if "Properties" in resource:
            resource["Properties"] = rename(resource["Properties"], lid)
    if "Outputs" in template:
        template["Outputs"] = rename(template["Outputs"], "Outputs")


def stand_in(logical_id: str, type_: str, attribute: str | None, stand_ins: StandIns) -> str:
    """A value of the shape AWS would return for a Ref (attribute None) or GetAtt of a resource that does not exist here."""
    a, r = stand_ins.account, stand_ins.region
    token = hashlib.sha256(logical_id.encode()).hexdigest()
    service = type_.split("::")[1].lower()
    if type_ == "AWS::ImageBuilder::Image" and attribute == "ImageId":
        return stand_ins.image_id
    if type_ == "AWS::Cognito::UserPool":
        return f"{r}_rehearsal{token[:6]}" if attribute in (None, "UserPoolId") else f"arn:aws:cognito-idp:{r}:{a}:userpool/{r}_rehearsal{token[:6]}"
    if type_ == "AWS::Cognito::UserPoolClient" and attribute in (None, "ClientId"):
        return _base36(token)[:26]
    if type_ == "AWS::SecretsManager::Secret":
        return f"arn:aws:secretsmanager:{r}:{a}:secret:rehearsal-{logical_id}"
    if type_ == "AWS::CloudWatch::Alarm":
        return f"arn:aws:cloudwatch:{r}:{a}:alarm:{logical_id}" if attribute == "Arn" else logical_id
    if attribute in ("Arn", None) and type_.startswith("AWS::ImageBuilder::"):
        return f"arn:aws:imagebuilder:{r}:{a}:{service}/{logical_id.lower()}/1.0.0/1"
    if attribute == "Arn":
        return f"arn:aws:{service}:{r}:{a}:{logical_id}"
    return f"rehearsal-{logical_id}"


def _fix_known_crashes(lid: str, resource: dict[str, Any], resources: dict[str, Any], stand_ins: StandIns,
                       changes: list[Change]) -> None:
    props = resource.setdefault("Properties", {})
    type_ = resource["Type"]
    if type_ == "AWS::KMS::Key" and "Tags" in props:
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props["Tags"]]
        changes.append(Change(lid, "rewritten", "Tags as TagKey/TagValue (moto reads no Key/Value)"))
    if type_ == "AWS::KMS::Key" and isinstance(props.get("KeyPolicy"), dict):
        props["KeyPolicy"] = _json_text(props["KeyPolicy"])
        changes.append(Change(lid, "rewritten", "KeyPolicy as JSON text (moto keeps an object, then fails parsing it on every call)"))
    if type_ == "AWS::SSM::Parameter" and isinstance(props.get("Tags"), dict):
        props["Tags"] = [{"Key": k, "Value": v} for k, v in props["Tags"].items()]
        changes.append(Change(lid, "rewritten", "Tags as a list (moto reads no map)"))
    if type_ == "AWS::RDS::DBInstance" and "VPCSecurityGroups" in props:
        props["VpcSecurityGroupIds"] = props["VPCSecurityGroups"]
        changes.append(Change(lid, "rewritten", "VPCSecurityGroups also as VpcSecurityGroupIds (the key moto reads)"))
    if type_ == "AWS::EC2::Instance" and "SecurityGroupIds" in props and "SecurityGroups" not in props:
        props["SecurityGroups"] = props["SecurityGroupIds"]
        changes.append(Change(lid, "rewritten", "SecurityGroupIds also as SecurityGroups (the key moto reads)"))
    if type_ == "AWS::RDS::DBInstance":
        for name in ("DBParameterGroupName", "OptionGroupName"):
            if isinstance(props.get(name), dict):
                del props[name]
                changes.append(Change(lid, "rewritten", f"{name} removed (moto names the group at random and its Ref is no name)"))
    if type_ == "AWS::ElasticLoadBalancingV2::Listener" and props.get("Certificates"):
        props["Certificates"] = [{"CertificateArn": stand_ins.certificate_arn}]
        changes.append(Change(lid, "rewritten", f"certificate {stand_ins.certificate_arn} (a stand-in requested from the emulator's ACM)"))


def _replace_references(value: Any, removed: dict[str, str], stand_ins: StandIns, user: str,
                        referenced: dict[str, set[str]]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in removed:
            referenced.setdefault(value["Ref"], set()).add(user)
            return stand_in(value["Ref"], removed[value["Ref"]], None, stand_ins)
        if set(value) == {"Fn::GetAtt"}:
            target, attribute = _get_att(value["Fn::GetAtt"])
            if target in removed:
                referenced.setdefault(target, set()).add(user)
                return stand_in(target, removed[target], attribute, stand_ins)
            if attribute == "LoadBalancerFullName":
                # moto lacks the attribute; it is the ARN's last three parts (app/<name>/<id>), derived here as CDK
                # derives it for a listener.
                referenced.setdefault(_LOAD_BALANCER_FULL_NAME, set()).add(user)
                return {"Fn::Join": ["/", [{"Fn::Select": [i, {"Fn::Split": ["/", {"Ref": target}]}]} for i in (1, 2, 3)]]}
            if attribute == "TargetGroupFullName":
                # moto's target group has no such attribute (the dashboard's and the alarms' metric dimension).
                referenced.setdefault(_TARGET_GROUP_FULL_NAME, set()).add(user)
                return f"targetgroup/{target}/rehearsal"
        if set(value) == {"Fn::Join"} and isinstance(value["Fn::Join"][1], list):
            delimiter, parts = _replace_references(value["Fn::Join"], removed, stand_ins, user, referenced)
            return _resolve_dynamic_references(delimiter, parts, stand_ins, user, referenced)
        return {k: _replace_references(v, removed, stand_ins, user, referenced) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_references(v, removed, stand_ins, user, referenced) for v in value]
    if isinstance(value, str) and _DYNAMIC_REFERENCE.search(value):
        referenced.setdefault(_DYNAMIC, set()).add(user)
        return _DYNAMIC_REFERENCE.sub(stand_ins.secret_value, value)
    return value


def _resolve_dynamic_references(delimiter: str, parts: list[Any], stand_ins: StandIns, user: str,
                                referenced: dict[str, set[str]]) -> Any:
    """A join, with any dynamic reference it spells (pieces of it may be functions) replaced by the stand-in value."""
    pieces: list[Any] = []  # strings and functions, delimiter included, in order
    for i, part in enumerate(parts):
        if i and delimiter:
            pieces.append(delimiter)
        pieces.append(part)
    text = "".join(p if isinstance(p, str) else "\0" for p in pieces)
    if "{{resolve:" not in text:
        return {"Fn::Join": [delimiter, parts]} if any(not isinstance(p, str) for p in parts) else delimiter.join(parts)
    referenced.setdefault(_DYNAMIC, set()).add(user)
    functions = iter(p for p in pieces if not isinstance(p, str))
    out: list[Any] = []
    position = 0
    for match in re.finditer(r"\{\{resolve:[^}]*\}\}", text):
        out += _with_functions(text[position:match.start()], functions)
        out.append(stand_ins.secret_value)
        for _ in range(match.group().count("\0")):
            next(functions)  # consumed by the reference
        position = match.end()
    out += _with_functions(text[position:], functions)
    merged: list[Any] = []
    for item in out:
        if isinstance(item, str) and merged and isinstance(merged[-1], str):
            merged[-1] += item
        elif item != "":
            merged.append(item)
    return merged[0] if len(merged) == 1 and isinstance(merged[0], str) else {"Fn::Join": ["", merged]}


def _with_functions(text: str, functions: Any) -> list[Any]:
    out: list[Any] = []
    for i, piece in enumerate(text.split("\0")):
        if i:
            out.append(next(functions))
        out.append(piece)
    return out


def _json_text(document: Any) -> Any:
    """A JSON document with intrinsic functions inside, as one Fn::Join that CloudFormation turns into its text."""
    intrinsics: list[Any] = []

    def mark(value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1 and (next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::")):
            intrinsics.append(value)
            return f"\u0000{len(intrinsics) - 1}\u0000"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(document), separators=(",", ":"))
    parts: list[Any] = []
    for i, piece in enumerate(text.split("\\u0000")):
        parts.append(intrinsics[int(piece)] if i % 2 else piece)
    return {"Fn::Join": ["", parts]} if intrinsics else text


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _get_att(value: Any) -> tuple[str, str]:
    if isinstance(value, str):
        target, attribute = value.split(".", 1)
        return target, attribute
    return value[0], value[1]


def _base36(hex_digits: str) -> str:
    number, digits = int(hex_digits, 16), "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out += digits[rest]
    return out
