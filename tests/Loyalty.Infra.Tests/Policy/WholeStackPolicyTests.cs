using Amazon.CDK.Assertions;

namespace Loyalty.Infra.Tests.Policy;

/// <summary>The real stacks pass the gate: no unsuppressed error anywhere, and prod no warning either.</summary>
[Collection(StagesSuite.Name)]
public sealed class WholeStackPolicyTests(Stages stages)
{
    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(StageNames))]
    public void RealStack_HasNoUnsuppressedPolicyError(string stage)
    {
        var errors = Annotations.FromStack(stages[stage].Stack).FindError("*", Match.AnyValue());

        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => $"{e.Id}: {e.Entry.Data}")));
    }

    [Theory]
    [MemberData(nameof(StageNames))]
    public void RealStack_HasNoPolicyWarning(string stage)
    {
        var warnings = Annotations.FromStack(stages[stage].Stack).FindWarning("*", Match.StringLikeRegexp("LOY-"));

        Assert.True(warnings.Length == 0, string.Join("\n", warnings.Select(e => $"{e.Id}: {e.Entry.Data}")));
    }
}
