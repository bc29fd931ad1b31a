namespace Loyalty.Infra.Tests;

/// <summary>cfn-lint over every synthesised template: no error, no warning (an ignore needs a reason beside it).</summary>
[Collection(StagesSuite.Name)]
public sealed class CfnLintTests(Stages stages)
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public Task Template_PassesCfnLint(string stage) => LintAsync(stages[stage].TemplatePath);

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public Task CiTemplateOfTheStagesAccount_PassesCfnLint(string stage) => LintAsync(stages.Ci(stage).TemplatePath);

    private static async Task LintAsync(string path)
    {
        var lint = await Processes.RunAsync("cfn-lint", ["--format", "parseable", "--", path]);

        Assert.True(lint.ExitCode == 0, lint.ToString());
        Assert.Equal("", lint.Output.Trim());
    }
}
