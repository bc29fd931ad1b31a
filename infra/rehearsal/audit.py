"""After a deploy: every logical resource of the real template, looked up through its own service's API.

CloudFormation's own view (list_stack_resources) is not evidence: moto reports skipped types as created. Here a
resource is ``created`` only when its service returns it and its key properties match the deployed template,
``partial`` when it exists but the emulator dropped properties it is known to drop (named), ``not emulated`` or
``stubbed`` as the transform's manifest says. Anything else (missing, or a key property that differs) is a failure.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import ClientError

CREATED, PARTIAL, NOT_EMULATED, STUBBED, FAILED = "created", "partial", "not emulated", "stubbed", "FAILED"


class Unresolved:
    """A template value the audit cannot compute (e.g. an attribute of a resource it does not look up)."""

    def __repr__(self) -> str:
        return "<unresolved>"


UNRESOLVED = Unresolved()


@dataclass
class Finding:
    logical_id: str
    type: str
    status: str
    checked: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"logicalId": self.logical_id, "type": self.type, "status": self.status, "checked": self.checked,
                "dropped": self.dropped, "unchecked": self.unchecked, "failures": self.failures, "note": self.note}


# What a service shows for a property the emulator did not set: nothing, or its default.
UNSET = (None, "", [], {}, False)


class Check:
    """Collects one resource's comparisons. A mismatch fails the resource, unless the property is one the emulator is
    known to drop and the service shows it unset (or at the default named for it): then the property is *dropped*."""

    def __init__(self, droppable: dict[str, tuple[Any, ...]] | frozenset[str] = frozenset()):
        self.droppable = droppable if isinstance(droppable, dict) else {name: UNSET for name in droppable}
        self.checked: list[str] = []
        self.dropped: list[str] = []
        self.unchecked: list[str] = []
        self.failures: list[str] = []

    def equal(self, name: str, expected: Any, actual: Any) -> None:
        if _contains_unresolved(expected):
            self.unchecked.append(name)
        elif _normal(expected) == _normal(actual):
            self.checked.append(name)
        elif name in self.droppable and any(_normal(actual) == _normal(unset) for unset in self.droppable[name]):
            self.dropped.append(name)
        else:
            self.failures.append(f"{name}: {_difference(expected, actual)}")

    def seen(self, name: str) -> None:
        """The service returned the thing itself (a rule in its group, an association in its table)."""
        self.checked.append(name)


def _difference(expected: Any, actual: Any, width: int = 80) -> str:
    """Short values whole; long texts (a dashboard body) around the first character where they part."""
    if not (isinstance(expected, str) and isinstance(actual, str)) or max(len(expected), len(actual)) <= 2 * width:
        return f"template {expected!r}, emulator {actual!r}"
    at = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual)))
    return f"at character {at}: template ...{expected[max(0, at - 20):at + width]!r}..., emulator ...{actual[max(0, at - 20):at + width]!r}..."


def _contains_unresolved(value: Any) -> bool:
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, dict):
        return any(_contains_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unresolved(v) for v in value)
    return False


def _normal(value: Any) -> Any:
    """Template values are often strings where APIs return numbers or booleans, and lists come back in any order."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return sorted((_normal(v) for v in value), key=json.dumps)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value


