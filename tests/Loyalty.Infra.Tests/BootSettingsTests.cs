using System.Text.Json;
using System.Text.RegularExpressions;

namespace Loyalty.Infra.Tests;

/// <summary>
/// The API settings each stage writes to SSM against the boot step's allow-list (app/deploy/loyalty-env.py), which
/// refuses any other parameter: the two lists must agree, and the list must never admit a guard the unit sets.
/// </summary>
[Collection(StagesSuite.Name)]
public sealed partial class BootSettingsTests(Stages stages)
{
    public static TheoryData<string> StageNames => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(StageNames))]
    public void EverySettingTheStackWrites_IsOneTheBootStepAllows(string stage)
    {
        var path = $"/loyalty/{stage}/api/";
        var names = stages[stage].Resources("AWS::SSM::Parameter")
            .Select(p => Flatten(p.Properties.GetProperty("Name")))
            .Where(name => name.StartsWith(path, StringComparison.Ordinal))
            .Select(name => name[path.Length..])
            .ToList();

        Assert.Contains("Auth__Issuer", names);
        Assert.Contains("Fulfilment__Bucket", names);
        Assert.All(names, name => Assert.Matches(AllowList(), name));
    }

    [Theory]
    [InlineData("ASPNETCORE_ENVIRONMENT")]
    [InlineData("DOTNET_ENVIRONMENT")]
    [InlineData("Auth__DevelopmentKeyFile")]
    [InlineData("Auth__Authority")]
    [InlineData("AWS_ENDPOINT_URL")]
    [InlineData("AWS_ENDPOINT_URL_S3")]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("Database__ConnectionString")]
    [InlineData("Database__PasswordSecret")]
    [InlineData("Fulfilment__BankQueues__HARB__Extra")]
    public void TheAllowList_RefusesWhatTheUnitOrTheImageSets(string name) => Assert.DoesNotMatch(AllowList(), name);

    /// <summary>The Python raw-string literals of ALLOWED, joined as Python joins adjacent literals.</summary>
    private static Regex AllowList()
    {
        var script = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "app", "deploy", "loyalty-env.py"));
        var call = AllowedCall().Match(script);
        Assert.True(call.Success, "loyalty-env.py has no ALLOWED = re.compile(...)");
        return new Regex(string.Concat(RawLiteral().Matches(call.Groups[1].Value).Select(m => m.Groups[1].Value)), RegexOptions.CultureInvariant);
    }

    /// <summary>A parameter name, with each token of an Fn::Join (a client id) standing in as letters.</summary>
    private static string Flatten(JsonElement name) => name.ValueKind == JsonValueKind.String
        ? name.GetString()!
        : string.Concat(name.GetProperty("Fn::Join")[1].EnumerateArray().Select(part => part.ValueKind == JsonValueKind.String ? part.GetString() : "Token"));

    [GeneratedRegex(@"ALLOWED = re\.compile\(((?:\s*r""[^""]*"")+)\)")]
    private static partial Regex AllowedCall();

    [GeneratedRegex(@"r""([^""]*)""")]
    private static partial Regex RawLiteral();
}
