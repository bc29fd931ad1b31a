using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.SQS;
using Loyalty.Infra.PolicyGate;

namespace Loyalty.Infra.Tests.Policy;

[Collection(StagesSuite.Name)]
public sealed class TaggingPolicyTests
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Tag1_StackTaggedForTheStage_HasNoFinding(string stage)
    {
        var gate = Tagged(stage, stage);
        _ = new Queue(gate.Stack, "Queue");
        _ = new UserPool(gate.Stack, "Pool");

        Assert.Empty(gate.Findings(TaggingRules.Required.Id));
    }

    [Fact]
    public void Tag1_UntaggedQueue_FailsWithPathAndFix()
    {
        var gate = new Gate();
        _ = new Queue(gate.Stack, "Queue");

        Gate.AssertFinding(gate.Errors(TaggingRules.Required.Id), TaggingRules.Required, "Gate-dev/Queue/Resource");
    }

    [Fact]
    public void Tag1_TagOfAnotherStage_Fails()
    {
        var gate = Tagged("prod", "dev");
        _ = new Queue(gate.Stack, "Queue");

        var finding = Assert.Single(gate.Errors(TaggingRules.Required.Id));
        Assert.Contains("tag stage is not prod", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Tag1_DbInstanceNotCopyingTagsToSnapshots_Fails()
    {
        var gate = Tagged("dev", "dev");
        _ = new CfnDBInstance(gate.Stack, "Db", new CfnDBInstanceProps { Engine = "mariadb", DbInstanceClass = "db.t4g.micro", CopyTagsToSnapshot = false });

        var finding = Assert.Single(gate.Errors(TaggingRules.Required.Id));
        Assert.StartsWith("LOY-TAG-1 error Gate-dev/Db: CopyTagsToSnapshot is not true", finding, StringComparison.Ordinal);
    }

    private static Gate Tagged(string stage, string stageTag) =>
        new(stage, tags: StageLoader.RequiredTags.ToDictionary(k => k, _ => "loyalty").Append(new("stage", stageTag)).ToDictionary());
}