class Resolver:
    """Evaluates template expressions against what the deploy created (physical ids, stack parameters)."""

    def __init__(self, template: dict[str, Any], physical: dict[str, str], parameters: dict[str, str],
                 pseudo: dict[str, str], attribute: Callable[[str, str, str], Any]):
        self.resources = template["Resources"]
        self.physical = physical
        self.parameters = parameters
        self.pseudo = pseudo
        self.attribute = attribute

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            (function, argument), = value.items()
            if function == "Ref":
                if argument in self.pseudo:
                    return self.pseudo[argument]
                if argument in self.parameters:
                    return self.parameters[argument]
                return self.physical.get(argument, UNRESOLVED)
            if function == "Fn::GetAtt":
                target, name = argument.split(".", 1) if isinstance(argument, str) else argument
                if target not in self.physical:
                    return UNRESOLVED
                return self.attribute(self.resources[target]["Type"], self.physical[target], name)
            if function == "Fn::Join":
                delimiter, parts = argument
                parts = [self(p) for p in parts]
                return UNRESOLVED if any(isinstance(p, Unresolved) for p in parts) else delimiter.join(map(str, parts))
            if function == "Fn::Split":
                delimiter, text = argument[0], self(argument[1])
                return UNRESOLVED if isinstance(text, Unresolved) else text.split(delimiter)
            if function == "Fn::Select":
                index, items = self(argument[0]), self(argument[1])
                return UNRESOLVED if isinstance(items, Unresolved) else items[int(index)]
            if function.startswith("Fn::"):
                return UNRESOLVED
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def _attributes(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {a["Key"]: str(a["Value"]) for a in items or []}


class NotFound(Exception):
    """The resource's own service does not list it (a lookup by filter found none, or several)."""


class NotEmulated(Exception):
    """The emulator accepted the resource but keeps it where its own service's API never shows it."""


# Types whose existence is checked on the resource they change (a rule on its group, a route in its table): moto
# gives them no physical id of their own.
WITHOUT_PHYSICAL_ID = frozenset({"AWS::EC2::SecurityGroupIngress", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::Route",
                                 "AWS::EC2::VPCGatewayAttachment", "AWS::IAM::Policy"})


class Auditor:
    """One pass over the deployed stage; ``clients(service)`` gives a boto3 client on the emulator."""

    def __init__(self, clients: Callable[[str], Any], deployed: dict[str, Any], physical: dict[str, str],
                 parameters: dict[str, str], pseudo: dict[str, str]):
        self.client = clients
        self.deployed = deployed["Resources"]
        self.physical = physical
        self.resolve = Resolver(deployed, physical, parameters, pseudo, self.attribute)
        self.checkers: dict[str, Callable[[str, dict[str, Any], str], Check]] = {
            "AWS::EC2::VPC": self.vpc, "AWS::EC2::Subnet": self.subnet, "AWS::EC2::RouteTable": self.route_table,
            "AWS::EC2::Route": self.route, "AWS::EC2::SubnetRouteTableAssociation": self.association,
            "AWS::EC2::InternetGateway": self.internet_gateway, "AWS::EC2::VPCGatewayAttachment": self.gateway_attachment,
            "AWS::EC2::EIP": self.eip, "AWS::EC2::NatGateway": self.nat_gateway, "AWS::EC2::FlowLog": self.flow_log,
            "AWS::EC2::SecurityGroup": self.security_group, "AWS::EC2::SecurityGroupIngress": self.ingress,
            "AWS::EC2::Instance": self.instance, "AWS::EC2::LaunchTemplate": self.launch_template,
            "AWS::AutoScaling::AutoScalingGroup": self.auto_scaling_group,
            "AWS::ElasticLoadBalancingV2::LoadBalancer": self.load_balancer,
            "AWS::ElasticLoadBalancingV2::Listener": self.listener,
            "AWS::ElasticLoadBalancingV2::TargetGroup": self.target_group,
            "AWS::IAM::Role": self.role, "AWS::IAM::Policy": self.policy, "AWS::IAM::InstanceProfile": self.instance_profile,
            "AWS::KMS::Key": self.key, "AWS::Logs::LogGroup": self.log_group,
            "AWS::RDS::DBInstance": self.db_instance, "AWS::RDS::DBSubnetGroup": self.db_subnet_group,
            "AWS::RDS::DBParameterGroup": self.db_parameter_group,
            "AWS::S3::Bucket": self.bucket, "AWS::SQS::Queue": self.queue, "AWS::SNS::Topic": self.topic,
            "AWS::SSM::Parameter": self.parameter, "AWS::CloudWatch::Dashboard": self.dashboard,
        }

    def audit(self, real: dict[str, Any], manifest: list[dict[str, str]]) -> list[Finding]:
        removed = {c["logicalId"]: c["kind"] for c in manifest if c["kind"] in (STUBBED, NOT_EMULATED, "not a resource")}
        findings = []
        for lid, resource in sorted(real["Resources"].items()):
            type_ = resource["Type"]
            if lid in removed:
                kind = removed[lid]
                findings.append(Finding(lid, type_, NOT_EMULATED if kind == "not a resource" else kind,
                                        note="CDK metadata, no AWS resource" if kind == "not a resource" else ""))
                continue
            findings.append(self.audit_one(lid, type_))
        return findings

    def audit_one(self, lid: str, type_: str) -> Finding:
        checker = self.checkers.get(type_)
        if checker is None:
            return Finding(lid, type_, FAILED, failures=[f"no audit for {type_}: add one before deploying it"])
        physical = self.physical.get(lid)
        if (not physical or physical == "None") and type_ not in WITHOUT_PHYSICAL_ID:
            return Finding(lid, type_, FAILED, failures=["CloudFormation names no physical resource"])
        props = self.deployed[lid].get("Properties", {})
        try:
            check = checker(lid, props, physical)
        except NotFound as e:
            return Finding(lid, type_, FAILED, failures=[f"not found: {e}"])
        except NotEmulated as e:
            return Finding(lid, type_, NOT_EMULATED, note=str(e))
        except ClientError as e:
            # The service's own "not found" (NoSuchEntity, DBInstanceNotFound, ...) lands here too.
            return Finding(lid, type_, FAILED, failures=[f"{e.operation_name}: {e.response.get('Error', {}).get('Code')} {str(e)[:300]}"])
        except Exception as e:  # noqa: BLE001 - one resource the audit cannot read fails that resource, not the run
            return Finding(lid, type_, FAILED, failures=[f"audit error: {type(e).__name__}: {e}"])
        status = FAILED if check.failures else PARTIAL if check.dropped else CREATED
        return Finding(lid, type_, status, check.checked, check.dropped, check.failures, check.unchecked)

    def p(self, props: dict[str, Any], name: str, default: Any = UNRESOLVED) -> Any:
        return self.resolve(props[name]) if name in props else default

    # --- attribute lookups for Fn::GetAtt -------------------------------------------------------------------------
    def attribute(self, type_: str, physical: str, name: str) -> Any:
        if type_ == "AWS::EC2::SecurityGroup" and name == "GroupId":
            return physical
        if type_ == "AWS::KMS::Key" and name == "Arn":
            return self.client("kms").describe_key(KeyId=physical)["KeyMetadata"]["Arn"]
        if type_ == "AWS::IAM::Role" and name == "Arn":
            return self.client("iam").get_role(RoleName=physical)["Role"]["Arn"]
        if type_ == "AWS::SQS::Queue" and name == "Arn":
            return self.client("sqs").get_queue_attributes(QueueUrl=physical, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        if type_ == "AWS::SQS::Queue" and name == "QueueName":
            return physical.rsplit("/", 1)[-1]
        if type_ == "AWS::S3::Bucket" and name == "Arn":
            return f"arn:aws:s3:::{physical}"
        if type_ == "AWS::EC2::LaunchTemplate" and name == "LatestVersionNumber":
            return str(self.client("ec2").describe_launch_templates(LaunchTemplateIds=[physical])["LaunchTemplates"][0]["LatestVersionNumber"])
        if type_ == "AWS::EC2::EIP" and name == "AllocationId":
            return self._eip(physical)["AllocationId"]
        if type_ == "AWS::Logs::LogGroup" and name == "Arn":
            return self._log_group(physical)["arn"].removesuffix(":*")
        if type_ == "AWS::ElasticLoadBalancingV2::LoadBalancer" and name == "DNSName":
            return self._load_balancer(physical)["DNSName"]
        if type_ == "AWS::ElasticLoadBalancingV2::LoadBalancer" and name == "LoadBalancerFullName":
            return physical.split(":loadbalancer/", 1)[1]
        return UNRESOLVED

    # --- network --------------------------------------------------------------------------------------------------
    def vpc(self, lid, props, physical) -> Check:
        vpc = self._one(self.client("ec2").describe_vpcs(VpcIds=[physical])["Vpcs"], physical)
        # moto's CloudFormation VPC takes the CIDR and tenancy only.
        check = Check(frozenset({"EnableDnsHostnames", "EnableDnsSupport"}))
        check.equal("CidrBlock", self.p(props, "CidrBlock"), vpc["CidrBlock"])
        for attribute in ("EnableDnsHostnames", "EnableDnsSupport"):
            if attribute in props:
                answer = self.client("ec2").describe_vpc_attribute(VpcId=physical, Attribute=attribute[0].lower() + attribute[1:])
                check.equal(attribute, props[attribute], answer[attribute]["Value"])
        return check

    def subnet(self, lid, props, physical) -> Check:
        subnet = self._one(self.client("ec2").describe_subnets(SubnetIds=[physical])["Subnets"], physical)
        check = Check()
        check.equal("VpcId", self.p(props, "VpcId"), subnet["VpcId"])
        check.equal("CidrBlock", self.p(props, "CidrBlock"), subnet["CidrBlock"])
        check.equal("AvailabilityZone", self.p(props, "AvailabilityZone"), subnet["AvailabilityZone"])
        if "MapPublicIpOnLaunch" in props:
            check.equal("MapPublicIpOnLaunch", self.p(props, "MapPublicIpOnLaunch"), subnet["MapPublicIpOnLaunch"])
        return check

    def route_table(self, lid, props, physical) -> Check:
        table = self._route_table(physical)
        check = Check()
        check.equal("VpcId", self.p(props, "VpcId"), table["VpcId"])
        return check

    def route(self, lid, props, physical) -> Check:
        table_id = self.p(props, "RouteTableId")
        table = self._route_table(table_id)
        destination = self.p(props, "DestinationCidrBlock")
        routes = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == destination]
        if not routes:
            raise NotFound(f"no route to {destination} in {table_id}")
        check = Check()
        for name, key in (("GatewayId", "GatewayId"), ("NatGatewayId", "NatGatewayId")):
            if name in props:
                check.equal(name, self.p(props, name), routes[0].get(key))
        if not check.checked:
            check.seen(f"route to {destination}")
        return check

    def association(self, lid, props, physical) -> Check:
        table_id = self.p(props, "RouteTableId")
        table = self._route_table(table_id)
        subnet = self.p(props, "SubnetId")
        if not any(a.get("SubnetId") == subnet for a in table.get("Associations", [])):
            raise NotEmulated("moto 5.2.1 records CloudFormation's subnet associations outside EC2 (describe_route_tables lists none)")
        check = Check()
        check.seen(f"association of {subnet}")
        return check

    def internet_gateway(self, lid, props, physical) -> Check:
        self._one(self.client("ec2").describe_internet_gateways(InternetGatewayIds=[physical])["InternetGateways"], physical)
        return Check()

    def gateway_attachment(self, lid, props, physical) -> Check:
        gateway_id = self.p(props, "InternetGatewayId")
        gateway = self._one(self.client("ec2").describe_internet_gateways(InternetGatewayIds=[gateway_id])["InternetGateways"], gateway_id)
        check = Check()
        check.equal("VpcId", [self.p(props, "VpcId")], [a["VpcId"] for a in gateway.get("Attachments", [])])
        return check

    def eip(self, lid, props, physical) -> Check:
        address = self._eip(physical)
        check = Check()
        check.equal("Domain", self.p(props, "Domain", "vpc"), address.get("Domain"))
        return check

    def nat_gateway(self, lid, props, physical) -> Check:
        gateway = self._one(self.client("ec2").describe_nat_gateways(NatGatewayIds=[physical])["NatGateways"], physical)
        check = Check()
        check.equal("SubnetId", self.p(props, "SubnetId"), gateway["SubnetId"])
        check.equal("AllocationId", [self.p(props, "AllocationId")], [a.get("AllocationId") for a in gateway["NatGatewayAddresses"]])
        return check

    def flow_log(self, lid, props, physical) -> Check:
        logs = self.client("ec2").describe_flow_logs(FlowLogIds=[physical])["FlowLogs"]
        log = self._one(logs, physical)
        check = Check()
        check.equal("ResourceId", self.p(props, "ResourceId"), log["ResourceId"])
        check.equal("TrafficType", self.p(props, "TrafficType"), log["TrafficType"])
        check.equal("LogGroupName", self.p(props, "LogGroupName"), log.get("LogGroupName"))
        return check

    def security_group(self, lid, props, physical) -> Check:
        group = self._security_group(physical)
        check = Check()
        check.equal("VpcId", self.p(props, "VpcId"), group["VpcId"])
        check.equal("GroupDescription", self.p(props, "GroupDescription"), group["Description"])
        for rule in self.resolve(props.get("SecurityGroupIngress", [])):
            self._rule(check, group, rule)
        return check

    def ingress(self, lid, props, physical) -> Check:
        group_id = self.p(props, "GroupId")
        group = self._security_group(group_id)
        rule = self.resolve({k: v for k, v in props.items() if k not in ("GroupId", "Description")})
        check = Check()
        self._rule(check, group, rule)
        return check

    # --- compute --------------------------------------------------------------------------------------------------
    def instance(self, lid, props, physical) -> Check:
        reservations = self.client("ec2").describe_instances(InstanceIds=[physical])["Reservations"]
        instance = self._one([i for r in reservations for i in r["Instances"]], physical)
        check = Check()
        check.equal("InstanceType", self.p(props, "InstanceType"), instance["InstanceType"])
        check.equal("SubnetId", self.p(props, "SubnetId"), instance.get("SubnetId"))
        check.equal("ImageId", self.p(props, "ImageId"), instance["ImageId"])
        check.equal("SecurityGroupIds", self.p(props, "SecurityGroupIds"), [g["GroupId"] for g in instance["SecurityGroups"]])
        return check

    def launch_template(self, lid, props, physical) -> Check:
        ec2 = self.client("ec2")
        template = self._one(ec2.describe_launch_templates(LaunchTemplateIds=[physical])["LaunchTemplates"], physical)
        data = ec2.describe_launch_template_versions(LaunchTemplateId=physical, Versions=["$Latest"])["LaunchTemplateVersions"][0]["LaunchTemplateData"]
        expected = self.resolve(props.get("LaunchTemplateData", {}))
        check = Check()
        if "LaunchTemplateName" in props:
            check.equal("LaunchTemplateName", self.p(props, "LaunchTemplateName"), template["LaunchTemplateName"])
        if "HttpTokens" in expected.get("MetadataOptions", {}):
            check.equal("MetadataOptions.HttpTokens (IMDSv2)", expected["MetadataOptions"]["HttpTokens"],
                        data.get("MetadataOptions", {}).get("HttpTokens"))
        for name in ("ImageId", "InstanceType"):
            if name in expected:
                check.equal(name, expected[name], data.get(name))
        for i, device in enumerate(expected.get("BlockDeviceMappings", [])):
            actual = (data.get("BlockDeviceMappings") or [{}] * (i + 1))[i].get("Ebs", {})
            for name in ("Encrypted", "VolumeType", "VolumeSize"):
                check.equal(f"BlockDeviceMappings[{i}].Ebs.{name}", device["Ebs"].get(name), actual.get(name))
        return check

    def auto_scaling_group(self, lid, props, physical) -> Check:
        groups = self.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[physical])["AutoScalingGroups"]
        group = self._one(groups, physical)
        check = Check()
        for name in ("MinSize", "MaxSize", "DesiredCapacity", "HealthCheckType", "HealthCheckGracePeriod"):
            check.equal(name, self.p(props, name), group.get(name))
        subnets = self.p(props, "VPCZoneIdentifier")
        check.equal("VPCZoneIdentifier", subnets, [s for s in group["VPCZoneIdentifier"].split(",") if s])
        if not isinstance(subnets, Unresolved):
            zones = [s["AvailabilityZone"] for s in self.client("ec2").describe_subnets(SubnetIds=subnets)["Subnets"]]
            check.equal("AvailabilityZones", zones, group["AvailabilityZones"])
        check.equal("TargetGroupARNs", self.p(props, "TargetGroupARNs"), group.get("TargetGroupARNs", []))
        check.equal("LaunchTemplate", self.resolve(props["LaunchTemplate"]["LaunchTemplateId"]),
                    group.get("LaunchTemplate", {}).get("LaunchTemplateId"))
        return check

    def load_balancer(self, lid, props, physical) -> Check:
        balancer = self._load_balancer(physical)
        attributes = _attributes(self.client("elbv2").describe_load_balancer_attributes(LoadBalancerArn=physical)["Attributes"])
        expected = _attributes(self.resolve(props.get("LoadBalancerAttributes")))
        # moto's CloudFormation load balancer takes no attributes.
        check = Check(frozenset(f"attribute {key}" for key in expected))
        check.equal("Scheme", self.p(props, "Scheme"), balancer["Scheme"])
        check.equal("Subnets", self.p(props, "Subnets"), [z["SubnetId"] for z in balancer["AvailabilityZones"]])
        check.equal("SecurityGroups", self.p(props, "SecurityGroups"), balancer.get("SecurityGroups", []))
        for key, value in expected.items():
            check.equal(f"attribute {key}", value, attributes.get(key))
        return check

    def listener(self, lid, props, physical) -> Check:
        listener = self._one(self.client("elbv2").describe_listeners(ListenerArns=[physical])["Listeners"], physical)
        check = Check()
        check.equal("Port", self.p(props, "Port"), listener["Port"])
        check.equal("Protocol", self.p(props, "Protocol"), listener["Protocol"])
        if "SslPolicy" in props:
            check.equal("SslPolicy", self.p(props, "SslPolicy"), listener.get("SslPolicy"))
        if "Certificates" in props:
            check.equal("Certificates", [c["CertificateArn"] for c in self.p(props, "Certificates")],
                        [c["CertificateArn"] for c in listener.get("Certificates", [])])
        for i, action in enumerate(self.p(props, "DefaultActions")):
            actual = listener["DefaultActions"][i] if i < len(listener["DefaultActions"]) else {}
            check.equal(f"DefaultActions[{i}].Type", action["Type"], actual.get("Type"))
            if "TargetGroupArn" in action:
                check.equal(f"DefaultActions[{i}].TargetGroupArn", action["TargetGroupArn"], actual.get("TargetGroupArn"))
            for key, value in action.get("RedirectConfig", {}).items():
                check.equal(f"DefaultActions[{i}].RedirectConfig.{key}", value, actual.get("RedirectConfig", {}).get(key))
        return check

    def target_group(self, lid, props, physical) -> Check:
        group = self._one(self.client("elbv2").describe_target_groups(TargetGroupArns=[physical])["TargetGroups"], physical)
        attributes = _attributes(self.client("elbv2").describe_target_group_attributes(TargetGroupArn=physical)["Attributes"])
        expected = _attributes(self.resolve(props.get("TargetGroupAttributes")))
        # moto's CloudFormation target group takes no attributes: it shows its defaults.
        check = Check({f"attribute {key}": (*UNSET, "300", "false") for key in expected})
        for name in ("Port", "Protocol", "VpcId", "TargetType", "HealthCheckPath", "HealthCheckIntervalSeconds",
                     "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount"):
            if name in props:
                check.equal(name, self.p(props, name), group.get(name))
        if "Matcher" in props:
            check.equal("Matcher.HttpCode", self.p(props, "Matcher")["HttpCode"], group.get("Matcher", {}).get("HttpCode"))
        for key, value in expected.items():
            check.equal(f"attribute {key}", value, attributes.get(key))
        return check

    # --- identity and keys ----------------------------------------------------------------------------------------
    def role(self, lid, props, physical) -> Check:
        iam = self.client("iam")
        role = iam.get_role(RoleName=physical)["Role"]
        # moto's CloudFormation role attaches no managed policies.
        check = Check(frozenset({"ManagedPolicyArns"}))
        document = role["AssumeRolePolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        check.equal("AssumeRolePolicyDocument", self.p(props, "AssumeRolePolicyDocument"), document)
        attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=physical)["AttachedPolicies"]]
        check.equal("ManagedPolicyArns", self.p(props, "ManagedPolicyArns", []), attached)
        return check

    def policy(self, lid, props, physical) -> Check:
        iam = self.client("iam")
        check = Check()
        name = self.p(props, "PolicyName")
        for role in self.p(props, "Roles", []):
            document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            document = json.loads(document) if isinstance(document, str) else document
            check.equal(f"PolicyDocument on {role}", self.p(props, "PolicyDocument"), document)
        return check

    def instance_profile(self, lid, props, physical) -> Check:
        iam = self.client("iam")
        profile = iam.get_instance_profile(InstanceProfileName=physical)["InstanceProfile"]
        check = Check()
        check.equal("Roles", self.p(props, "Roles"), [r["RoleName"] for r in profile["Roles"]])
        return check

    def key(self, lid, props, physical) -> Check:
        kms = self.client("kms")
        metadata = kms.describe_key(KeyId=physical)["KeyMetadata"]
        check = Check()
        if "Description" in props:
            check.equal("Description", self.p(props, "Description"), metadata.get("Description"))
        check.equal("Enabled", self.p(props, "Enabled", True), metadata["Enabled"])
        if "EnableKeyRotation" in props:
            check.equal("EnableKeyRotation", self.p(props, "EnableKeyRotation"), kms.get_key_rotation_status(KeyId=physical)["KeyRotationEnabled"])
        policy = json.loads(kms.get_key_policy(KeyId=physical, PolicyName="default")["Policy"])
        expected = self.p(props, "KeyPolicy")
        check.equal("KeyPolicy", json.loads(expected) if isinstance(expected, str) else expected, policy)
        return check

    def log_group(self, lid, props, physical) -> Check:
        group = self._log_group(physical)
        check = Check(frozenset({"KmsKeyId"}))
        check.equal("RetentionInDays", self.p(props, "RetentionInDays"), group.get("retentionInDays"))
        if "KmsKeyId" in props:
            check.equal("KmsKeyId", self.p(props, "KmsKeyId"), group.get("kmsKeyId"))
        return check

    # --- database -------------------------------------------------------------------------------------------------
    def db_instance(self, lid, props, physical) -> Check:
        rds = self.client("rds")
        db = rds.describe_db_instances(DBInstanceIdentifier=physical)["DBInstances"][0]
        # moto's CloudFormation instance does not read DeletionProtection.
        check = Check(frozenset({"DeletionProtection"}))
        for name, key in (("Engine", "Engine"), ("EngineVersion", "EngineVersion"), ("DBInstanceClass", "DBInstanceClass"),
                          ("StorageEncrypted", "StorageEncrypted"), ("KmsKeyId", "KmsKeyId"), ("MultiAZ", "MultiAZ"),
                          ("AllocatedStorage", "AllocatedStorage"), ("StorageType", "StorageType"),
                          ("PubliclyAccessible", "PubliclyAccessible"), ("BackupRetentionPeriod", "BackupRetentionPeriod"),
                          ("DeletionProtection", "DeletionProtection"), ("DBName", "DBName"), ("CopyTagsToSnapshot", "CopyTagsToSnapshot")):
            if name in props:
                check.equal(name, self.p(props, name), db.get(key))
        if "Port" in props:
            check.equal("Port", self.p(props, "Port"), db["Endpoint"]["Port"])
        check.equal("DBSubnetGroupName", self.p(props, "DBSubnetGroupName"), db["DBSubnetGroup"]["DBSubnetGroupName"])
        check.equal("VPCSecurityGroups", self.p(props, "VPCSecurityGroups"), [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]])
        return check

    def db_subnet_group(self, lid, props, physical) -> Check:
        rds = self.client("rds")
        group = rds.describe_db_subnet_groups(DBSubnetGroupName=physical)["DBSubnetGroups"][0]
        check = Check()
        check.equal("SubnetIds", self.p(props, "SubnetIds"), [s["SubnetIdentifier"] for s in group["Subnets"]])
        return check

    def db_parameter_group(self, lid, props, physical) -> Check:
        rds = self.client("rds")
        group = rds.describe_db_parameter_groups(DBParameterGroupName=physical)["DBParameterGroups"][0]
        parameters = {p["ParameterName"]: p.get("ParameterValue")
                      for page in rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=physical)
                      for p in page["Parameters"]}
        check = Check()
        check.equal("Family", self.p(props, "Family"), group["DBParameterGroupFamily"])
        for name, value in self.p(props, "Parameters", {}).items():
            check.equal(f"Parameters.{name}", value, parameters.get(name))
        return check

    # --- storage and messaging ------------------------------------------------------------------------------------
    def bucket(self, lid, props, physical) -> Check:
        s3 = self.client("s3")
        s3.head_bucket(Bucket=physical)
        # moto's CloudFormation creates the bucket with its encryption and ownership only; the rest it drops.
        check = Check(frozenset({"VersioningConfiguration", "LifecycleConfiguration (rule count)", "NotificationConfiguration",
                                 "PublicAccessBlockConfiguration", "LoggingConfiguration", "BucketEncryption[0].BucketKeyEnabled"}))
        if "BucketName" in props:
            check.equal("BucketName", self.p(props, "BucketName"), physical)
        rules = _or_none(lambda: s3.get_bucket_encryption(Bucket=physical)["ServerSideEncryptionConfiguration"]["Rules"]) or [{}]
        for i, rule in enumerate(self.p(props, "BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])):
            actual = rules[i] if i < len(rules) else {}
            check.equal(f"BucketEncryption[{i}]", rule["ServerSideEncryptionByDefault"], actual.get("ApplyServerSideEncryptionByDefault"))
            if "BucketKeyEnabled" in rule:
                check.equal(f"BucketEncryption[{i}].BucketKeyEnabled", rule["BucketKeyEnabled"], actual.get("BucketKeyEnabled"))
        if "VersioningConfiguration" in props:
            check.equal("VersioningConfiguration", self.p(props, "VersioningConfiguration")["Status"], s3.get_bucket_versioning(Bucket=physical).get("Status"))
        if "LifecycleConfiguration" in props:
            rules = _or_none(lambda: s3.get_bucket_lifecycle_configuration(Bucket=physical)["Rules"])
            check.equal("LifecycleConfiguration (rule count)", len(props["LifecycleConfiguration"]["Rules"]), len(rules) if rules else None)
        if "PublicAccessBlockConfiguration" in props:
            check.equal("PublicAccessBlockConfiguration", self.p(props, "PublicAccessBlockConfiguration"),
                        _or_none(lambda: s3.get_public_access_block(Bucket=physical)["PublicAccessBlockConfiguration"]))
        if "LoggingConfiguration" in props:
            logging = s3.get_bucket_logging(Bucket=physical).get("LoggingEnabled", {})
            check.equal("LoggingConfiguration", self.p(props, "LoggingConfiguration").get("DestinationBucketName"), logging.get("TargetBucket"))
        if "NotificationConfiguration" in props:
            queues = s3.get_bucket_notification_configuration(Bucket=physical).get("QueueConfigurations", [])
            expected = [q["Queue"] for q in self.p(props, "NotificationConfiguration").get("QueueConfigurations", [])]
            check.equal("NotificationConfiguration", expected, [q["QueueArn"] for q in queues])
        return check

    def queue(self, lid, props, physical) -> Check:
        sqs = self.client("sqs")
        attributes = sqs.get_queue_attributes(QueueUrl=physical, AttributeNames=["All"])["Attributes"]
        check = Check()
        if "QueueName" in props:
            check.equal("QueueName", self.p(props, "QueueName"), physical.rsplit("/", 1)[-1])
        for name in ("FifoQueue", "ContentBasedDeduplication", "MessageRetentionPeriod", "VisibilityTimeout",
                     "KmsMasterKeyId", "DelaySeconds"):
            if name in props:
                check.equal(name, self.p(props, name), attributes.get(name))
        if "RedrivePolicy" in props:
            redrive = json.loads(attributes.get("RedrivePolicy", "{}"))
            expected = self.p(props, "RedrivePolicy")
            check.equal("RedrivePolicy.deadLetterTargetArn", expected.get("deadLetterTargetArn"), redrive.get("deadLetterTargetArn"))
            check.equal("RedrivePolicy.maxReceiveCount", expected.get("maxReceiveCount"), redrive.get("maxReceiveCount"))
        return check

    def topic(self, lid, props, physical) -> Check:
        sns = self.client("sns")
        attributes = sns.get_topic_attributes(TopicArn=physical)["Attributes"]
        check = Check()
        for name in ("DisplayName", "KmsMasterKeyId"):
            if name in props:
                check.equal(name, self.p(props, name), attributes.get(name))
        return check

    def parameter(self, lid, props, physical) -> Check:
        ssm = self.client("ssm")
        parameter = ssm.get_parameter(Name=physical)["Parameter"]
        check = Check()
        if "Name" in props:
            check.equal("Name", self.p(props, "Name"), parameter["Name"])
        check.equal("Type", self.p(props, "Type"), parameter["Type"])
        check.equal("Value", self.p(props, "Value"), parameter["Value"])
        return check

    def dashboard(self, lid, props, physical) -> Check:
        cloudwatch = self.client("cloudwatch")
        body = cloudwatch.get_dashboard(DashboardName=physical)["DashboardBody"]
        check = Check()
        check.equal("DashboardBody", self.p(props, "DashboardBody"), body)
        return check

    # --- helpers --------------------------------------------------------------------------------------------------
    @staticmethod
    def _rule(check: Check, group: dict[str, Any], rule: dict[str, Any]) -> None:
        if _contains_unresolved(rule):
            check.unchecked.append(f"ingress {_rule_name(rule)}")
        elif _has_rule(group["IpPermissions"], rule):
            check.seen(f"ingress {_rule_name(rule)}")
        else:
            check.failures.append(f"no ingress {_rule_name(rule)} on {group['GroupId']}")

    def _route_table(self, table_id: str) -> dict[str, Any]:
        return self._one(self.client("ec2").describe_route_tables(RouteTableIds=[table_id])["RouteTables"], table_id)

    def _security_group(self, group_id: str) -> dict[str, Any]:
        return self._one(self.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"], group_id)

    def _eip(self, physical: str) -> dict[str, Any]:
        addresses = self.client("ec2").describe_addresses()["Addresses"]
        return self._one([a for a in addresses if physical in (a.get("PublicIp"), a.get("AllocationId"))], physical)

    def _log_group(self, name: str) -> dict[str, Any]:
        groups = self.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        return self._one([g for g in groups if g["logGroupName"] == name], name)

    def _load_balancer(self, arn: str) -> dict[str, Any]:
        return self._one(self.client("elbv2").describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"], arn)

    @staticmethod
    def _one(items: list[dict[str, Any]], physical: str) -> dict[str, Any]:
        if len(items) != 1:
            raise NotFound(f"{physical} ({len(items)} found)")
        return items[0]


def _rule_name(rule: dict[str, Any]) -> str:
    source = rule.get("CidrIp") or rule.get("SourceSecurityGroupId") or rule.get("CidrIpv6") or "?"
    return f"{rule.get('IpProtocol')} {rule.get('FromPort', '*')}-{rule.get('ToPort', '*')} from {source}"


def _has_rule(permissions: list[dict[str, Any]], rule: dict[str, Any]) -> bool:
    for permission in permissions:
        if str(permission.get("IpProtocol")) != str(rule.get("IpProtocol")):
            continue
        if "FromPort" in rule and (permission.get("FromPort") != int(rule["FromPort"]) or permission.get("ToPort") != int(rule["ToPort"])):
            continue
        if "CidrIp" in rule and any(r.get("CidrIp") == rule["CidrIp"] for r in permission.get("IpRanges", [])):
            return True
        if "SourceSecurityGroupId" in rule and any(p.get("GroupId") == rule["SourceSecurityGroupId"] for p in permission.get("UserIdGroupPairs", [])):
            return True
    return False


def _or_none(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except ClientError:  # the S3 APIs answer "not configured" with an error: here that is a value
        return None
