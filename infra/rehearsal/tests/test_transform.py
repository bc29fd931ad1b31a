"""The emulator edition's transform, on small templates with one case each (python3 -m unittest, from infra/)."""
import copy
import json
import unittest

from rehearsal import audit, rehearse, transform

STAND_INS = transform.StandIns(account="111111111111", region="eu-west-1", image_id="ami-0123456789abcdef0",
                               certificate_arn="arn:aws:acm:eu-west-1:111111111111:certificate/stand-in")


def template(**resources):
    return {"Resources": resources, "Outputs": {}}


def kinds(edition):
    return {(c.logical_id, c.kind) for c in edition.changes}


def references(value):
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            yield value["Ref"]
        elif set(value) == {"Fn::GetAtt"}:
            yield value["Fn::GetAtt"][0]
        for v in value.values():
            yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)


class RemovedTypes(unittest.TestCase):
    def test_a_type_moto_skips_and_nobody_uses_is_removed_as_not_emulated(self):
        edition = transform.emulator_edition(template(
            Alarm={"Type": "AWS::CloudWatch::Alarm", "Properties": {"Threshold": 1}},
            Queue={"Type": "AWS::SQS::Queue", "Properties": {}}), STAND_INS)

        self.assertNotIn("Alarm", edition.template["Resources"])
        self.assertIn("Queue", edition.template["Resources"])
        self.assertEqual({("Alarm", "not emulated")}, kinds(edition))

    def test_a_removed_resource_that_others_refer_to_is_stubbed_and_every_reference_gets_a_stand_in(self):
        edition = transform.emulator_edition(template(
            Pool={"Type": "AWS::Cognito::UserPool", "Properties": {}},
            Client={"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "Pool"}}},
            Issuer={"Type": "AWS::SSM::Parameter", "Properties": {
                "Type": "String", "Value": {"Fn::Join": ["", ["https://cognito-idp.eu-west-1.amazonaws.com/", {"Ref": "Pool"}]]}}},
            ClientParameter={"Type": "AWS::SSM::Parameter", "Properties": {
                "Type": "String", "Name": {"Fn::Join": ["", ["/loyalty/dev/api/BankClients__Clients__", {"Ref": "Client"}]]}, "Value": "HARB"}}),
            STAND_INS)

        resources = edition.template["Resources"]
        self.assertEqual({"Issuer", "ClientParameter"}, set(resources))
        self.assertRegex(resources["Issuer"]["Properties"]["Value"], r"^https://cognito-idp\.eu-west-1\.amazonaws\.com/eu-west-1_rehearsal\w+$")
        self.assertRegex(resources["ClientParameter"]["Properties"]["Name"], r"^/loyalty/dev/api/BankClients__Clients__[a-z0-9]{26}$")
        self.assertEqual({("Pool", "stubbed"), ("Client", "stubbed")}, {k for k in kinds(edition) if k[1] == "stubbed"})
        self.assertIn("Issuer", next(c.detail for c in edition.changes if c.logical_id == "Pool"))

    def test_no_reference_to_a_removed_resource_survives_anywhere(self):
        edition = transform.emulator_edition(template(
            Secret={"Type": "AWS::SecretsManager::Secret", "Properties": {}},
            Image={"Type": "AWS::ImageBuilder::Image", "Properties": {}},
            Template={"Type": "AWS::EC2::LaunchTemplate", "DependsOn": ["Image", "Secret"], "Properties": {"LaunchTemplateData": {
                "ImageId": {"Fn::GetAtt": ["Image", "ImageId"]}, "UserData": {"Fn::Join": ["", ["arn=", {"Ref": "Secret"}]]}}}}),
            STAND_INS)

        launch = edition.template["Resources"]["Template"]
        self.assertEqual([], list(references(edition.template)))
        self.assertNotIn("DependsOn", launch)
        self.assertEqual(STAND_INS.image_id, launch["Properties"]["LaunchTemplateData"]["ImageId"])
        self.assertEqual("arn=arn:aws:secretsmanager:eu-west-1:111111111111:secret:rehearsal-Secret", launch["Properties"]["LaunchTemplateData"]["UserData"])

    def test_a_ref_to_a_secret_s_attachment_gets_the_secret_s_stand_in(self):
        edition = transform.emulator_edition(template(
            Secret={"Type": "AWS::SecretsManager::Secret", "Properties": {}},
            Attachment={"Type": "AWS::SecretsManager::SecretTargetAttachment", "Properties": {"SecretId": {"Ref": "Secret"}}},
            Db={"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {"Ref": "Secret"}}},
            Boot={"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {"Ref": "Attachment"}}}), STAND_INS)

        resources = edition.template["Resources"]
        self.assertEqual("arn:aws:secretsmanager:eu-west-1:111111111111:secret:rehearsal-Secret", resources["Db"]["Properties"]["Value"])
        self.assertEqual(resources["Db"]["Properties"]["Value"], resources["Boot"]["Properties"]["Value"])
        self.assertIn(("Boot", "rewritten"), kinds(edition))
        self.assertIn(("Attachment", "not emulated"), kinds(edition))

    def test_cdk_metadata_is_no_resource(self):
        edition = transform.emulator_edition(template(CDKMetadata={"Type": "AWS::CDK::Metadata", "Properties": {}}), STAND_INS)
        self.assertEqual({("CDKMetadata", "not a resource")}, kinds(edition))

    def test_the_bootstrap_rule_is_dropped_and_the_input_is_left_untouched(self):
        original = template(Queue={"Type": "AWS::SQS::Queue", "Properties": {}})
        original["Rules"] = {"CheckBootstrapVersion": {"Assertions": []}}
        before = copy.deepcopy(original)

        edition = transform.emulator_edition(original, STAND_INS)

        self.assertNotIn("Rules", edition.template)
        self.assertEqual(before, original)

    def test_a_macro_is_removed_with_a_manifest_line_and_what_it_would_expand_is_not_emulated(self):
        original = template(
            Rotation={"Type": "AWS::SecretsManager::RotationSchedule", "Properties": {"HostedRotationLambda": {"RotationType": "MariaDBSingleUser"}}})
        original["Transform"] = "AWS::SecretsManager-2024-09-16"

        edition = transform.emulator_edition(original, STAND_INS)

        self.assertNotIn("Transform", edition.template)
        self.assertEqual({("Rotation", "not emulated"), ("Transform", "not emulated")}, kinds(edition))
        self.assertIn("AWS::SecretsManager-2024-09-16", next(c.detail for c in edition.changes if c.logical_id == "Transform"))


class KnownCrashes(unittest.TestCase):
    def test_kms_key_tags_and_policy_take_the_shapes_moto_reads(self):
        edition = transform.emulator_edition(template(Key={"Type": "AWS::KMS::Key", "Properties": {
            "Tags": [{"Key": "stage", "Value": "dev"}],
            "KeyPolicy": {"Statement": [{"Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::1:root"]]}}}]}}}),
            STAND_INS)

        props = edition.template["Resources"]["Key"]["Properties"]
        self.assertEqual([{"TagKey": "stage", "TagValue": "dev"}], props["Tags"])
        delimiter, parts = props["KeyPolicy"]["Fn::Join"]
        text = delimiter.join(p if isinstance(p, str) else "arn:aws:iam::1:root" for p in parts)
        self.assertEqual({"Statement": [{"Principal": {"AWS": "arn:aws:iam::1:root"}}]}, json.loads(text))
        self.assertEqual(2, len([c for c in edition.changes if c.logical_id == "Key"]))

    def test_a_key_policy_without_functions_becomes_plain_json_text(self):
        edition = transform.emulator_edition(template(Key={"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17"}}}), STAND_INS)
        self.assertEqual('{"Version":"2012-10-17"}', edition.template["Resources"]["Key"]["Properties"]["KeyPolicy"])

    def test_ssm_parameter_tags_become_a_list(self):
        edition = transform.emulator_edition(template(P={"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Value": "v", "Tags": {"stage": "dev", "owner": "platform"}}}), STAND_INS)
        self.assertEqual([{"Key": "stage", "Value": "dev"}, {"Key": "owner", "Value": "platform"}],
                         edition.template["Resources"]["P"]["Properties"]["Tags"])

    def test_the_database_loses_its_group_references_and_gets_its_security_groups_under_moto_s_key(self):
        edition = transform.emulator_edition(template(
            Parameters={"Type": "AWS::RDS::DBParameterGroup", "Properties": {"Family": "mariadb10.11", "Description": "d"}},
            Options={"Type": "AWS::RDS::OptionGroup", "Properties": {}},
            Db={"Type": "AWS::RDS::DBInstance", "Properties": {
                "DBParameterGroupName": {"Ref": "Parameters"}, "OptionGroupName": {"Ref": "Options"},
                "VPCSecurityGroups": [{"Fn::GetAtt": ["Group", "GroupId"]}],
                "MasterUserPassword": {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "AWS::StackName"}, ":SecretString:password::}}"]]},
                "MasterUsername": "{{resolve:secretsmanager:x:SecretString:username::}}"}}),
            STAND_INS)

        props = edition.template["Resources"]["Db"]["Properties"]
        self.assertNotIn("DBParameterGroupName", props)
        self.assertNotIn("OptionGroupName", props)
        self.assertEqual(props["VPCSecurityGroups"], props["VpcSecurityGroupIds"])
        self.assertEqual(STAND_INS.secret_value, props["MasterUsername"])
        self.assertNotIn("{{resolve", json.dumps(props["MasterUserPassword"]))
        self.assertIn(("Options", "not emulated"), kinds(edition))  # nothing gets a stand-in: the reference is gone
        self.assertIn("Parameters", edition.template["Resources"])

    def test_a_target_group_s_full_name_gets_a_stand_in_and_a_manifest_line(self):
        edition = transform.emulator_edition(template(
            Group={"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {}},
            Board={"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardBody": {"Fn::Join": ["", [
                "{\"tg\":\"", {"Fn::GetAtt": ["Group", "TargetGroupFullName"]}, "\"}"]]}}}), STAND_INS)
        self.assertEqual('{"tg":"targetgroup/Group/rehearsal"}', edition.template["Resources"]["Board"]["Properties"]["DashboardBody"])
        self.assertEqual({("Board", "rewritten")}, kinds(edition))

    def test_the_https_listener_gets_the_certificate_the_emulator_holds(self):
        edition = transform.emulator_edition(template(L={"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
            "Certificates": [{"CertificateArn": "arn:aws:acm:eu-west-1:111111111111:certificate/real"}], "Port": 443}}), STAND_INS)
        self.assertEqual([{"CertificateArn": STAND_INS.certificate_arn}], edition.template["Resources"]["L"]["Properties"]["Certificates"])
        self.assertIn(STAND_INS.certificate_arn, edition.changes[0].detail)

    def test_an_emulated_resource_without_a_known_crash_is_deployed_as_written(self):
        queue = {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True, "Tags": [{"Key": "bank", "Value": "HARB"}]}}
        edition = transform.emulator_edition(template(Q=queue), STAND_INS)
        self.assertEqual(queue, edition.template["Resources"]["Q"])
        self.assertEqual([], edition.changes)


