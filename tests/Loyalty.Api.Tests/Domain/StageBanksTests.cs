using System.Text.Json;
using Dapper;
using Loyalty.Api.Infrastructure.Auth;
using Loyalty.Api.Tests.Infrastructure;
using Loyalty.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Loyalty.Api.Tests.Domain;

/// <summary>
/// The stage files (stages/*.json) are where the banks and their scopes are defined; every other list of banks
/// (the seeded database, the local settings, the test host's clients) must name the same ones.
/// </summary>
[Collection(ApiSuite.Name)]
public sealed class StageBanksTests(ApiFixture api)
{
    private static readonly JsonDocumentOptions Jsonc = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static TheoryData<string> Stages =>
        [.. Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "stages"), "*.json")
            .Select(path => Path.GetFileNameWithoutExtension(path))
            .Where(name => name is not "github")
            .Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Stages))]
    public async Task EveryStage_HasTheBanksTheDatabaseHolds(string stage)
    {
        await using var db = await api.OpenDatabaseAsync();
        var seeded = (await db.QueryAsync<string>("SELECT code FROM banks ORDER BY code")).ToList();

        Assert.Equal(seeded, StageBanks(stage).Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Stages))]
    public void EveryStageScope_IsOneTheApiEnforces(string stage)
    {
        Assert.All(StageBanks(stage).Values.SelectMany(scopes => scopes), scope => Assert.Contains(scope, Scopes.Names));
    }

    [Fact]
    public void TheLocalSettings_GiveEachBankOfTheDevStageOneClient()
    {
        var local = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepositoryRoot.Path, "app", "Loyalty.Api", "appsettings.Development.json"))
            .Build();

        Assert.Equal(StageBanks("dev").Keys.Order(StringComparer.Ordinal), BanksOfClients(local));
    }

    [Fact]
    public void TheTestHost_GivesEachBankOfTheDevStageOneClient()
    {
        Assert.Equal(StageBanks("dev").Keys.Order(StringComparer.Ordinal),
            BanksOfClients(api.Factory.Services.GetRequiredService<IConfiguration>()));
    }

    private static IEnumerable<string> BanksOfClients(IConfiguration configuration) =>
        configuration.GetSection("BankClients:Clients").GetChildren().Select(client => client.Value!).Order(StringComparer.Ordinal);

    private static Dictionary<string, string[]> StageBanks(string stage)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "stages", $"{stage}.json")), Jsonc);
        return document.RootElement.GetProperty("banks").EnumerateArray().ToDictionary(
            bank => bank.GetProperty("code").GetString()!,
            bank => bank.GetProperty("scopes").EnumerateArray().Select(scope => scope.GetString()!).ToArray());
    }
}
