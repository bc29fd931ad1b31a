namespace Loyalty.Infra.Tests;

/// <summary>
/// scripts/deploy.sh (make deploy) up to the point where it needs an AWS account: what it refuses, and the synth and
/// lint gates it runs on an assembly. The diff against the deployed stack, the prod confirmation and the deploy itself
/// need a real account (the CDK CLI does not run against the local AWS).
/// </summary>
[Collection(StagesSuite.Name)]
public sealed class DeployScriptTests(Stages stages)
{
    [Theory]
    [InlineData("staging")]
    [InlineData("")]
    public async Task AnUnknownStage_IsRefused_BeforeAnythingRuns(string stage)
    {
        var run = await DeployAsync(stage);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"deploy: unknown stage '{stage}'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownStack_IsRefused() =>
        Assert.Contains("unknown stack 'everything'", (await DeployAsync("dev", "--stack", "everything")).Error, StringComparison.Ordinal);

    [Fact]
    public async Task AnAssemblyOfTheDevStage_PassesTheLintGate_AndStopsThereWhenAskedTo()
    {
        var run = await DeployAsync("dev", "--assembly", Assembly("dev"), "--synth-only");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("deploy dev: cfn-lint", run.Error, StringComparison.Ordinal);
        Assert.Contains($"deploy dev: synthesized and linted into {Assembly("dev")}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAssemblyOfAnotherStage_IsRefused_NothingIsDeployedFromIt()
    {
        var run = await DeployAsync("prod", "--assembly", Assembly("dev"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Loyalty-prod.template.json is missing: that assembly is not the prod stage's", run.Error, StringComparison.Ordinal);
    }

    private string Assembly(string stage) => Path.GetDirectoryName(stages[stage].TemplatePath)!;

    private static Task<ProcessResult> DeployAsync(params string[] arguments) =>
        Processes.BashAsync(RepositoryRoot.Script("deploy.sh"), arguments);
}
