using System.Text.Json;
using Amazon.CDK.Assertions;
using Annotations = Amazon.CDK.Assertions.Annotations;

namespace Loyalty.Infra.Tests;

/// <summary>
/// Loyalty-ci of each account, from the real stages/*.json and stages/github.json: GitHub's OIDC provider, a deploy
/// role per stage that only that GitHub environment can assume, a read-only role for pull requests and main, and
/// nothing either may do but assume the account's CDK bootstrap roles.
/// </summary>
[Collection(StagesSuite.Name)]
public sealed class CiStackTests(Stages stages)
{
    private const string Issuer = "token.actions.githubusercontent.com";

    /// <summary>The roles `cdk bootstrap` creates that `cdk deploy` uses (its bootstrap template's role names).</summary>
    private static readonly string[] BootstrapRolesOfADeploy = ["deploy", "file-publishing", "image-publishing", "lookup"];

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void OneOidcProvider_ForGitHubActionsTokensAskedForSts(string stage)
    {
        var providers = Resources(stages.Ci(stage), "AWS::IAM::OIDCProvider");

        var provider = Assert.Single(providers).Properties;
        Assert.Equal($"https://{Issuer}", provider.GetProperty("Url").GetString());
        Assert.Equal(["sts.amazonaws.com"], provider.GetProperty("ClientIdList").EnumerateArray().Select(c => c.GetString()));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void DeployRole_IsAssumableOnlyFromItsGitHubEnvironment_AndOnlyAssumesTheBootstrapRoles(string stage)
    {
        var ci = stages.Ci(stage);
        var config = stages[stage].Config;
        var role = Role(ci, $"loyalty-github-deploy-{stage}");

        AssertTrust(role, [$"repo:{ci.GitHub.Owner}/{ci.GitHub.Repository}:environment:{stage}"]);
        Assert.Equal(
            BootstrapRolesOfADeploy
                .Select(r => $"arn:aws:iam::{config.Account}:role/cdk-{ci.GitHub.BootstrapQualifier}-{r}-role-{config.Account}-{config.Region}")
                .Order(),
            AssumableRoles(ci, role).Order());
        Assert.Equal(7200, role.Properties.GetProperty("MaxSessionDuration").GetInt32()); // a golden AMI build and a roll outlast an hour
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void DriftRole_IsAssumableOnlyByRunsOnMain_AndOnlyAssumesTheReadOnlyLookupRole(string stage)
    {
        var ci = stages.Ci(stage);
        var config = stages[stage].Config;
        var role = Role(ci, "loyalty-github-drift");

        AssertTrust(role, [$"repo:{ci.GitHub.Owner}/{ci.GitHub.Repository}:ref:refs/heads/main"]);
        Assert.Equal(
            [$"arn:aws:iam::{config.Account}:role/cdk-{ci.GitHub.BootstrapQualifier}-lookup-role-{config.Account}-{config.Region}"],
            AssumableRoles(ci, role));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void PreviewRole_IsAssumableOnlyForPullRequests_AndReadsOnlyTheStageTemplatesAndTheBootstrapVersion(string stage)
    {
        var ci = stages.Ci(stage);
        var config = stages[stage].Config;
        var role = Role(ci, "loyalty-github-preview");

        AssertTrust(role, [$"repo:{ci.GitHub.Owner}/{ci.GitHub.Repository}:pull_request"]);
        var grants = Statements(ci, role)
            .Select(s => (Actions: string.Join(",", Strings(s.GetProperty("Action")).Order()), Resources: string.Join(",", Resources(s).Order())))
            .Order()
            .ToList();
        Assert.Equal(
            [
                ("cloudformation:DescribeStacks,cloudformation:GetTemplate", $"arn:aws:cloudformation:{config.Region}:{config.Account}:stack/Loyalty-{stage}/*"),
                ("ssm:GetParameter", $"arn:aws:ssm:{config.Region}:{config.Account}:parameter/cdk-bootstrap/{ci.GitHub.BootstrapQualifier}/version"),
            ],
            grants);
        Assert.False(role.Properties.TryGetProperty("ManagedPolicyArns", out _));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Stack_HasOneDeployRolePerStageOfTheAccount_AndThePreviewAndDriftRoles(string stage)
    {
        var ci = stages.Ci(stage);
        var names = Resources(ci, "AWS::IAM::Role").Select(r => r.Properties.GetProperty("RoleName").GetString()).Order();

        Assert.Equal(ci.Stages.Select(s => $"loyalty-github-deploy-{s.Name}").Append("loyalty-github-preview").Append("loyalty-github-drift").Order(), names);
        Assert.Equal(stages[stage].Config.Account, ci.Stack.Account);
        Assert.Contains(ci.Stages, s => s.Name == stage);
    }

    [Fact]
    public void ProdAccount_ProtectsItsStackFromDeletion_DevAccountDoesNot()
    {
        Assert.True(stages.Ci("prod").Stack.TerminationProtection);
        Assert.False(stages.Ci("dev").Stack.TerminationProtection);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void PolicyGate_FindsNothing_AndEveryResourceIsTaggedForCi(string stage)
    {
        var ci = stages.Ci(stage);
        var annotations = Annotations.FromStack(ci.Stack);

        Assert.Empty(annotations.FindError("*", Match.AnyValue()));
        Assert.Empty(annotations.FindWarning("*", Match.AnyValue()));
        foreach (var (_, properties) in Resources(ci, "AWS::IAM::Role").Concat(Resources(ci, "AWS::IAM::OIDCProvider")))
        {
            var tags = properties.GetProperty("Tags").EnumerateArray().ToDictionary(t => t.GetProperty("Key").GetString()!, t => t.GetProperty("Value").GetString());
            Assert.Equal("ci", tags["stage"]);
            Assert.All(ci.GitHub.Tags, tag => Assert.Equal(tag.Value, tags[tag.Key]));
        }
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Outputs_NameTheRoleArnsTheWorkflowsAreGiven(string stage)
    {
        var outputs = stages.Ci(stage).Json.GetProperty("Outputs");

        Assert.True(outputs.TryGetProperty("PreviewRoleArn", out _));
        Assert.True(outputs.TryGetProperty("DriftRoleArn", out _));
        Assert.True(outputs.TryGetProperty($"DeployRoleArn{char.ToUpperInvariant(stage[0])}{stage[1..]}", out _));
    }

    private static void AssertTrust((string LogicalId, JsonElement Properties) role, string[] subjects)
    {
        var statement = Assert.Single(role.Properties.GetProperty("AssumeRolePolicyDocument").GetProperty("Statement").EnumerateArray());
        Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
        Assert.Equal("sts:AssumeRoleWithWebIdentity", statement.GetProperty("Action").GetString());
        Assert.True(statement.GetProperty("Principal").GetProperty("Federated").TryGetProperty("Fn::GetAtt", out _));
        var condition = Assert.Single(statement.GetProperty("Condition").EnumerateObject());
        Assert.Equal("StringEquals", condition.Name);
        Assert.Equal(["sts.amazonaws.com"], Strings(condition.Value.GetProperty($"{Issuer}:aud")));
        Assert.Equal(subjects, Strings(condition.Value.GetProperty($"{Issuer}:sub")));
        Assert.Equal(2, condition.Value.EnumerateObject().Count());
    }

    private static string[] Strings(JsonElement oneOrMany) =>
        oneOrMany.ValueKind == JsonValueKind.Array ? [.. oneOrMany.EnumerateArray().Select(v => v.GetString() ?? "")] : [oneOrMany.GetString() ?? ""];

    /// <summary>Every ARN the role's policies allow, checked to be sts:AssumeRole and nothing else.</summary>
    private static List<string> AssumableRoles(SynthesisedCi ci, (string LogicalId, JsonElement Properties) role)
    {
        var statements = Statements(ci, role);
        Assert.All(statements, s => Assert.Equal(("Allow", "sts:AssumeRole"), (s.GetProperty("Effect").GetString(), s.GetProperty("Action").GetString())));
        return [.. statements.SelectMany(Resources)];
    }

    /// <summary>The statements of the role's policies; a role holds no managed or inline policy besides.</summary>
    private static List<JsonElement> Statements(SynthesisedCi ci, (string LogicalId, JsonElement Properties) role)
    {
        var statements = Resources(ci, "AWS::IAM::Policy")
            .Where(p => p.Properties.GetProperty("Roles").EnumerateArray().Any(r => r.GetProperty("Ref").GetString() == role.LogicalId))
            .SelectMany(p => p.Properties.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
            .ToList();
        Assert.NotEmpty(statements);
        Assert.False(role.Properties.TryGetProperty("ManagedPolicyArns", out _));
        Assert.False(role.Properties.TryGetProperty("Policies", out _));
        Assert.All(statements, s => Assert.Equal("Allow", s.GetProperty("Effect").GetString()));
        return statements;
    }

    private static IEnumerable<string> Resources(JsonElement statement) =>
        (statement.GetProperty("Resource").ValueKind == JsonValueKind.Array
            ? statement.GetProperty("Resource").EnumerateArray()
            : new[] { statement.GetProperty("Resource") }.AsEnumerable()).Select(Arn);

    /// <summary>An ARN as CDK renders it: <c>{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::..."]]}</c>, with the partition aws.</summary>
    private static string Arn(JsonElement value) =>
        value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : string.Concat(value.GetProperty("Fn::Join")[1].EnumerateArray()
                .Select(part => part.ValueKind == JsonValueKind.String ? part.GetString() : part.GetProperty("Ref").GetString() == "AWS::Partition" ? "aws" : throw new InvalidOperationException($"unexpected {part}")));

    private static (string LogicalId, JsonElement Properties) Role(SynthesisedCi ci, string name) =>
        Assert.Single(Resources(ci, "AWS::IAM::Role"), r => r.Properties.GetProperty("RoleName").GetString() == name);

    private static List<(string LogicalId, JsonElement Properties)> Resources(SynthesisedCi ci, string type) =>
        [.. ci.Json.GetProperty("Resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("Type").GetString() == type)
            .Select(r => (r.Name, r.Value.GetProperty("Properties")))];
}