class ShapesLeftAlone(unittest.TestCase):
    def test_a_join_over_a_function_s_list_is_kept_as_a_join(self):
        value = {"Fn::Join": [",", {"Fn::GetAZs": ""}]}
        edition = transform.emulator_edition(template(P={"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": value}}), STAND_INS)
        self.assertEqual(value, edition.template["Resources"]["P"]["Properties"]["Value"])

    def test_any_function_inside_a_key_policy_stays_a_function(self):
        condition = {"Fn::If": ["Prod", "arn:aws:iam::1:root", {"Ref": "AWS::NoValue"}]}
        edition = transform.emulator_edition(template(Key={"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Principal": condition}}}), STAND_INS)
        _, parts = edition.template["Resources"]["Key"]["Properties"]["KeyPolicy"]["Fn::Join"]
        self.assertIn(condition, parts)


class Emulator(unittest.TestCase):
    def test_the_list_of_emulated_types_is_moto_s_own(self):
        rehearse.check_emulated_types()


class AuditComparison(unittest.TestCase):
    def test_template_strings_equal_api_numbers_and_booleans_and_lists_in_any_order(self):
        check = audit.Check()
        check.equal("MaxSize", "3", 3)
        check.equal("Encrypted", True, True)
        check.equal("Subnets", ["b", "a"], ["a", "b"])
        self.assertEqual(["MaxSize", "Encrypted", "Subnets"], check.checked)
        self.assertEqual([], check.failures)

    def test_a_mismatch_fails_unless_the_property_is_one_the_emulator_drops(self):
        check = audit.Check(frozenset({"KmsKeyId"}))
        check.equal("KmsKeyId", "arn:key", None)
        check.equal("RetentionInDays", 30, 7)
        self.assertEqual(["KmsKeyId"], check.dropped)
        self.assertEqual(["RetentionInDays: template 30, emulator 7"], check.failures)

    def test_a_droppable_property_with_another_value_than_unset_fails(self):
        check = audit.Check(frozenset({"KmsKeyId"}))
        check.equal("KmsKeyId", "arn:key-1", "arn:key-2")
        self.assertEqual([], check.dropped)
        self.assertEqual(["KmsKeyId: template 'arn:key-1', emulator 'arn:key-2'"], check.failures)

    def test_a_droppable_property_may_show_the_default_named_for_it(self):
        check = audit.Check({"attribute deregistration_delay.timeout_seconds": (None, "300")})
        check.equal("attribute deregistration_delay.timeout_seconds", "30", "300")
        self.assertEqual(["attribute deregistration_delay.timeout_seconds"], check.dropped)

    def test_an_unresolvable_expectation_is_reported_unchecked_not_checked(self):
        check = audit.Check()
        check.equal("ImageId", audit.UNRESOLVED, "ami-1")
        self.assertEqual(([], [], ["ImageId"]), (check.checked, check.failures, check.unchecked))

    def test_the_resolver_evaluates_refs_joins_and_attributes(self):
        resolver = audit.Resolver({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC"}, "Key": {"Type": "AWS::KMS::Key"}}},
                                  {"Vpc": "vpc-1", "Key": "k-1"}, {"P": "ami-1"}, {"AWS::Partition": "aws"},
                                  lambda type_, physical, name: f"arn:{physical}:{name}")
        self.assertEqual("vpc-1", resolver({"Ref": "Vpc"}))
        self.assertEqual("ami-1", resolver({"Ref": "P"}))
        self.assertEqual("arn:aws:vpc-1", resolver({"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, {"Ref": "Vpc"}]]}))
        self.assertEqual("arn:k-1:Arn", resolver({"Fn::GetAtt": ["Key", "Arn"]}))
        self.assertEqual("b", resolver({"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::Join": ["", ["a/b/", {"Ref": "Vpc"}]]}]}]}))
        self.assertIs(audit.UNRESOLVED, resolver({"Ref": "Missing"}))
        self.assertIs(audit.UNRESOLVED, resolver({"Fn::Join": ["", [{"Ref": "Missing"}]]}))


if __name__ == "__main__":
    unittest.main()
