using System.Diagnostics;

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
        var start = new ProcessStartInfo("cfn-lint", ["--format", "parseable", "--", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var lint = Process.Start(start) ?? throw new InvalidOperationException("cfn-lint did not start");
        var output = await lint.StandardOutput.ReadToEndAsync();
        var errors = await lint.StandardError.ReadToEndAsync();
        await lint.WaitForExitAsync();
        Assert.True(lint.ExitCode == 0, $"cfn-lint exit {lint.ExitCode}:\n{output}\n{errors}");
        Assert.Equal("", output.Trim());
    }
}
